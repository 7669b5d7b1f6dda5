import type { ByteReader, MediaInfo, TrackInfo } from './media-info.js';

/**
 * AVI (RIFF 'AVI ', the OpenDML/Microsoft AVI RIFF reference): length, picture size and codecs from
 * the 'hdrl' list at its head. No browser plays AVI; the probe says what it holds so the verdict can
 * say what to convert.
 */

/** hdrl (avih and one strl per stream) sits in the first few KiB. */
const HEAD = 64 * 1024;

/** FourCCs of MPEG-4 Part 2 encoders (DivX, Xvid, ffmpeg's own) and of H.264, to their codec strings. */
const VIDEO_FOURCC: Record<string, string> = {
  FMP4: 'mp4v',
  XVID: 'mp4v',
  DIVX: 'mp4v',
  DX50: 'mp4v',
  MP4V: 'mp4v',
  H264: 'avc1',
  X264: 'avc1',
  AVC1: 'avc1',
};

/** WAVEFORMATEX format tags (RFC 2361) to codec strings. */
const AUDIO_FORMAT = new Map<number, string>([
  [0x0001, 'pcm'],
  [0x0055, 'mp3'],
  [0x00ff, 'mp4a.40.2'],
  [0x2000, 'ac-3'],
]);

interface Chunk {
  id: string;
  /** For LIST chunks, the list type ('hdrl', 'strl'); else ''. */
  list: string;
  data: number;
  size: number;
}

/** The chunks directly inside [start, end) of `buf`, stopping where the buffer ends. */
function* chunks(buf: Buffer, start: number, end: number): Generator<Chunk> {
  for (let pos = start; pos + 8 <= Math.min(end, buf.length); ) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const isList = id === 'LIST' && pos + 12 <= buf.length;
    yield { id, list: isList ? buf.toString('latin1', pos + 8, pos + 12) : '', data: pos + (isList ? 12 : 8), size: isList ? size - 4 : size };
    pos += 8 + size + (size % 2); // chunks are padded to an even length
  }
}

/** Reads an AVI's main header and stream headers. */
export async function probeAvi(reader: ByteReader): Promise<MediaInfo> {
  const head = await reader.read(0, HEAD);
  const info: MediaInfo = { container: 'avi' };
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'AVI ') return { ...info, error: 'not an AVI file' };
  const hdrl = [...chunks(head, 12, head.length)].find((c) => c.list === 'hdrl');
  if (hdrl === undefined) return { ...info, error: 'no hdrl list in the AVI header' };
  const audioTracks: TrackInfo[] = [];
  for (const chunk of chunks(head, hdrl.data, hdrl.data + hdrl.size)) {
    if (chunk.id === 'avih' && chunk.data + 40 <= head.length) {
      const microseconds = head.readUInt32LE(chunk.data);
      const frames = head.readUInt32LE(chunk.data + 16);
      if (microseconds > 0 && frames > 0) info.duration = (microseconds * frames) / 1e6;
      info.width = head.readUInt32LE(chunk.data + 32);
      info.height = head.readUInt32LE(chunk.data + 36);
    } else if (chunk.list === 'strl') {
      let type = '';
      for (const part of chunks(head, chunk.data, chunk.data + chunk.size)) {
        if (part.id === 'strh' && part.data + 8 <= head.length) type = head.toString('latin1', part.data, part.data + 4);
        if (part.id !== 'strf') continue;
        if (type === 'vids' && part.data + 20 <= head.length && info.videoCodec === undefined) {
          const fourcc = head.toString('latin1', part.data + 16, part.data + 20);
          // biCompression: a FourCC, or 0 for uncompressed RGB.
          info.videoCodec =
            VIDEO_FOURCC[fourcc.toUpperCase()] ?? (head.readUInt32LE(part.data + 16) === 0 ? 'rgb' : fourcc.replace(/\0/g, '').trim());
        } else if (type === 'auds' && part.data + 4 <= head.length) {
          const tag = head.readUInt16LE(part.data);
          const codec = AUDIO_FORMAT.get(tag) ?? `wav format ${tag}`;
          const channels = head.readUInt16LE(part.data + 2);
          audioTracks.push({ codec, ...(channels > 0 ? { channels } : {}) });
        }
      }
    }
  }
  if (audioTracks.length > 0) {
    info.audioCodec = audioTracks[0]!.codec;
    info.audioTracks = audioTracks;
  }
  return info;
}
