import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** How long the long video lasts, in seconds. */
export const LONG_VIDEO_SECONDS = 120;

// 1280x720 at 10 frames a second, a keyframe every 2 s, about 190 kbit/s in all: 2.8 MB, made in
// about 20 s on the loaded 2-core test machine. 'ultrafast' (Constrained Baseline) is fine here: what
// counts is the size of the frame and the distance of the seek, not the profile.
const RECIPE = [
  ...['-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=10:duration=${LONG_VIDEO_SECONDS}`],
  ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${LONG_VIDEO_SECONDS}`],
  ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '150k', '-maxrate', '300k', '-bufsize', '300k', '-g', '20', '-pix_fmt', 'yuv420p'],
  ...['-c:a', 'aac', '-b:a', '32k', '-movflags', '+faststart'],
];

/**
 * Makes (once per recipe, in the temp directory; never committed) a 120 s 720p H.264/AAC MP4, and
 * returns its path: long enough that a seek to 100 s lands megabytes away from anything read ahead.
 */
export async function longVideo(): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(RECIPE)).digest('hex').slice(0, 16);
  const file = path.join(tmpdir(), `seekable-long-720p-${key}.mp4`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.tmp.mp4`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...RECIPE, partial]);
  await rename(partial, file);
  return file;
}
