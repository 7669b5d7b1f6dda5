import type { ByteRange } from './types.js';

/**
 * Merges ranges that overlap or that are separated by fewer than `gap` bytes, and returns them in
 * ascending order.
 *
 * RFC 9110 §15.3.7.2 allows exactly this: a server "MAY coalesce any of the ranges that overlap, or that
 * are separated by a gap that is smaller than the overhead of sending multiple parts, regardless of the
 * order in which the corresponding range-spec appeared". The cost: a client that relied on the order it
 * asked in gets ascending order instead; every client must read Content-Range of each part anyway.
 */
export function coalesceRanges(ranges: readonly ByteRange[], gap: number): ByteRange[] {
  const sorted = ranges.map((r) => ({ start: r.start, end: r.end })).sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start <= last.end + 1 + gap) {
      if (range.end > last.end) last.end = range.end;
    } else {
      merged.push(range);
    }
  }
  return merged;
}
