/**
 * `seekable faststart` against `ffmpeg -c copy -movflags +faststart` and `qt-faststart` on a generated
 * 1 GiB MP4 whose moov follows its mdat: wall time and peak RSS of each, in interleaved rounds, each
 * output checked once: every packet's bytes (ffmpeg -c copy -f framemd5) the input's. The load
 * average is printed with the figures: on a shared machine they are only as steady as it is.
 * Not part of npm test. Needs ffmpeg and qt-faststart (Debian's ffmpeg package ships both), GNU time at
 * /usr/bin/time, the build in dist/ (npm run build) and about 3 GiB free in the temp directory.
 *
 *   npx tsx bench/faststart.ts [--rounds 3] [--size-mib 1024]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/procs.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'size-mib': { type: 'string', default: '1024' } } });
const rounds = Number(values.rounds);
const targetSize = Number(values['size-mib']) * 1024 * 1024;
const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('no dist/cli.js: run npm run build first');

const dir = mkdtempSync(path.join(tmpdir(), 'seekable-bench-faststart-'));
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });

/** A 1 GiB non-faststart MP4: a 20 s lossless H.264 + AAC clip, looped with -c copy until it is large enough. */
function makeInput(): string {
  const clip = path.join(dir, 'clip.mp4');
  ffmpeg(
    ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=20', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=20'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip],
  );
  const loops = Math.ceil(targetSize / statSync(clip).size) - 1;
  const input = path.join(dir, 'input.mp4');
  ffmpeg('-stream_loop', String(loops), '-i', clip, '-map', '0', '-c', 'copy', input);
  rmSync(clip);
  return input;
}

interface Tool {
  name: string;
  args: (input: string, output: string) => string[];
}

const TOOLS: Tool[] = [
  { name: 'seekable faststart', args: (i, o) => [process.execPath, cli, 'faststart', i, o] },
  {
    name: 'ffmpeg -c copy +faststart',
    args: (i, o) => ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', '-i', i, '-map', '0', '-c', 'copy', '-movflags', '+faststart', o],
  },
  { name: 'qt-faststart', args: (i, o) => ['qt-faststart', i, o] },
];

/** Runs a command under GNU time: wall seconds and peak RSS in KiB. */
function measure(command: string[]): { seconds: number; rssKiB: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed: ${r.stderr}`);
  const [seconds, rss] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: seconds!, rssKiB: rss! };
}

/** A digest of `ffmpeg -c copy -f framemd5`: one line per packet with its size and MD5, hashed. */
function packets(file: string): string {
  const lines = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return createHash('sha256').update(lines).digest('hex');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const input = makeInput();
  const size = statSync(input).size;
  console.log(`input: ${(size / 2 ** 20).toFixed(0)} MiB, moov at the end; ${rounds} interleaved rounds; each tool's output deleted after its run`);
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const results = new Map<string, { seconds: number[]; rss: number[] }>(TOOLS.map((t) => [t.name, { seconds: [], rss: [] }]));
  const digests = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    // A new order each round, so no tool always runs right after the one that warmed the page cache.
    const order = TOOLS.map((_, i) => TOOLS[(i + round) % TOOLS.length]!);
    for (const tool of order) {
      const output = path.join(dir, 'out.mp4');
      const { seconds, rssKiB } = measure(tool.args(input, output));
      results.get(tool.name)!.seconds.push(seconds);
      results.get(tool.name)!.rss.push(rssKiB);
      if (round === 0) digests.set(tool.name, packets(output));
      rmSync(output);
    }
  }
  const reference = packets(input);
  console.log('| tool | wall time (median) | runs | peak RSS (median) | output |');
  console.log('|---|---|---|---|---|');
  for (const tool of TOOLS) {
    const r = results.get(tool.name)!;
    const same = digests.get(tool.name) === reference ? "every packet the input's" : 'PACKETS DIFFER';
    const runs = r.seconds.map((s) => s.toFixed(2)).join(' / ');
    console.log(`| ${tool.name} | ${median(r.seconds).toFixed(2)} s | ${runs} | ${(median(r.rss) / 1024).toFixed(1)} MiB | ${same} |`);
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
