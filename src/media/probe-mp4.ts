import { createFile, Log, MP4BoxBuffer, type Movie } from 'mp4box';
import type { ByteReader, MediaInfo } from './media-info.js';

// mp4box writes what it cannot parse (an unknown '©swr' box in a camera's MOV, say) to the console at
// its lowest level, which cannot be raised. A server's output is not the place for it; whatever makes a
// file unreadable reaches the user as the probe's `error`.
Log.error = () => {};
Log.warn = () => {};

interface TopBox {
  type: string;
  start: number;
  size: number;
}

/** The moov of a multi-hour file is a few MiB; anything past this is not a moov we should load. */
const MAX_MOOV = 64 * 1024 * 1024;
/** An ftyp is a brand list: a few dozen bytes. One claiming more is not read. */
const MAX_FTYP = 4096;
/** Boxes whose children are boxes, down to the sample tables. */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'mvex', 'dinf']);
/**
 * Sample size tables: mp4box turns each entry into an object, so a 10-minute PCM track (28 million
 * samples) or a 30 KB file claiming 4 billion exhausts the heap. Nothing we report needs them.
 */
const SAMPLE_TABLES = new Set(['stsz', 'stz2']);

/**
 * Renames the sample size tables in a moov to 'free' (same size, so every offset stays), which mp4box
 * skips: duration, dimensions and codecs come from mvhd, tkhd, mdhd and stsd.
 */
function neuterSampleTables(moov: Buffer, start = 8, end = moov.length): void {
  for (let pos = start; pos + 8 <= end; ) {
    const size = moov.readUInt32BE(pos);
    const type = moov.toString('latin1', pos + 4, pos + 8);
    if (size < 8 || pos + size > end) return; // malformed: mp4box will say so
    if (SAMPLE_TABLES.has(type)) moov.write('free', pos + 4, 'latin1');
    else if (CONTAINERS.has(type)) neuterSampleTables(moov, pos + 8, pos + size);
    pos += size;
  }
}
const PRINTABLE_TYPE = /^[\x20-\x7e]{4}$/;

/**
 * Walks the top-level boxes by their 8- or 16-byte headers only, one small read each: enough to find
 * the moov and to tell whether it precedes the mdat, without reading any media data.
 */
async function topLevelBoxes(reader: ByteReader): Promise<{ boxes: TopBox[]; problem?: string }> {
  const boxes: TopBox[] = [];
  let offset = 0;
  while (offset + 8 <= reader.size && boxes.length < 1000) {
    const head = await reader.read(offset, 16);
    let size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (!PRINTABLE_TYPE.test(type)) return { boxes, problem: `not an MP4 file (no box header at byte ${offset})` };
    if (size === 1) {
      if (head.length < 16) return { boxes, problem: 'truncated box header' };
      size = Number(head.readBigUInt64BE(8));
    } else if (size === 0) {
      size = reader.size - offset; // "to the end of the file"
    }
    if (size < 8) return { boxes, problem: `invalid size of box '${type}' at byte ${offset}` };
    boxes.push({ type, start: offset, size });
    if (offset + size > reader.size) return { boxes, problem: `the '${type}' box runs past the end of the file (truncated)` };
    offset += size;
  }
  return { boxes };
}

function codecOf(tracks: Movie['tracks']): string | undefined {
  return tracks[0]?.codec;
}

/** The parts of a parsed trak this file reads: mp4box's boxes, which its types do not reach. */
interface TrakBoxes {
  mdia?: {
    mdhd?: { timescale: number };
    minf?: { stbl?: { stco?: { chunk_offsets: number[] }; co64?: { chunk_offsets: number[] }; stsc?: Stsc; stts?: Stts } };
  };
}
interface Stsc {
  first_chunk: number[];
  samples_per_chunk: number[];
}
interface Stts {
  sample_counts: number[];
  sample_deltas: number[];
}

/** Samples in the first `chunks` chunks of a track (stsc runs, ISO 14496-12 §8.7.4; chunks count from 1). */
function samplesInChunks(stsc: Stsc, chunks: number): number {
  let samples = 0;
  for (let i = 0; i < stsc.first_chunk.length; i++) {
    const first = stsc.first_chunk[i]!;
    const next = Math.min(stsc.first_chunk[i + 1] ?? Infinity, chunks + 1);
    if (next <= first) break;
    samples += (next - first) * stsc.samples_per_chunk[i]!;
  }
  return samples;
}

/** The time, in the track's timescale, at which sample number `samples` (from 0) starts (stts, §8.6.1.2). */
function timeOfSample(stts: Stts, samples: number): number {
  let time = 0;
  let left = samples;
  for (let i = 0; i < stts.sample_counts.length && left > 0; i++) {
    const n = Math.min(left, stts.sample_counts[i]!);
    time += n * stts.sample_deltas[i]!;
    left -= n;
  }
  return time;
}

/**
 * How many seconds of a file cut inside its mdat can play: per track, the time of the first sample of
 * the chunk the cut falls in (chunk offsets need no sample sizes, which we never load), the least of
 * all tracks. Chromium plays such a file up to about there, then stops with a decode error (measured).
 */
