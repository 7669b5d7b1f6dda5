import { createFile, MP4BoxBuffer, type Movie } from 'mp4box';
import type { ByteReader, MediaInfo } from './media-info.js';

interface TopBox {
  type: string;
  start: number;
  size: number;
}

/** The moov of a multi-hour file is a few MiB; anything past this is not a moov we should load. */
const MAX_MOOV = 64 * 1024 * 1024;
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

  const file = createFile();
  let movie: Movie | undefined;
  let failure: string | undefined;
  file.onReady = (m) => (movie = m);
  file.onError = (module, message) => (failure = `${module}: ${message}`);
  try {
    // mp4box reads a contiguous stream: every box up to the moov is given, but only ftyp and moov
    // whole; for the others (mdat above all) the header is enough for it to skip to the next box.
    for (const box of boxes.slice(0, boxes.indexOf(moov) + 1)) {
      const whole = box === moov || box.type === 'ftyp';
      const bytes = await reader.read(box.start, whole ? box.size : Math.min(box.size, 16));
      const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, box.start));
    }
    file.flush();
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (movie === undefined) return { ...info, error: `could not parse the moov box${failure ? ` (${failure})` : ''}` };

  if (movie.brands.includes('qt  ')) info.container = 'mov';
  const duration =
    movie.duration > 0 && movie.timescale > 0
      ? movie.duration / movie.timescale
      : movie.fragment_duration && movie.timescale > 0
        ? movie.fragment_duration.num / movie.fragment_duration.den
        : undefined;
  if (duration !== undefined) info.duration = duration;
  const video = movie.videoTracks[0];
  if (video !== undefined) {
    info.width = video.video?.width ?? video.track_width;
    info.height = video.video?.height ?? video.track_height;
  }
  const videoCodec = codecOf(movie.videoTracks);
  const audioCodec = codecOf(movie.audioTracks);
  if (videoCodec !== undefined) info.videoCodec = videoCodec;
  if (audioCodec !== undefined) info.audioCodec = audioCodec;
  if (problem !== undefined) info.error = problem;
  return info;
}
