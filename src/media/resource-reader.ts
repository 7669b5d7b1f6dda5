import type { Resource } from '../source/types.js';
import type { ByteReader } from './media-info.js';

/**
 * Least bytes one read asks the source for. Probes read headers in many small pieces (a 12-byte magic,
 * then box or element headers one after another); over a store each read is a request with its own
 * round trip, so a read takes a block and the next pieces inside it cost nothing. 64 KiB holds the
 * whole header of a web-optimized MP4 or a WebM's first elements: measured on the test fixtures, a
 * probe went from 6 store requests to 2 (3 with the moov at the end).
 */
const BLOCK = 64 * 1024;

/**
 * A ByteReader over a looked-up resource: each read that misses the last block read is one range of
 * at least BLOCK bytes, read until it is whole.
 */
export function resourceReader(resource: Resource, block = BLOCK): ByteReader {
  let kept: { start: number; bytes: Buffer } | undefined;
  return {
    size: resource.size,
    async read(start, length) {
      const end = Math.min(start + length, resource.size) - 1;
      if (end < start) return Buffer.alloc(0);
      if (kept === undefined || start < kept.start || end >= kept.start + kept.bytes.length) {
        kept = { start, bytes: await readRange(resource, start, Math.min(Math.max(end, start + block - 1), resource.size - 1)) };
      }
      return kept.bytes.subarray(start - kept.start, end - kept.start + 1);
    },
  };
}

/** Bytes start..end (inclusive) of a resource, whole. */
async function readRange(resource: Resource, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(end - start + 1);
  const reader = resource.readRange(start, end);
  try {
    for (let filled = 0; filled < buffer.length; ) {
      const view = buffer.subarray(filled);
      filled += reader.readNow?.(view, view.length) ?? (await reader.read(view, view.length));
    }
  } finally {
    reader.close();
  }
  return buffer;
}
