import { contentTypeFor } from '../http/content-type.js';
import type { Resource } from '../source/types.js';
import { faststartEtag, faststartResource } from './faststart-resource.js';
import { Mp4FormatError } from './mp4/boxes.js';
import { planFaststart } from './mp4/faststart.js';
import type { Relocation } from './mp4/relocation.js';
import { resourceReader } from './resource-reader.js';

/** Limits of a FaststartCache. */
export interface FaststartCacheOptions {
  /** The most bytes of rebuilt moovs kept at once (default 64 MiB); the least recently used go first. */
  maxBytes?: number;
  /** A file whose moov is larger than this is served as it is (default 16 MiB, a moov of a ~10 hour movie). */
  maxMoov?: number;
}

/** The types whose files are ISO base media: the only ones worth reading for a moov. */
const ISO_MEDIA = new Set(['video/mp4', 'video/quicktime', 'audio/mp4', 'video/3gpp']);

/** The most versions remembered, those served as they are included (each a key and a few bytes). */
const MAX_ENTRIES = 10_000;

/** An entry: the rewrite of one version of one file, or null when that version is served as it is. */
type Entry = Promise<Relocation | null>;

/**
 * The faststart views of files, made once per version: a file whose moov follows its media data is
 * served as its faststart copy (faststart-resource.ts), from a rebuilt moov kept here; any other file,
 * and one that cannot be rewritten safely, as it is. Kept per key and validator (so a new version is
 * a new entry), bounded in bytes of moov, least recently used first out. Requests that arrive while a
 * version is being read share that one reading. Owned by the app that made it; close() lets go.
 */
export class FaststartCache {
  private readonly entries = new Map<string, { entry: Entry; bytes: number }>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly maxMoov: number;

  constructor(options: FaststartCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxMoov = Math.min(options.maxMoov ?? 16 * 1024 * 1024, this.maxBytes);
  }

  /**
   * What to serve for `resource` (looked up under `key`): its faststart view, or the resource itself
   * when it needs none or cannot have one. Either way, releasing the answer releases the lookup.
   * Rejects only when reading the file fails (a source's error, answered as any other read failure);
   * the caller still owns `resource` then.
   */
  async view(key: string, resource: Resource): Promise<Resource> {
    if (!ISO_MEDIA.has(contentTypeFor(key)) && !ISO_MEDIA.has(resource.contentType ?? '')) return resource;
    const id = `${key}\n${faststartEtag(resource)}`;
    let cached = this.entries.get(id);
    if (cached === undefined) {
      cached = { entry: this.rewrite(resource), bytes: 0 };
      this.entries.set(id, cached);
      const mine = cached;
      mine.entry.then(
        (relocation) => {
          if (this.entries.get(id) !== mine) return; // closed, or dropped meanwhile
          mine.bytes = relocation === null ? 0 : relocation.moov.length;
          this.bytes += mine.bytes;
          this.evict();
        },
        () => {
          if (this.entries.get(id) === mine) this.entries.delete(id); // not a verdict on the file: try again next time
        },
      );
    } else {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(id);
      this.entries.set(id, cached);
    }
    const relocation = await cached.entry;
    return relocation === null ? resource : faststartResource(resource, relocation);
  }

  /** Bytes of rebuilt moovs held now. */
  get size(): number {
    return this.bytes;
  }

  /** Lets go of every rebuilt moov. The cache still answers after it, reading afresh. */
  close(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private async rewrite(resource: Resource): Promise<Relocation | null> {
    try {
      const verdict = await planFaststart(resourceReader(resource), { maxMoov: this.maxMoov });
      return verdict.kind === 'relocate' ? verdict.relocation : null;
    } catch (err) {
      // A file that cannot be moved safely is still a file: served as it is.
      if (err instanceof Mp4FormatError) return null;
      throw err;
    }
  }

  private evict(): void {
    for (const [id, cached] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= MAX_ENTRIES) return;
      this.entries.delete(id);
      this.bytes -= cached.bytes;
    }
  }
}
