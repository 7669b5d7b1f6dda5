import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogEntry } from './catalog.js';
import { demuxerFor, Ffmpeg, type FfmpegInput } from './ffmpeg.js';

/** What ffmpeg reads a poster from (see FfmpegInput). */
export type PosterInput = FfmpegInput;

/** Options of Posters: the ffmpeg to run, the size, and the limits on its jobs. */
export interface PosterOptions {
  /** The app's shared ffmpeg runner, or the binary to make one of (default "ffmpeg" on the PATH). */
  ffmpeg?: Ffmpeg | string;
  /** Poster width in pixels; the height keeps the aspect ratio (default 480: a grid card at 2x). */
  width?: number;
  /** Most ffmpeg processes at once, when no shared runner is given (default 2). */
  concurrency?: number;
  /** Longest an extraction may take before it is abandoned (default 20 s). */
  timeoutMs?: number;
}

/** The version of a poster: changes whenever the video's bytes do, so its URL can be cached forever. */
export function posterVersion(entry: Pick<CatalogEntry, 'path' | 'size' | 'mtimeMs'>): string {
  return createHash('sha1').update(`${entry.path}\0${entry.size}\0${entry.mtimeMs}`).digest('hex').slice(0, 16);
}

/**
 * Poster frames made with ffmpeg, lazily (on the first request for one), cached on disk by video
 * version, within the ffmpeg runner's bound on processes, and never twice for the same version at the
 * same time. Without ffmpeg, `available()` is false and pages fall back to a frame the browser picks.
 */
export class Posters {
  private readonly ffmpeg: Ffmpeg;
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  private readonly failed = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly options: PosterOptions = {},
  ) {
    const { ffmpeg } = options;
    this.ffmpeg = ffmpeg instanceof Ffmpeg ? ffmpeg : new Ffmpeg({ binary: ffmpeg, concurrency: options.concurrency });
  }

  /** Whether ffmpeg is there to make posters. */
  available(): Promise<boolean> {
    return this.ffmpeg.available();
  }

  /** The JPEG file of a video's poster (made now if needed), or undefined when none can be made. */
  async get(entry: CatalogEntry, input: PosterInput): Promise<string | undefined> {
    const format = demuxerFor(entry.container);
    if (entry.kind !== 'video' || entry.error !== undefined || format === undefined || !(await this.available())) return undefined;
    const version = posterVersion(entry);
    if (this.failed.has(version)) return undefined;
    const target = path.join(this.dir, `${version}.jpg`);
    try {
      await access(target);
      return target;
    } catch {
      // not made yet
    }
    let job = this.inflight.get(version);
    if (job === undefined) {
      job = this.extract(input, format, target, (entry.duration ?? 0) * 0.1).then((ok) => {
        if (ok) return target;
        this.failed.add(version); // not tried again for this version of the video
        return undefined;
      });
      this.inflight.set(version, job);
      void job.finally(() => this.inflight.delete(version));
    }
    return job;
  }

  /** One frame at `at` seconds, scaled, as JPEG; written to a temp name and renamed when complete. */
  private async extract(input: PosterInput, format: string, target: string, at: number): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp.jpg`;
    const width = this.options.width ?? 480;
    const ok = await this.ffmpeg.run({
      input,
      format,
      inputOptions: ['-ss', at.toFixed(2)],
      output: ['-frames:v', '1', '-vf', `scale=${width}:-2`, '-q:v', '5', tmp],
      timeoutMs: this.options.timeoutMs ?? 20_000,
    });
    if (!ok) {
      await rm(tmp, { force: true });
      return false;
    }
    try {
      await rename(tmp, target);
      return true;
    } catch {
      return false; // ffmpeg exited 0 without writing a frame (no video stream after all)
    }
  }
}
