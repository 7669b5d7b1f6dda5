import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Resource } from '../source/types.js';
import { JobLimiter } from './job-limiter.js';

/**
 * What ffmpeg reads: the file's local path when the source has one (ffmpeg seeks in it freely); else
 * a URL the source gives (a store's presigned URL: ffmpeg seeks with range requests, so an MP4 whose
 * index is at the end costs one more range, not a download); else the resource's bytes on its
 * standard input, front to back. A pipe cannot seek: an MP4 whose index is at the end cannot be read
 * that way, and what is read is the whole file up to where ffmpeg stops.
 */
export type FfmpegInput = { path: string } | { url: string } | { resource: Resource };

/** Options of Ffmpeg: the binary and how many of its processes may run at once. */
export interface FfmpegOptions {
  /** The ffmpeg binary (default "ffmpeg" on the PATH). */
  binary?: string;
  /** Most ffmpeg processes at once (default 2: one per core here, and pages stay responsive). */
  concurrency?: number;
}

/** One ffmpeg run: what it reads, with what options, and what it writes. */
export interface FfmpegJob {
  input: FfmpegInput;
  /** The demuxer, named (see demuxerFor). */
  format: string;
  /** Options that apply to the input, before it: "-ss 12", "-skip_frame nokey". */
  inputOptions?: string[];
  /** Everything after the input: stream selection, filters, output options and the output file. */
  output: string[];
  /** Longest the run may take before the process is killed (and the run fails). */
  timeoutMs: number;
  /**
   * Receives each line ffmpeg writes on stderr, at log level "info" (where filters such as showinfo
   * report). Without it, ffmpeg logs errors only and stderr is not read.
   */
  onStderrLine?: (line: string) => void;
}

/** ffmpeg's demuxer for each container our probes recognise; other files are not given to ffmpeg. */
const DEMUXERS: Record<string, string> = { mp4: 'mov', mov: 'mov', webm: 'matroska', matroska: 'matroska', ogg: 'ogg', avi: 'avi' };

/** The demuxer ffmpeg must use for a catalog container, or undefined for one it is not given. */
export function demuxerFor(container: string): string | undefined {
  return Object.hasOwn(DEMUXERS, container) ? DEMUXERS[container] : undefined;
}

/** A stderr line longer than this is not a line ffmpeg reports: it is cut there. */
const MAX_LINE = 64 * 1024;

/**
 * The app's ffmpeg: whether it is there (checked once), and its processes, at most `concurrency` at
 * once, each killed at its timeout or when the owner closes. Posters and previews share one, so the
 * bound holds for every job the app starts.
 */
export class Ffmpeg {
  private check: Promise<boolean> | undefined;
  private readonly limiter: JobLimiter;
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  constructor(private readonly options: FfmpegOptions = {}) {
    this.limiter = new JobLimiter(options.concurrency ?? 2);
  }

  /** Whether the binary runs (`ffmpeg -version` exits 0); asked once. */
  available(): Promise<boolean> {
    this.check ??= new Promise((resolve) => {
      const child = spawn(this.options.binary ?? 'ffmpeg', ['-version'], { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
    return this.check;
  }

  /** Runs one job when a slot is free; true when ffmpeg exited 0 in time. Never rejects. */
  run(job: FfmpegJob): Promise<boolean> {
    return this.limiter.run(() => (this.closed ? Promise.resolve(false) : this.spawn(job)));
  }

  /** Kills the processes running now and refuses new ones. Idempotent. */
  close(): void {
    this.closed = true;
    for (const child of this.children) child.kill('SIGKILL');
  }

  private spawn(job: FfmpegJob): Promise<boolean> {
    const input = job.input;
    // The demuxer is named, never guessed: left to guess, ffmpeg reads an HLS playlist or a concat list
    // dressed as a video and follows it to files outside the root. "file:" keeps the path a path; a URL
    // may only use the web's protocols (no file:, concat: or subfile: through it).
    const from =
      'path' in input
        ? ['-nostdin', '-f', job.format, '-i', `file:${input.path}`]
        : 'url' in input
          ? ['-nostdin', '-protocol_whitelist', 'http,https,tcp,tls', '-f', job.format, '-i', input.url]
          : ['-f', job.format, '-i', 'pipe:0'];
    const level = job.onStderrLine === undefined ? 'error' : 'info';
    const args = ['-hide_banner', '-nostats', '-loglevel', level, '-y', ...(job.inputOptions ?? []), ...from, ...job.output];
    return new Promise<boolean>((resolve) => {
      const child = spawn(this.options.binary ?? 'ffmpeg', args, {
        stdio: ['resource' in input ? 'pipe' : 'ignore', 'ignore', job.onStderrLine === undefined ? 'ignore' : 'pipe'],
      });
      this.children.add(child);
      if ('resource' in input) void feed(input.resource, child.stdin!);
      if (job.onStderrLine !== undefined) readLines(child, job.onStderrLine);
      const timer = setTimeout(() => child.kill('SIGKILL'), job.timeoutMs);
      // 'close', not 'exit': by then stderr has been read to its end, so every line has been seen.
      child.on('error', () => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve(false);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve(code === 0);
      });
    });
  }
}

/** Calls `onLine` for each line of the child's stderr ("\n" or "\r" ends one). */
function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  let partial = '';
  child.stderr!.setEncoding('latin1');
  child.stderr!.on('data', (text: string) => {
    const lines = (partial + text).split(/[\r\n]/);
    partial = lines.pop()!.slice(0, MAX_LINE);
    for (const line of lines) if (line !== '') onLine(line);
  });
  child.stderr!.on('end', () => {
    if (partial !== '') onLine(partial);
  });
}

/**
 * Writes a resource's bytes to ffmpeg's standard input with backpressure, until they end or ffmpeg
 * stops reading (it has what it needs, or it gave up): a closed pipe is the normal end, not an error.
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
