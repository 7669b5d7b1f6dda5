/**
 * How long seek-bar previews take to make for a 10-minute video (not part of npm test):
 *   npx tsx bench/previews.ts [--runs N] [--video <file>]... [--keyframes-only]
 *
 * Without --video it generates two 10-minute 1280×720 25 fps H.264 + AAC videos with ffmpeg (a few
 * minutes, once: they are kept in the temp directory for the next run, and `--clean` removes them),
 * one with a keyframe every 2 s (streaming encodes, phones) and one every 10 s (x264's default). For
 * each video it makes the previews as the app does (Previews, from the file's path), with the file in
 * the page cache (warm) and out of it (cold, dropped with `dd iflag=nocache`, as after a reboot), then
 * from its bytes on ffmpeg's stdin (a source with no local path), and, for comparison, with the same
 * filter graph decoding every frame (no -skip_frame nokey, once: it takes minutes; --keyframes-only
 * leaves it out). Each other figure
 * is the median of --runs (default 3), each into an empty cache folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CatalogEntry } from '../src/media/catalog.js';
import { Ffmpeg, type FfmpegInput } from '../src/media/ffmpeg.js';
import { Previews, previewFilters } from '../src/media/previews.js';
import { previewLayout } from '../src/media/previews-layout.js';
import { probe } from '../src/media/probe.js';
import { resourceReader } from '../src/media/resource-reader.js';
import { openFile } from '../src/source/file/file-resource.js';

const USAGE = 'usage: npx tsx bench/previews.ts [--runs N] [--video <file>]... [--keyframes-only] [--clean]';
const KEPT = path.join(os.tmpdir(), 'seekable-bench-previews-v1');
const VIDEOS: { name: string; gop: number }[] = [
  { name: 'ten-minutes-keyframe-2s.mp4', gop: 50 },
  { name: 'ten-minutes-keyframe-10s.mp4', gop: 250 },
];

function parseArgs(argv: string[]): { runs: number; videos: string[]; clean: boolean; keyframesOnly: boolean } {
  let runs = 3;
  const videos: string[] = [];
  let clean = false;
  let keyframesOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs needs a positive whole number\n${USAGE}`);
    } else if (arg === '--video') {
      const file = argv[++i];
      if (file === undefined) throw new Error(`--video needs a file\n${USAGE}`);
      videos.push(path.resolve(file));
    } else if (arg === '--clean') clean = true;
    else if (arg === '--keyframes-only') keyframesOnly = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return { runs, videos, clean, keyframesOnly };
}

/** The two generated videos, made once and kept in the temp directory. */
async function generatedVideos(): Promise<string[]> {
  await mkdir(KEPT, { recursive: true });
  const files: string[] = [];
  for (const { name, gop } of VIDEOS) {
    const file = path.join(KEPT, name);
    if (!existsSync(file)) {
      console.error(`generating ${file} (a few minutes, once)`);
      const tmp = `${file}.tmp.mp4`;
      const video = ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25:duration=600'];
      const audio = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=600'];
      // ultrafast keeps the generation to minutes; 4 Mbit/s is a film's rate at 720p.
      const codec = ['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '4M', '-g', String(gop), '-pix_fmt', 'yuv420p', '-c:a', 'aac'];
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...video, ...audio, ...codec, '-movflags', '+faststart', tmp]);
      await rename(tmp, file);
    }
    files.push(file);
  }
  return files;
}

/** Drops a file from the page cache (posix_fadvise DONTNEED through dd); false when dd cannot. */
function dropFromPageCache(file: string): boolean {
  return spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0;
}

/** Reads a file once so that it is in the page cache. */
function warm(file: string): void {
  spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] });
}

async function entryOf(file: string): Promise<CatalogEntry> {
  const resource = await openFile(file);
  if (resource === undefined) throw new Error(`cannot open ${file}`);
  try {
    const info = await probe(path.basename(file), resourceReader(resource));
    if (info.error !== undefined) throw new Error(`${file}: ${info.error}`);
    return { ...info, path: path.basename(file), kind: 'video', size: resource.size, mtimeMs: resource.mtimeMs, subtitles: [] };
  } finally {
    resource.release();
  }
}

