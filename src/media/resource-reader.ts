import type { Resource } from '../source/types.js';
import type { ByteReader } from './media-info.js';

/** A ByteReader over a looked-up resource; each read streams exactly the range asked. */
export function resourceReader(resource: Resource): ByteReader {
  return {
    size: resource.size,
    async read(start, length) {
      const end = Math.min(start + length, resource.size) - 1;
      if (end < start) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of resource.open(start, end)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
