import type { Resource } from '../source/types.js';
import type { ByteReader } from './media-info.js';

/** A ByteReader over a looked-up resource: each read is one range, read until it is whole. */
export function resourceReader(resource: Resource): ByteReader {
  return {
    size: resource.size,
    async read(start, length) {
      const end = Math.min(start + length, resource.size) - 1;
      if (end < start) return Buffer.alloc(0);
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
    },
  };
}
