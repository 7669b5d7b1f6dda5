import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listAll } from '../source/list-all.js';
import type { ListableSource, ListedFile } from '../source/types.js';
import type { ByteReader, MediaInfo } from './media-info.js';
import { mediaKind, type MediaKind } from './media-kind.js';
import { probe as defaultProbe } from './probe.js';
import { resourceReader } from './resource-reader.js';

/** A sidecar subtitle file of a video. */
export interface SubtitleTrack {
  /** Key of the sidecar file (.vtt or .srt). */
  path: string;
  /** BCP 47 language from the file name ("movie.fr.srt"), when there is one. */
  lang?: string;
  label: string;
}

/** One media file of the catalog: its key, kind, size, time, what its headers say, and its subtitles. */
export interface CatalogEntry extends MediaInfo {
  path: string;
  kind: MediaKind;
  size: number;
  mtimeMs: number;
  subtitles: SubtitleTrack[];
}

/** How far a scan of the source is: files probed of those listed, the one being read, and whether it is over. */
export interface ScanProgress {
  done: number;
  total: number;
  current?: string;
  unreadable: number;
  finished: boolean;
  elapsedMs: number;
}

/** Options of a Catalog. */
export interface CatalogOptions {
  /** JSON file that keeps probe results across restarts; none: probe everything each start. */
  cacheFile?: string;
  /** Files probed at once (default 4: probes wait on the disk, not the CPU). */
  concurrency?: number;
  /** A listing older than this is refreshed in the background when asked for (default 2 s). */
  staleAfterMs?: number;
  onProgress?: (progress: ScanProgress) => void;
  /** Told at the end of every scan that completed: the files the catalog holds, and how long it took (metrics). */
  onScanned?: (scan: { files: number; elapsedMs: number }) => void;
  /** Injected in tests to count probes. */
  probe?: (name: string, reader: ByteReader) => Promise<MediaInfo>;
}

/** Raised when the probes learn to say more of a file, so that a cache from older probes is read again. */
const CACHE_VERSION = 2;

interface CacheFile {
  version: typeof CACHE_VERSION;
  entries: Record<string, { size: number; mtimeMs: number; etag?: string; info: MediaInfo }>;
}

