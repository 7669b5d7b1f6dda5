import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogEntry } from './catalog.js';
import { demuxerFor, type Ffmpeg, type FfmpegInput } from './ffmpeg.js';
import { JobLimiter } from './job-limiter.js';
import { posterVersion } from './posters.js';
import { type PreviewLayout, previewLayout } from './previews-layout.js';
import type { PreviewIndex } from './previews-vtt.js';

/** Options of Previews: the shared ffmpeg runner, and the limits on preview jobs. */
export interface PreviewOptions {
  /** The app's ffmpeg runner (its bound on processes covers previews and posters together). */
  ffmpeg: Ffmpeg;
  /**
   * Most preview jobs at once, within the runner's bound (default 1): a preview job reads a whole
   * video, so with the runner's default of 2 a poster always finds a free slot.
   */
  concurrency?: number;
  /**
   * Longest one job may take before it is abandoned (default 10 min). A two-hour 720p film with a
   * keyframe every 2 s took 45 s from a cold page cache on a shared 2-core machine (bench/previews.ts):
   * the room is for longer, larger films on slower disks.
   */
  timeoutMs?: number;
  /** Width of the box a frame fits in (default 160); its height is 160 too, so portrait frames stay small. */
  size?: number;
}

/** A video's previews as made: the folder of their sheets (1.jpg, 2.jpg, ...) and their index. */
export interface PreviewSet {
  dir: string;
  index: PreviewIndex;
}

/**
 * Seek-bar previews made with ffmpeg: sheets of frames (sprites) and the index of their times, made
 * lazily on the first request, cached on disk by video version beside the posters, never twice for
 * the same version at once, and at most `concurrency` jobs at a time within the ffmpeg runner's bound.
 *
 * Only keyframes are decoded (`-skip_frame nokey`): a decoder that honours it (H.264, HEVC) skips
 * every other frame, which is what makes a two-hour film take seconds. Time is cut into cells of
 * `interval` seconds (previews-layout.ts) and the first keyframe of each cell is taken, so frames are
 * `interval` apart on average, or as far apart as the keyframes when those are sparser; each frame's
 * time is the one ffmpeg reports for it (showinfo), never an assumed one.
 */
export class Previews {
  private readonly inflight = new Map<string, Promise<PreviewSet | undefined>>();
  private readonly failed = new Set<string>();
  private readonly limiter: JobLimiter;

  constructor(
    private readonly dir: string,
    private readonly options: PreviewOptions,
  ) {
    this.limiter = new JobLimiter(options.concurrency ?? 1);
  }

  /** Whether previews can be made at all: ffmpeg is there. */
  available(): Promise<boolean> {
    return this.options.ffmpeg.available();
  }

  /** Whether previews of this entry are worth asking for: a readable video in a container ffmpeg is given. */
  static canPreview(entry: CatalogEntry): boolean {
    return entry.kind === 'video' && entry.error === undefined && demuxerFor(entry.container) !== undefined;
  }

  /** A video's previews (made now if needed), or undefined when none can be made. */
  async get(entry: CatalogEntry, input: FfmpegInput): Promise<PreviewSet | undefined> {
    if (!Previews.canPreview(entry) || !(await this.available())) return undefined;
    const version = posterVersion(entry);
    if (this.failed.has(version)) return undefined;
    const target = path.join(this.dir, version);
    const made = await readIndex(target);
    if (made !== undefined) return { dir: target, index: made };
    let job = this.inflight.get(version);
    if (job === undefined) {
      job = this.limiter
        .run(() => this.make(entry, input, target))
        .then((index) => {
          if (index !== undefined) return { dir: target, index };
          this.failed.add(version); // not tried again for this version of the video
          return undefined;
        });
      this.inflight.set(version, job);
      void job.finally(() => this.inflight.delete(version));
    }
    return job;
  }