/** One preview job as the app runs it, into an empty cache folder: seconds, frames and sheets. */
async function makePreviews(entry: CatalogEntry, input: () => Promise<FfmpegInput & { release?: () => void }>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seekable-bench-previews-cache-'));
  const ffmpeg = new Ffmpeg();
  await ffmpeg.available();
  const from = await input();
  try {
    const started = performance.now();
    const set = await new Previews(dir, { ffmpeg }).get(entry, from);
    const seconds = (performance.now() - started) / 1000;
    if (set === undefined) throw new Error(`no previews for ${entry.path}`);
    let bytes = 0;
    for (let n = 1; n <= set.index.sheets; n++) bytes += (await stat(path.join(set.dir, `${n}.jpg`))).size;
    return { seconds, frames: set.index.times.length, sheets: set.index.sheets, bytes };
  } finally {
    from.release?.();
    ffmpeg.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same filter graph with every frame decoded, for comparison: seconds. */
function everyFrame(file: string, entry: CatalogEntry, out: string): number {
  const layout = previewLayout(entry.duration);
  const filters = previewFilters(layout, 160);
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'mov', '-i', `file:${file}`, '-map', '0:v:0'];
  args.push('-vf', filters, '-fps_mode', 'vfr', '-frames:v', String(layout.maxSheets), '-q:v', '5', path.join(out, '%d.jpg'));
  const started = performance.now();
  const run = spawnSync('ffmpeg', args, { stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`ffmpeg failed on ${file}`);
  return (performance.now() - started) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const { runs, videos, clean, keyframesOnly } = parseArgs(process.argv.slice(2));
  if (clean) {
    await rm(KEPT, { recursive: true, force: true });
    console.error(`removed ${KEPT}`);
    return;
  }
  if (spawnSync('ffmpeg', ['-version']).status !== 0) throw new Error('ffmpeg is not installed (apt-get install ffmpeg)');
  const files = videos.length > 0 ? videos : await generatedVideos();
  const version = spawnSync('ffmpeg', ['-version']).stdout.toString().split('\n')[0];
  console.log(`${version}; ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}; median of ${runs} runs\n`);
  console.log(
    '| video | size | frames / sheets (KiB) | warm, from its path | cold, from its path | warm, from stdin | every frame decoded (warm, 1 run) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const file of files) {
    const entry = await entryOf(file);
    const warmRuns: number[] = [];
    const coldRuns: number[] = [];
    const stdinRuns: number[] = [];
    const fullRuns: number[] = [];
    let shape = '';
    let cold = true;
    for (let run = 0; run < runs; run++) {
      warm(file);
      const made = await makePreviews(entry, async () => ({ path: file }));
      warmRuns.push(made.seconds);
      shape = `${made.frames} / ${made.sheets} (${Math.round(made.bytes / 1024)})`;
      cold = cold && dropFromPageCache(file);
      if (cold) coldRuns.push((await makePreviews(entry, async () => ({ path: file }))).seconds);
      warm(file);
      stdinRuns.push(
        (
          await makePreviews(entry, async () => {
            const resource = (await openFile(file))!;
            return { resource, release: () => resource.release() };
          })
        ).seconds,
      );
      // Once: minutes, and only a point of comparison.
      if (run === 0 && !keyframesOnly) {
        const out = await mkdtemp(path.join(os.tmpdir(), 'seekable-bench-previews-full-'));
        try {
          fullRuns.push(everyFrame(file, entry, out));
        } finally {
          await rm(out, { recursive: true, force: true });
        }
      }
    }
    const s = (values: number[]) => (values.length === 0 ? 'n/a' : `${median(values).toFixed(2)} s`);
    const mb = `${((await stat(file)).size / 1e6).toFixed(0)} MB`;
    console.log(`| ${path.basename(file)} | ${mb} | ${shape} | ${s(warmRuns)} | ${s(coldRuns)} | ${s(stdinRuns)} | ${s(fullRuns)} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
