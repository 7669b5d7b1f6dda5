import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Resource } from '../source/types.js';
import type { CatalogEntry } from './catalog.js';

/**
 * What ffmpeg reads a poster from: the file's local path when the source has one (ffmpeg seeks in it
 * freely); else a URL the source gives (a store's presigned URL: ffmpeg seeks with range requests,
 * so an MP4 whose index is at the end costs one more range, not a download); else the resource's
 * bytes on its standard input, front to back (enough for a web-optimized MP4 and for WebM; an MP4
 * whose index is at the end gets no poster that way).
 */
export type PosterInput = { path: string } | { url: string } | { resource: Resource };

/** Options of Posters: the ffmpeg binary, the size, and the limits on its jobs. */
export interface PosterOptions {
  /** The ffmpeg binary (default "ffmpeg" on the PATH). */
  ffmpeg?: string;
  /** Poster width in pixels; the height keeps the aspect ratio (default 480: a grid card at 2x). */
  width?: number;
  /** Most ffmpeg processes at once (default 2: one per core here, and pages stay responsive). */
  concurrency?: number;
  /** Longest an extraction may take before it is abandoned (default 20 s). */
  timeoutMs?: number;
}

/** ffmpeg's demuxer for each container our probes recognise (named, never guessed); other files get no poster. */
const DEMUXERS: Record<string, string> = { mp4: 'mov', mov: 'mov', webm: 'matroska', matroska: 'matroska', ogg: 'ogg', avi: 'avi' };

/** The version of a poster: changes whenever the video's bytes do, so its URL can be cached forever. */
export function posterVersion(entry: Pick<CatalogEntry, 'path' | 'size' | 'mtimeMs'>): string {
  return createHash('sha1').update(`${entry.path}\0${entry.size}\0${entry.mtimeMs}`).digest('hex').slice(0, 16);
}

/**
 * Poster frames made with ffmpeg, lazily (on the first request for one), cached on disk by video
 * version, at most `concurrency` at once, and never twice for the same version at the same time.
 * Without ffmpeg, `available()` is false and pages fall back to a frame the browser picks itself.
 */
export class Posters {
  private ffmpegOk: Promise<boolean> | undefined;
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  private readonly failed = new Set<string>();
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly options: PosterOptions = {},
  ) {}

  available(): Promise<boolean> {
    this.ffmpegOk ??= new Promise((resolve) => {
      const child = spawn(this.options.ffmpeg ?? 'ffmpeg', ['-version'], { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
    return this.ffmpegOk;
  }

  /** The JPEG file of a video's poster (made now if needed), or undefined when none can be made. */
  async get(entry: CatalogEntry, input: PosterInput): Promise<string | undefined> {
    const format = DEMUXERS[entry.container];
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
      job = this.limited(() => this.extract(input, format, target, (entry.duration ?? 0) * 0.1)).then((ok) => {
        if (ok) return target;
        this.failed.add(version); // not tried again for this version of the video
        return undefined;
      });
      this.inflight.set(version, job);
      void job.finally(() => this.inflight.delete(version));
    }
    return job;
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= (this.options.concurrency ?? 2)) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  /** One frame at `at` seconds, scaled, as JPEG; written to a temp name and renamed when complete. */
  private async extract(input: PosterInput, format: string, target: string, at: number): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp.jpg`;
    const width = this.options.width ?? 480;
    // The demuxer is named, never guessed: left to guess, ffmpeg reads an HLS playlist or a concat list
    // dressed as a video and follows it to files outside the root. "file:" keeps the path a path.
    // A URL may only use the web's protocols: no file:, no concat: or subfile: through it.
    const from =
      'path' in input
        ? ['-nostdin', '-f', format, '-i', `file:${input.path}`]
        : 'url' in input
          ? ['-nostdin', '-protocol_whitelist', 'http,https,tcp,tls', '-f', format, '-i', input.url]
          : ['-f', format, '-i', 'pipe:0'];
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-ss', at.toFixed(2), ...from];
    args.push('-frames:v', '1', '-vf', `scale=${width}:-2`, '-q:v', '5', tmp);
    const ok = await new Promise<boolean>((resolve) => {
      const child = spawn(this.options.ffmpeg ?? 'ffmpeg', args, { stdio: ['resource' in input ? 'pipe' : 'ignore', 'ignore', 'ignore'] });
      if ('resource' in input) void feed(input.resource, child.stdin!);
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.timeoutMs ?? 20_000);
      child.on('error', () => resolve(false));
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
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

/**
 * Writes a resource's bytes to ffmpeg's standard input with backpressure, until they end or ffmpeg
 * stops reading (it has its frame, or it gave up): a closed pipe is the normal end, not an error.
 */
async function feed(resource: Resource, stdin: Writable): Promise<void> {
  stdin.on('error', () => {});
  if (resource.size === 0) return void stdin.end();
  const reader = resource.readRange(0, resource.size - 1);
  try {
    for (let pos = 0; pos < resource.size && !stdin.destroyed; ) {
      const chunk = Buffer.allocUnsafe(Math.min(FEED_CHUNK, resource.size - pos));
      const n = reader.readNow?.(chunk, chunk.length) ?? (await reader.read(chunk, chunk.length));
      pos += n;
      if (!stdin.write(chunk.subarray(0, n))) await room(stdin);
    }
    stdin.end();
  } catch {
    stdin.destroy(); // a read failed: ffmpeg sees the input end, and fails or makes do
  } finally {
    reader.close();
  }
}

const FEED_CHUNK = 256 * 1024;

/** Resolves once a stream wants more, or has closed. */
function room(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