  /** Runs ffmpeg into a temporary folder and renames it into place once whole; the index, or undefined. */
  private async make(entry: CatalogEntry, input: FfmpegInput, target: string): Promise<PreviewIndex | undefined> {
    const layout = previewLayout(entry.duration);
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await mkdir(tmp, { recursive: true });
    try {
      const frames: ShowinfoFrame[] = [];
      const output = ['-map', '0:v:0', '-vf', previewFilters(layout, this.options.size ?? 160)];
      // -fps_mode vfr: one output image per tile, never a tile repeated to fill a frame rate.
      output.push('-fps_mode', 'vfr', '-frames:v', String(layout.maxSheets), '-q:v', '5', path.join(tmp, '%d.jpg'));
      const ok = await this.options.ffmpeg.run({
        input,
        format: demuxerFor(entry.container)!,
        inputOptions: ['-skip_frame', 'nokey'],
        output,
        timeoutMs: this.options.timeoutMs ?? 600_000,
        onStderrLine: (line) => {
          const frame = showinfoFrame(line);
          if (frame !== undefined) frames.push(frame);
        },
      });
      const first = frames[0];
      if (!ok || first === undefined) return undefined;
      const perSheet = layout.columns * layout.rows;
      // -frames:v stops at maxSheets; frames that went into a tile never written are left out.
      const sheets = Math.min(layout.maxSheets, Math.ceil(frames.length / perSheet));
      for (let n = 1; n <= sheets; n++) await access(path.join(tmp, `${n}.jpg`));
      const times = frames.slice(0, sheets * perSheet).map((f) => f.time);
      const last = times[times.length - 1]!;
      const index: PreviewIndex = {
        frameWidth: first.width,
        frameHeight: first.height,
        columns: layout.columns,
        rows: layout.rows,
        sheets,
        times,
        end: entry.duration !== undefined && entry.duration > last ? entry.duration : last + layout.interval,
      };
      await writeFile(path.join(tmp, INDEX), JSON.stringify(index));
      return await publish(tmp, target, index);
    } catch {
      return undefined; // a sheet ffmpeg said it wrote is not there, or the cache folder cannot be written
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/**
 * The filter graph that turns the decoded keyframes into sheets: the first frame of each cell of
 * `interval` seconds, fitted in a `box` × `box` square, reported by showinfo, tiled.
 */
export function previewFilters(layout: PreviewLayout, box: number): string {
  // Rounded up, never down: narrower cells could hold one frame more than the sheets have room for.
  const cell = (Math.ceil(layout.interval * 1000) / 1000).toFixed(3);
  // Fits the frame's display shape (dar: storage size times sample aspect ratio) in the box, in even
  // sizes (the JPEG encoder's 4:2:0 wants them), with square pixels after.
  const fit = `w='2*trunc(min(${box}\\,${box}*dar)/2)':h='2*trunc(min(${box}\\,${box}/dar)/2)'`;
  return [
    `select='isnan(prev_selected_t)+gt(floor(t/${cell})\\,floor(prev_selected_t/${cell}))'`,
    `scale=${fit}`,
    'setsar=1',
    'showinfo',
    `tile=${layout.columns}x${layout.rows}`,
  ].join(',');
}

/** The file of a preview set that lists its frames. */
const INDEX = 'index.json';

/** Moves a finished set into place; another process that got there first wins, and its set is used. */
async function publish(tmp: string, target: string, index: PreviewIndex): Promise<PreviewIndex | undefined> {
  try {
    await rename(tmp, target);
    return index;
  } catch {
    return readIndex(target);
  }
}

/** The index of a set already made, or undefined when there is none (or it cannot be read as one). */
async function readIndex(dir: string): Promise<PreviewIndex | undefined> {
  try {
    const index = JSON.parse(await readFile(path.join(dir, INDEX), 'utf8')) as PreviewIndex;
    return Array.isArray(index.times) && index.sheets > 0 ? index : undefined;
  } catch {
    return undefined;
  }
}

/** One frame as ffmpeg's showinfo filter reports it. */
export interface ShowinfoFrame {
  /** Presentation time in seconds. */
  time: number;
  width: number;
  height: number;
}

/**
 * The frame a line of ffmpeg's showinfo filter reports
 * (`[Parsed_showinfo_3 @ 0x...] n:   1 pts: 128000 pts_time:10  ... s:160x90 ...`), or undefined for
 * any other line.
 */
export function showinfoFrame(line: string): ShowinfoFrame | undefined {
  if (!line.includes('Parsed_showinfo')) return undefined;
  const time = /\bpts_time:(-?[\d.]+)/.exec(line);
  const size = /\bs:(\d+)x(\d+)/.exec(line);
  if (time === null || size === null) return undefined;
  const frame = { time: Number(time[1]), width: Number(size[1]), height: Number(size[2]) };
  return Number.isFinite(frame.time) ? frame : undefined;
}
