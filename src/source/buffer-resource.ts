import type { Representation } from '../http/types.js';
import type { RangeReader, Resource } from './types.js';

/**
 * A Resource over bytes in memory (the pages' assets, tests): reads copy from the buffer on the event loop.
 * `representation` gives the mtime and, if wanted, a strong ETag and a Content-Type.
 */
export function bufferResource(bytes: Uint8Array, representation: Omit<Representation, 'size'>): Resource {
  return {
    ...representation,
    size: bytes.length,
    readRange(start, end): RangeReader {
      let pos = start;
      const readNow = (buffer: Buffer, length: number) => {
        const n = Math.min(length, end - pos + 1);
        buffer.set(bytes.subarray(pos, pos + n));
        pos += n;
        return n;
      };
      return { readNow, read: (buffer, length) => Promise.resolve(readNow(buffer, length)), close() {} };
    },
    release() {},
  };
}
