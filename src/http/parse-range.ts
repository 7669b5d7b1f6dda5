import type { ByteRange } from './types.js';

/**
 * The outcome of reading a `Range` header against a representation of `size` bytes.
 * - `ignore`: serve the whole representation (absent, malformed, unknown unit, or empty representation);
 * - `unsatisfiable`: a valid set in which no range overlaps the representation (416);
 * - `ranges`: the satisfiable ranges, clamped to the representation, in the order they were asked.
 */
export type RangeResult = { type: 'ignore' } | { type: 'unsatisfiable' } | { type: 'ranges'; ranges: ByteRange[] };

const IGNORE: RangeResult = { type: 'ignore' };
const UNSATISFIABLE: RangeResult = { type: 'unsatisfiable' };

// Optional whitespace (RFC 9110 §5.6.3) around "," is the list syntax; around "-" it is not in the
// grammar, but real clients send it and accepting it costs nothing.
const SPEC = /^(\d*)[ \t]*-[ \t]*(\d*)$/;
const UNIT = /^bytes=/i;

/** Cap on comma-separated elements read before giving up: bounds the work a hostile header can cause. */
const MAX_ELEMENTS = 1000;

/**
 * Parses a decimal string without losing precision: values beyond Number.MAX_SAFE_INTEGER become
 * Infinity, so a huge last-pos clamps to the end and a huge first-pos is unsatisfiable, instead of
 * rounding to some nearby, wrong offset.
 */
function toOffset(digits: string): number {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : Infinity;
}

/** Compares two decimal strings exactly, at any length (both may be past 2^53, where numbers cannot). */
function lessThan(a: string, b: string): boolean {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  return x.length !== y.length ? x.length < y.length : x < y;
}

/**
 * Reads a Range header per RFC 9110 §14.1.1–§14.1.2 (byte ranges) and §14.2 (the field).
 *
 * Trade-offs where the RFC leaves room:
 * - an invalid ranges-specifier is ignored rather than rejected (§14.2 "MAY ignore or reject"): a 200 is
 *   something every client can play, a 400 is not;
 * - a zero-length representation ignores Range (§14.1.1 makes every range unsatisfiable for it, but a 416
 *   for an empty file is useless to a player: the full, empty 200 is the answer it can use);
 * - empty list elements ("bytes=0-1,,5-6") are skipped, as §5.6.1.2 asks of recipients.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined || size <= 0) return IGNORE;
  const value = header.trim();
  if (!UNIT.test(value)) return IGNORE; // absent "bytes=" or another unit: §14.2 says ignore.
  const elements = value.slice(6).split(',');
  if (elements.length > MAX_ELEMENTS) return IGNORE;

  const ranges: ByteRange[] = [];
  let specs = 0;
  for (const raw of elements) {
    const element = raw.trim();
    if (element === '') continue;
    const match = SPEC.exec(element);
    if (match === null) return IGNORE;
    const [, first = '', last = ''] = match;
    specs++;
    if (first === '') {
      // suffix-range: the last N bytes (§14.1.3); "-" alone is not a range, "-0" asks for nothing.
      if (last === '') return IGNORE;
      const length = toOffset(last);
      if (length === 0) continue;
      ranges.push({ start: Math.max(0, size - length), end: size - 1 });
      continue;
    }
    const start = toOffset(first);
    const end = last === '' ? Infinity : toOffset(last);
    // §14.1.1: last-pos below first-pos makes the whole set invalid, not only this element.
    if (last !== '' && lessThan(last, first)) return IGNORE;
    if (start >= size) continue; // unsatisfiable on its own, the others may still be served
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (specs === 0) return IGNORE;
  return ranges.length === 0 ? UNSATISFIABLE : { type: 'ranges', ranges };
}
