import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const src = (seconds: number, size = '320x240') => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${seconds}`];
const tone = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`];
const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];

/**
 * Files whose moov follows their mdat (ffmpeg's default for MP4 without -movflags +faststart), and
 * the cases that must be left alone. `{dir}` in an argument is the fixtures' folder.
 */
const RECIPES: Record<string, string[]> = {
  'plain.mp4': [...src(4), ...tone(4), ...h264, '-c:a', 'aac'],
  // Two video tracks, audio starting 1 s late (an edit list with an empty edit, ISO/IEC 14496-12
  // §8.6.6) and timed text: every track's chunk offsets must move.
  'tracks.mp4': [
    ...src(4),
    ...src(4, '160x120'),
    '-itsoffset',
    '1',
    ...tone(3),
    '-i',
    '{dir}/subtitles.srt',
    '-map',
    '0:v',
    '-map',
    '1:v',
    '-map',
    '2:a',
    '-map',
    '3:s',
    ...h264,
    '-c:a',
    'aac',
    '-c:s',
    'mov_text',
  ],
  // QuickTime's layout: ftyp 'qt  ', a 'wide' box kept for growing mdat to 64 bits, mdat, moov.
  'quicktime.mov': [...src(3), ...tone(3), ...h264, '-c:a', 'aac', '-f', 'mov'],
  'faststart.mp4': [...src(2), ...tone(2), ...h264, '-c:a', 'aac', '-movflags', '+faststart'],
  'fragmented.mp4': [...src(2), ...h264, '-movflags', '+frag_keyframe+empty_moov'],
  // Long and dense enough that a browser cannot take the whole file in its first response.
  'long.mp4': [...src(30, '1280x720'), ...tone(30), ...h264, '-b:v', '3M', '-c:a', 'aac'],
};

const SUBTITLES = '1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:02,500 --> 00:00:03,500\nWorld\n';

/**
 * The faststart fixtures, made once per recipe set in a temp folder (never committed): the recipes
 * above, `truncated.mp4` (plain.mp4 cut inside its mdat, so its moov is lost) and `co64.mp4`.
 */
export async function faststartFixtures(): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify([RECIPES, SUBTITLES, 2]))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(tmpdir(), `seekable-faststart-${key}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'subtitles.srt'), SUBTITLES);
  for (const [name, args] of Object.entries(RECIPES)) {
    const filled = args.map((a) => a.replace('{dir}', dir));
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...filled, path.join(dir, name)]);
  }
  const plain = await readFile(path.join(dir, 'plain.mp4'));
  await writeFile(path.join(dir, 'truncated.mp4'), plain.subarray(0, Math.floor(plain.length / 2)));
  await writeNeedsCo64(plain, path.join(dir, 'co64.mp4'));
  await writeFile(path.join(dir, '.complete.tmp'), '');
  await rename(path.join(dir, '.complete.tmp'), path.join(dir, '.complete'));
  return dir;
}

interface Box {
  type: string;
  start: number;
  size: number;
}

/** The boxes of `bytes` from `start` to `end` (compact headers only: what ffmpeg writes for small files). */
function boxes(bytes: Buffer, start: number, end: number): Box[] {
  const found: Box[] = [];
  for (let at = start; at < end; ) {
    const size = bytes.readUInt32BE(at);
    found.push({ type: bytes.toString('latin1', at + 4, at + 8), start: at, size });
    at += size;
  }
  return found;
}

/** Calls `visit` with every stco box in a moov (moov/trak/mdia/minf/stbl/stco). */
function eachStco(bytes: Buffer, box: Box, visit: (stco: Box) => void): void {
  for (const child of boxes(bytes, box.start + 8, box.start + box.size)) {
    if (child.type === 'stco') visit(child);
    else if (['trak', 'mdia', 'minf', 'stbl'].includes(child.type)) eachStco(bytes, child, visit);
  }
}

/**
 * A file over 4 GiB that needs co64 once made faststart, without writing 4 GiB: plain.mp4 with a
 * 'free' box of about 4 GiB (a 64-bit largesize header, then a hole that ftruncate leaves sparse)
 * before its mdat, sized so that its last chunk offset still fits 32 bits but no longer does once
 * the moov moves in front of it. Its stco tables are shifted here, by code independent of the tool's.
 */
async function writeNeedsCo64(plain: Buffer, file: string): Promise<void> {
  const top = boxes(plain, 0, plain.length);
  const mdat = top.find((b) => b.type === 'mdat')!;
  const moov = Buffer.from(plain.subarray(top.find((b) => b.type === 'moov')!.start));
  const tables: Box[] = [];
  eachStco(moov, { type: 'moov', start: 0, size: moov.length }, (stco) => tables.push(stco));
  let max = 0;
  for (const t of tables) for (let i = 0; i < moov.readUInt32BE(t.start + 12); i++) max = Math.max(max, moov.readUInt32BE(t.start + 16 + 4 * i));
  const filler = 2 ** 32 - max - Math.ceil(moov.length / 2);
  for (const t of tables) {
    for (let i = 0; i < moov.readUInt32BE(t.start + 12); i++) {
      const at = t.start + 16 + 4 * i;
      moov.writeUInt32BE(moov.readUInt32BE(at) + filler, at);
    }
  }
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1, 0);
  header.write('free', 4, 'latin1');
  header.writeBigUInt64BE(BigInt(filler), 8);
  const handle = await open(file, 'w');
  try {
    await handle.write(plain.subarray(0, mdat.start), 0, mdat.start, 0);
    await handle.write(header, 0, 16, mdat.start);
    const rest = Buffer.concat([plain.subarray(mdat.start, mdat.start + mdat.size), moov]);
    await handle.write(rest, 0, rest.length, mdat.start + filler);
  } finally {
    await handle.close();
  }
}

/** `ffmpeg -c copy -f framemd5` of a file: one line per packet with its size and MD5. */
export function framemd5(file: string): string {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
}

/** What ffprobe says of a file's streams and duration (the file name left out). */
export function probeSummary(file: string): unknown {
  const json = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration,nb_streams:stream=index,codec_name,codec_type,duration,nb_frames,start_time,width,height,sample_rate',
    '-of',
    'json',
    file,
  ]).toString();
  return JSON.parse(json);
}

/** The top-level box types of a file, in order (headers only). */
export async function topLevelTypes(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const types: string[] = [];
    const head = Buffer.alloc(16);
    for (let at = 0; at < size; ) {
      await handle.read(head, 0, 16, at);
      const size32 = head.readUInt32BE(0);
      types.push(head.toString('latin1', 4, 8));
      at += size32 === 1 ? Number(head.readBigUInt64BE(8)) : size32 === 0 ? size - at : size32;
    }
    return types;
  } finally {
    await handle.close();
  }
}