function playableSeconds(traks: TrakBoxes[], size: number): number | undefined {
  let least: number | undefined;
  for (const trak of traks) {
    const stbl = trak.mdia?.minf?.stbl;
    const offsets = stbl?.stco?.chunk_offsets ?? stbl?.co64?.chunk_offsets;
    const timescale = trak.mdia?.mdhd?.timescale;
    if (offsets === undefined || stbl?.stsc === undefined || stbl.stts === undefined || !timescale) continue;
    // Chunks that begin before the cut; the last of them may itself be cut, so count up to its start.
    const started = offsets.filter((offset) => offset < size).length;
    const whole = Math.max(0, started - 1);
    const seconds = timeOfSample(stbl.stts, samplesInChunks(stbl.stsc, whole)) / timescale;
    least = least === undefined ? seconds : Math.min(least, seconds);
  }
  return least;
}

/** Reads duration, dimensions, codecs and faststart from an MP4/MOV, touching only ftyp and moov. */
export async function probeMp4(reader: ByteReader): Promise<MediaInfo> {
  const { boxes, problem } = await topLevelBoxes(reader);
  const ftyp = boxes.find((b) => b.type === 'ftyp');
  const moov = boxes.find((b) => b.type === 'moov');
  const mdat = boxes.find((b) => b.type === 'mdat');
  const info: MediaInfo = { container: 'mp4' };
  if (boxes.length === 0 || (ftyp === undefined && moov === undefined)) {
    return { ...info, error: problem ?? 'not an MP4 file (no ftyp or moov box)' };
  }
  if (moov !== undefined && mdat !== undefined) info.faststart = moov.start < mdat.start;
  if (moov === undefined) return { ...info, error: problem ?? 'no moov box: the file is truncated or still being written' };
  if (moov.start + moov.size > reader.size) return { ...info, error: 'the moov box is truncated' };
  if (moov.size > MAX_MOOV) return { ...info, error: `the moov box is ${moov.size} bytes, more than we read` };
  if (ftyp !== undefined && ftyp.size > MAX_FTYP) return { ...info, error: `invalid ftyp box (${ftyp.size} bytes)` };

  // A file cut inside the mdat that follows a whole moov (a faststart file whose download stopped) is
  // readable and plays up to the cut: truncated, not unreadable.
  const last = boxes[boxes.length - 1]!;
  const cutMdat = last.type === 'mdat' && last.start > moov.start && last.start + last.size > reader.size;
  const file = createFile();
  let movie: Movie | undefined;
  let failure: string | undefined;
  file.onReady = (m) => (movie = m);
  file.onError = (module, message) => (failure = `${module}: ${message}`);
  // Old QuickTime files have no ftyp, and mp4box's summary reads its brands: give it QuickTime's.
  if (ftyp === undefined) Object.assign(file, { ftyp: { major_brand: 'qt  ', compatible_brands: [] } });
  try {
    // mp4box reads a contiguous stream: every box up to the moov is given, small ones (ftyp, free,
    // wide) whole; of an mdat, the header is enough for it to skip to the next box.
    for (const box of boxes.slice(0, boxes.indexOf(moov) + 1)) {
      const whole = box === moov || (box.type !== 'mdat' && box.size <= MAX_FTYP);
      const bytes = await reader.read(box.start, whole ? box.size : Math.min(box.size, 16));
      if (box === moov) neuterSampleTables(bytes);
      const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, box.start));
    }
    file.flush();
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (movie === undefined) return { ...info, error: `could not parse the moov box${failure ? ` (${failure})` : ''}` };

  if (movie.brands.includes('qt  ')) info.container = 'mov';
  // A fragmented file without mehd has no duration in its moov (it is in the fragments): say nothing
  // rather than 0.
  const fragments = movie.fragment_duration;
  const duration =
    movie.duration > 0 && movie.timescale > 0
      ? movie.duration / movie.timescale
      : fragments && fragments.num > 0 && fragments.den > 0
        ? fragments.num / fragments.den
        : undefined;
  if (duration !== undefined && Number.isFinite(duration)) info.duration = duration;
  const video = movie.videoTracks[0];
  if (video !== undefined) {
    info.width = video.video?.width ?? video.track_width;
    info.height = video.video?.height ?? video.track_height;
  }
  const videoCodec = codecOf(movie.videoTracks);
  const audioCodec = codecOf(movie.audioTracks);
  if (videoCodec !== undefined) info.videoCodec = videoCodec;
  if (audioCodec !== undefined) info.audioCodec = audioCodec;
  const tracks = movie.audioTracks.map((t) => ({
    codec: t.codec,
    ...(t.language && t.language !== 'und' ? { language: t.language } : {}),
    ...(t.audio?.channel_count ? { channels: t.audio.channel_count } : {}),
    // ffmpeg and Apple name the handler, not the track ("SoundHandler", "Core Media Audio"): not a title.
    ...(t.name && !/Handler$|^Core Media/.test(t.name) ? { name: t.name } : {}),
  }));
  if (tracks.length > 0) info.audioTracks = tracks;
  const subtitles = movie.subtitleTracks.map((t) => ({ codec: t.codec, ...(t.language && t.language !== 'und' ? { language: t.language } : {}) }));
  if (subtitles.length > 0) info.subtitleTracks = subtitles;
  if (cutMdat) {
    info.truncated = true;
    const traks = (file as unknown as { moov?: { traks?: TrakBoxes[] } }).moov?.traks ?? [];
    const seconds = playableSeconds(traks, reader.size);
    if (seconds !== undefined) info.playableDuration = seconds;
  } else if (problem !== undefined) {
    info.error = problem;
  }
  return info;
}
