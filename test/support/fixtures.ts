import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** ffmpeg is needed to make media fixtures; tests that need them skip, saying why, without it. */
export const ffmpegMissing = spawnSync('ffmpeg', ['-version']).status === 0 ? false : 'ffmpeg is not installed (apt-get install ffmpeg)';

const src = (seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${seconds}`];
const tone = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`];
// Not 'ultrafast': it turns CABAC off, and x264 then writes Constrained Baseline whatever -profile says.
const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];
const h265 = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p'];

/** Each fixture: a file name and the ffmpeg arguments that make it (output path appended). */
const RECIPES: Record<string, string[]> = {
  'h264-aac-faststart.mp4': [...src(4), ...tone(4), ...h264, '-c:a', 'aac', '-movflags', '+faststart'],
  'h264-aac-moov-at-end.mp4': [...src(4), ...tone(4), ...h264, '-c:a', 'aac'],
  'vp9-opus.webm': [...src(3), ...tone(3), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus'],
  'h264-aac.mkv': [...src(2), ...tone(2), ...h264, '-c:a', 'aac'],
  'aac-only.m4a': [...tone(5), '-c:a', 'aac'],
  'vbr.mp3': [...tone(3), '-c:a', 'libmp3lame', '-q:a', '4'],
  'cbr-no-tag.mp3': [...tone(3), '-c:a', 'libmp3lame', '-b:a', '128k', '-write_xing', '0'],
  'tone.flac': [...tone(3), '-c:a', 'flac'],
  'tone.wav': [...tone(3), '-c:a', 'pcm_s16le'],
  'opus.ogg': [...tone(3), '-c:a', 'libopus'],
  'vorbis.ogg': [...tone(3), '-c:a', 'libvorbis'],
  'fragmented.mp4': [...src(2), ...h264, '-movflags', '+frag_keyframe+empty_moov'],
  // HEVC, which Debian's chromium cannot decode: the "cannot play in this browser" case.
  'hevc-aac.mp4': [...src(2), ...tone(2), ...h265, '-tag:v', 'hvc1', '-c:a', 'aac', '-movflags', '+faststart'],
  'hevc-aac.mkv': [...src(2), ...tone(2), ...h265, '-c:a', 'aac'],
};

/**
 * Writes a test-pattern H.264 video (no sound) of `seconds` at 320x240 to `file`, encoded with
 * `encoding` (rate control, preset, movflags): for tests that need one of a size or layout of their own.
 */
export function testPatternVideo(file: string, seconds: number, encoding: string[]): void {
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=320x240:rate=25:duration=${seconds}`,
    '-c:v',
    'libx264',
    ...encoding,
    file,
  ]);
}

/**
 * Makes the media fixtures once per recipe set, in a temp folder keyed by the recipes, and returns
 * its path. Small (a few hundred KiB), never committed. Also writes the broken cases: a truncated
 * file, a zero-byte file and random bytes named .mp4.
 */
export async function mediaFixtures(): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(RECIPES)).digest('hex').slice(0, 16);
  const dir = path.join(tmpdir(), `seekable-fixtures-${key}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  await mkdir(dir, { recursive: true });
  for (const [name, args] of Object.entries(RECIPES)) {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, path.join(dir, name)]);
  }
  // Cut inside mdat: the moov at the end is lost, as when a download or a recording stops early.
  const whole = await readFile(path.join(dir, 'h264-aac-moov-at-end.mp4'));
  await writeFile(path.join(dir, 'truncated.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
  await writeFile(path.join(dir, 'empty.mp4'), '');
  let seed = 12345;
  const random = Buffer.alloc(64 * 1024, 0).map(() => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 16;
  });
  await writeFile(path.join(dir, 'random.mp4'), random);
  await writeFile(path.join(dir, '.complete.tmp'), '');
  await rename(path.join(dir, '.complete.tmp'), path.join(dir, '.complete'));
  return dir;
}
