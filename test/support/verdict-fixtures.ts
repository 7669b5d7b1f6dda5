import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const src = (seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${seconds}`];
const tone = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`];
const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];

/**
 * The files a new user tried that the library once described wrongly, each made by ffmpeg: what they
 * are made from, and (for the cut ones) the fraction of the whole that is kept.
 */
const RECIPES: Record<string, { args: string[]; keep?: number }> = {
  // Chromium plays it; it was badged "may not play" and typed video/webm.
  'H.264 in Matroska.mkv': { args: [...src(4), ...tone(4), ...h264, '-c:a', 'aac'] },
  // moov first, mdat cut in half: it plays its first seconds, and was "Unreadable".
  'Cut download.mp4': { args: [...src(4), ...tone(4), ...h264, '-c:a', 'aac', '-movflags', '+faststart'], keep: 0.5 },
  // 5 % of a WebM: it had no badge and claimed its full length.
  'Cut recording.webm': {
    args: [...src(4), ...tone(4), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus'],
    keep: 0.05,
  },
  // Theora shows no picture in Chromium; it had no warning.
  'Old clip (Theora).ogv': { args: [...src(4), ...tone(4), '-c:v', 'libtheora', '-q:v', '5', '-c:a', 'libvorbis'] },
  // AVI was left out of the library.
  'Camcorder.avi': { args: [...src(4), ...tone(4), '-c:v', 'mpeg4', '-c:a', 'libmp3lame'] },
  // AC-3 audio: the picture plays in silence outside Safari.
  'Broadcast (AC-3).mp4': { args: [...src(4), ...tone(4), ...h264, '-c:a', 'ac3', '-movflags', '+faststart'] },
  // The plain case: plays everywhere, nothing to say.
  'Fine.mp4': { args: [...src(4), ...tone(4), ...h264, '-c:a', 'aac', '-movflags', '+faststart'] },
};

/** The fixture names, in the order the library sorts them. */
export const VERDICT_FIXTURES = Object.keys(RECIPES).sort((a, b) => a.localeCompare(b));

/** Makes the fixtures once per recipe set in a temp folder keyed by the recipes; returns its path. */
export async function verdictFixtures(): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(RECIPES)).digest('hex').slice(0, 16);
  const dir = path.join(tmpdir(), `seekable-verdicts-${key}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  await mkdir(dir, { recursive: true });
  for (const [name, { args, keep }] of Object.entries(RECIPES)) {
    const file = path.join(dir, name);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, file]);
    if (keep !== undefined) await truncate(file, Math.floor((await stat(file)).size * keep));
  }
  await writeFile(path.join(dir, '.complete.tmp'), '');
  await rename(path.join(dir, '.complete.tmp'), path.join(dir, '.complete'));
  return dir;
}
