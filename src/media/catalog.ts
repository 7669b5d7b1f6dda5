import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileSource } from '../source/file-source.js';
import type { ByteReader, MediaInfo } from './media-info.js';
import { mediaKind, type MediaKind } from './media-kind.js';
import { probe as defaultProbe } from './probe.js';
import { resourceReader } from './resource-reader.js';

export interface SubtitleTrack {
  /** Key of the sidecar file (.vtt or .srt). */
  path: string;
  /** BCP 47 language from the file name ("movie.fr.srt"), when there is one. */
  lang?: string;
  label: string;
}

export interface CatalogEntry extends MediaInfo {
  path: string;
  kind: MediaKind;
  size: number;
  mtimeMs: number;
  subtitles: SubtitleTrack[];
}

export interface ScanProgress {
  done: number;
  total: number;
  current?: string;
  unreadable: number;
  finished: boolean;
  elapsedMs: number;
}

export interface CatalogOptions {
  /** JSON file that keeps probe results across restarts; none: probe everything each start. */
  cacheFile?: string;
  /** Files probed at once (default 4: probes wait on the disk, not the CPU). */
  concurrency?: number;
  /** A listing older than this is refreshed in the background when asked for (default 2 s). */
  staleAfterMs?: number;
  onProgress?: (progress: ScanProgress) => void;
  /** Injected in tests to count probes. */
  probe?: (name: string, reader: ByteReader) => Promise<MediaInfo>;
}

interface CacheFile {
  version: 1;
  entries: Record<string, { size: number; mtimeMs: number; info: MediaInfo }>;
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
 * What the media folder holds: every video and audio file with its size, time and container facts.
 * Probe results are cached on disk by path, size and mtime, so a restart re-reads only what changed.
 * The listing is served as known while a scan runs, and refreshed in the background once it is older
 * than `staleAfterMs`, so files added, changed or removed show up without a restart.
 */
export class Catalog {
  private entries = new Map<string, CatalogEntry>();
  private cache: CacheFile['entries'] | undefined;
  private running: Promise<void> | undefined;
  private lastScan = -Infinity;
  private progress: ScanProgress = { done: 0, total: 0, unreadable: 0, finished: false, elapsedMs: 0 };

  constructor(
    private readonly source: FileSource,
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

  private refreshIfStale(): void {
    if (this.running === undefined && Date.now() - this.lastScan > (this.options.staleAfterMs ?? 2000)) {
      void this.refresh().catch(() => {}); // a failed background scan keeps the last listing
    }
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
      if (file.version === 1 && typeof file.entries === 'object') this.cache = file.entries;
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
    await writeFile(tmp, JSON.stringify({ version: 1, entries: this.cache } satisfies CacheFile));
    await rename(tmp, file);
  }

  private async scan(): Promise<void> {
    const started = Date.now();
    const cache = await this.loadCache();
    const media: string[] = [];
    // Subtitle files by folder, so each video is matched against its own folder's files only.
    const subtitles = new Map<string, string[]>();
    const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);
    for await (const key of this.source.list()) {
      if (mediaKind(key) !== undefined) media.push(key);
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
        const key = media[next++]!;
        this.progress.current = key;
        const resource = await this.source.stat(key, { cache: false }).catch(() => undefined);
        if (resource !== undefined) {
          try {
            const cached = cache[key];
            let info: MediaInfo;
            if (cached !== undefined && cached.size === resource.size && cached.mtimeMs === resource.mtimeMs) {
              info = cached.info;
            } else {
              info = await probe(key, resourceReader(resource));
              cache[key] = { size: resource.size, mtimeMs: resource.mtimeMs, info };
              changed = true;
            }
            if (info.error !== undefined) this.progress.unreadable++;
            this.entries.set(key, {
              ...info,
              path: key,
              kind: mediaKind(key)!,
              size: resource.size,
              mtimeMs: resource.mtimeMs,
              subtitles: sidecars(key, subtitles.get(folderOf(key)) ?? []),
            });
            seen.add(key);
          } finally {
            resource.release();
          }
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
    if (changed) await this.saveCache();
  }
}
