import { contentTypeFor } from '../http/content-type.js';
import type { ByteReader, MediaInfo } from './media-info.js';
import { extension, mediaKind } from './media-kind.js';
import { probeFlac, probeMp3, probeOgg, probeWav } from './probe-audio.js';
import { probeAvi } from './probe-avi.js';
import { probeMatroska } from './probe-matroska.js';

/**
 * The MP4 reader, loaded at the first MP4 probed: it brings mp4box (2 MB, ~17 ms to import), which a
 * program that only serves files with createHandler never needs.
 */
async function probeMp4(reader: ByteReader): Promise<MediaInfo> {
  return (await import('./probe-mp4.js')).probeMp4(reader);
}

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
/** The container families by media type, for files whose first bytes say nothing: the extension decides. */
const MP4_TYPES = new Set(['video/mp4', 'audio/mp4', 'video/quicktime', 'video/3gpp']);
const MATROSKA_TYPES = new Set(['video/webm', 'video/x-matroska', 'audio/x-matroska']);

/**
 * Reads what a media file holds from its headers only. The content decides the parser (an .mp4 that
 * is really WebM is read as WebM); the extension is the fallback. Never throws: an unreadable file
 * gives what is known and `error`.
 */
export async function probe(name: string, reader: ByteReader): Promise<MediaInfo> {
  const info = await probeContent(name, reader);
  // The overall bitrate, as ffprobe's format bit_rate: what a player must download per second. Not for
  // a cut file, whose bytes hold less than its duration.
  if (info.duration !== undefined && info.duration > 0 && info.truncated !== true && info.error === undefined) {
    info.bitrate = Math.round((reader.size * 8) / info.duration);
  }
  return info;
}

async function probeContent(name: string, reader: ByteReader): Promise<MediaInfo> {
  const ext = extension(name);
  if (reader.size === 0) return { container: ext, error: 'empty file' };
  try {
    const magic = await reader.read(0, 12);
    if (magic.subarray(0, 4).equals(EBML_MAGIC)) return await probeMatroska(reader);
    const box = magic.toString('latin1', 4, 8);
    if (box === 'ftyp' || box === 'moov' || box === 'free' || box === 'wide' || box === 'mdat') return await probeMp4(reader);
    const four = magic.toString('latin1', 0, 4);
    if (four === 'RIFF' && magic.toString('latin1', 8, 12) === 'WAVE') return await probeWav(reader);
    if (four === 'RIFF' && magic.toString('latin1', 8, 12) === 'AVI ') return await probeAvi(reader);
    if (four === 'fLaC') return await probeFlac(reader);
    if (four === 'OggS') return await probeOgg(reader);
    if (ext === 'flac') return await probeFlac(reader); // behind an ID3 tag
    if (ext === 'mp3' || four.startsWith('ID3')) return await probeMp3(reader);
    const type = contentTypeFor(name);
    if (MP4_TYPES.has(type)) return await probeMp4(reader);
    if (MATROSKA_TYPES.has(type)) return await probeMatroska(reader);
    // A video extension over content no parser recognises: listed, flagged, and never handed to ffmpeg.
    if (mediaKind(name) === 'video') return { container: ext, error: `not a recognised ${ext} file` };
    return { container: ext };
  } catch (err) {
    return { container: ext, error: `could not read the file (${err instanceof Error ? err.message : String(err)})` };
  }
}
