import type { Resource } from '../source/types.js';
import type { ByteReader } from './media-info.js';

/** A ByteReader over a looked-up resource: one read when the resource offers it, else the range streamed. */
export function resourceReader(resource: Resource): ByteReader {
  return {
    size: resource.size,
    async read(start, length) {
      const end = Math.min(start + length, resource.size) - 1;
      if (end < start) return Buffer.alloc(0);
      if (resource.read !== undefined) return resource.read(start, end - start + 1);
      const chunks: Buffer[] = [];
      for await (const chunk of resource.open(start, end)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}