const SUBTITLE = /\.(vtt|srt)$/i;
const displayNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** Sidecar subtitles of a video: "name.vtt", "name.srt", "name.<lang>.vtt|srt" in the same folder. */
function sidecars(video: string, subtitleKeys: readonly string[]): SubtitleTrack[] {
  const stem = video.slice(0, video.lastIndexOf('.') + 1); // "dir/name."
  const tracks: SubtitleTrack[] = [];
  for (const key of subtitleKeys) {
    if (!key.startsWith(stem)) continue;
    const middle = key.slice(stem.length, key.lastIndexOf('.')); // "" or "fr" or "pt-BR"
    if (middle === '') {
      tracks.push({ path: key, label: 'Subtitles' });
    } else if (/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/i.test(middle)) {
      let label: string | undefined;
      try {
        label = displayNames.of(middle);
      } catch {
        label = undefined;
      }
      tracks.push({ path: key, lang: middle, label: label ?? middle });
    }
  }
  // A .vtt and an .srt for the same language: the WebVTT one, which needs no conversion.
  const chosen = new Map<string, SubtitleTrack>();
  for (const t of tracks) {
    const other = chosen.get(t.lang ?? '');
    if (other === undefined || /\.vtt$/i.test(t.path)) chosen.set(t.lang ?? '', t);
  }
  return [...chosen.values()].sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * What a listable source holds: every video and audio file with its size, time and container facts.
 * Probe results are cached on disk by key, size, mtime and (where the source has one) ETag, so a
 * restart re-reads only what changed, and a file that did not change is not even opened. The listing
 * is served as known while a scan runs, and refreshed once it is older than `staleAfterMs`, so files
 * added, changed or removed show up without a restart.
 */
export class Catalog {
  private entries = new Map<string, CatalogEntry>();
  private cache: CacheFile['entries'] | undefined;
  private running: Promise<void> | undefined;
  private lastScan = -Infinity;
  private scanned = false;
  private progress: ScanProgress = { done: 0, total: 0, unreadable: 0, finished: false, elapsedMs: 0 };

  constructor(
    private readonly source: ListableSource,
    private readonly options: CatalogOptions = {},
  ) {}

  /** Every entry, by path; triggers a background refresh when the listing is stale. */
  list(): CatalogEntry[] {
    this.refreshIfStale();
    return [...this.entries.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  get(key: string): CatalogEntry | undefined {
    this.refreshIfStale();
    return this.entries.get(key);
  }

  get status(): ScanProgress {
    return { ...this.progress };
  }

  /** Whether a scan has completed: the catalog then holds a whole listing (readiness waits for it). */
  get listed(): boolean {
    return this.scanned;
  }

  private refreshIfStale(): void {
    if (this.running === undefined && Date.now() - this.lastScan >= (this.options.staleAfterMs ?? 2000)) {
      void this.refresh().catch(() => {}); // a failed background scan keeps the last listing
    }
  }

  /**
   * Brings a stale listing up to date before a page is made from it, waiting at most `maxWaitMs` (a
   * long scan goes on in the background, and the page shows what is known). So a file added while the
   * server runs is on the very next page load, not the one after. A scan already running (the first
   * one, on a large library) is not waited for: pages are served from what is known meanwhile.
   */
  async catchUp(maxWaitMs = 1000): Promise<void> {
    if (this.running !== undefined || Date.now() - this.lastScan < (this.options.staleAfterMs ?? 2000)) return;
    const scan = this.refresh().catch(() => {}); // a failed scan keeps the last listing
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)));
    await Promise.race([scan, timeout]);
    clearTimeout(timer);
  }

  /** Scans the folder now; callers during a scan share it. */
  refresh(): Promise<void> {
    this.running ??= this.scan().finally(() => {
      this.running = undefined;
      this.lastScan = Date.now();
    });
    return this.running;
  }

  private async loadCache(): Promise<CacheFile['entries']> {
    if (this.cache !== undefined) return this.cache;
    this.cache = {};
    if (this.options.cacheFile === undefined) return this.cache;
    try {
      const file = JSON.parse(await readFile(this.options.cacheFile, 'utf8')) as CacheFile;
      if (file.version === CACHE_VERSION && typeof file.entries === 'object') this.cache = file.entries;
    } catch {
      // No cache yet, or one from another version: start empty.
    }
    return this.cache;
  }

  private async saveCache(): Promise<void> {
    const file = this.options.cacheFile;
    if (file === undefined || this.cache === undefined) return;
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: CACHE_VERSION, entries: this.cache } satisfies CacheFile));
    await rename(tmp, file);
  }

  /** Probes one file through the source; undefined when it is gone (or no longer ours to serve). */
  private async probeOne(file: ListedFile, probe: NonNullable<CatalogOptions['probe']>): Promise<MediaInfo | undefined> {
    const key = file.key;
    // What the listing said stands in for a lookup where the source allows (no HEAD per object in a
    // bucket); an object replaced since is caught by its reads, and probed again at the next scan.
    const resource = await this.source.lookup(key, { keep: false, listed: file }).catch(() => undefined);
    if (resource === undefined) return undefined;
    try {
      return await probe(key, resourceReader(resource));
    } finally {
      resource.release();
    }
  }

  private async scan(): Promise<void> {
    const started = Date.now();
    const cache = await this.loadCache();
    const media: ListedFile[] = [];
    // Subtitle files by folder, so each video is matched against its own folder's files only.
    const subtitles = new Map<string, string[]>();
    const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);
    for await (const file of listAll(this.source)) {
      const key = file.key;
      if (mediaKind(key) !== undefined) media.push(file);
      else if (SUBTITLE.test(key)) {
        const folder = folderOf(key);
        const list = subtitles.get(folder);
        if (list === undefined) subtitles.set(folder, [key]);
        else list.push(key);
      }
    }
    const probe = this.options.probe ?? defaultProbe;
    const seen = new Set<string>();
    let changed = false;
    let next = 0;
    this.progress = { done: 0, total: media.length, unreadable: 0, finished: false, elapsedMs: 0 };
    const report = () => {
      try {
        this.options.onProgress?.({ ...this.progress, elapsedMs: Date.now() - started });
      } catch {
        // A failing progress display must not stop the scan.
      }
    };

    const work = async () => {
      while (next < media.length) {
        const file = media[next++]!;
        const key = file.key;
        this.progress.current = key;
        const cached = cache[key];
        let info: MediaInfo | undefined;
        if (cached !== undefined && cached.size === file.size && cached.mtimeMs === file.mtimeMs && cached.etag === file.etag) {
          info = cached.info;
        } else {
          info = await this.probeOne(file, probe);
          if (info !== undefined) {
            cache[key] = { size: file.size, mtimeMs: file.mtimeMs, etag: file.etag, info };
            changed = true;
          }
        }
        if (info !== undefined) {
          if (info.error !== undefined) this.progress.unreadable++;
          this.entries.set(key, {
            ...info,
            path: key,
            kind: mediaKind(key)!,
            size: file.size,
            mtimeMs: file.mtimeMs,
            subtitles: sidecars(key, subtitles.get(folderOf(key)) ?? []),
          });
          seen.add(key);
        }
        this.progress.done++;
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 4) }, work));

    for (const key of this.entries.keys()) if (!seen.has(key)) this.entries.delete(key);
    for (const key of Object.keys(cache)) {
      if (!seen.has(key)) {
        delete cache[key];
        changed = true;
      }
    }
    this.progress = { ...this.progress, current: undefined, finished: true };
    report();
    this.scanned = true;
    try {
      this.options.onScanned?.({ files: this.entries.size, elapsedMs: Date.now() - started });
    } catch {
      // A failing observer must not fail the scan.
    }
    if (changed) await this.saveCache();
  }
}
