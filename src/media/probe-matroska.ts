import { aacCodec, av1Codec, avcCodec, hevcCodec, vp9Codec } from './codec-strings.js';
import { children, readBytes, readElement, readFloat, readString, readUint, type EbmlElement } from './ebml.js';
import type { ByteReader, MediaInfo } from './media-info.js';

const ID = {
  EBML: 0x1a45dfa3,
  DocType: 0x4282,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekID: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Cluster: 0x1f43b675,
} as const;

/** Headers (EBML header, SeekHead, Info, Tracks) almost always sit in the first few KiB. */
const HEAD = 64 * 1024;
/** Info or Tracks larger than this are not headers we should load. */
const MAX_ELEMENT = 4 * 1024 * 1024;

function videoCodec(id: string, cp: Buffer | undefined): string {
  if (id === 'V_VP8') return 'vp8';
  if (id === 'V_VP9') return vp9Codec(cp);
  if (id === 'V_AV1') return (cp && av1Codec(cp)) ?? 'av01';
  if (id === 'V_MPEG4/ISO/AVC') return (cp && avcCodec(cp)) ?? 'avc1';
  if (id === 'V_MPEGH/ISO/HEVC') return (cp && hevcCodec(cp)) ?? 'hvc1';
  if (id === 'V_THEORA') return 'theora';
  return id; // not a codec browsers know by name: the raw CodecID tells the user what it is
}

function audioCodec(id: string, cp: Buffer | undefined): string {
  if (id === 'A_OPUS') return 'opus';
  if (id === 'A_VORBIS') return 'vorbis';
  if (id === 'A_FLAC') return 'flac';
  if (id === 'A_MPEG/L3') return 'mp3';
  if (id === 'A_AC3') return 'ac-3';
  if (id === 'A_EAC3') return 'ec-3';
  if (id.startsWith('A_AAC')) return aacCodec(cp, id.endsWith('/SBR') ? 5 : id.endsWith('/MAIN') ? 1 : 2);
  return id;
}

/** Loads one element's data wherever it is in the file (for Info or Tracks found through SeekHead). */
async function loadElement(reader: ByteReader, position: number): Promise<{ buf: Buffer; el: EbmlElement } | undefined> {
  const head = await reader.read(position, 12);
  const el = readElement(head, 0);
  if (el?.size === undefined || el.size > MAX_ELEMENT) return undefined;
  const buf = await reader.read(position, el.dataStart + el.size);
  return buf.length === el.dataStart + el.size ? { buf, el } : undefined;
}

/** Reads duration, dimensions and codecs of a Matroska or WebM file from its header elements only. */
export async function probeMatroska(reader: ByteReader): Promise<MediaInfo> {
  const head = await reader.read(0, HEAD);
  const ebml = readElement(head, 0);
  if (ebml?.id !== ID.EBML || ebml.size === undefined) return { container: 'matroska', error: 'not a Matroska/WebM file (no EBML header)' };
  let docType = 'matroska';
  for (const el of children(head, ebml.dataStart, ebml.dataStart + ebml.size)) {
    if (el.id === ID.DocType) docType = readString(head, el);
  }
  const info: MediaInfo = { container: docType === 'webm' ? 'webm' : 'matroska' };
  const segment = readElement(head, ebml.dataStart + ebml.size);
  if (segment?.id !== ID.Segment) return { ...info, error: 'no Segment after the EBML header (truncated?)' };

  // Top-level elements of the Segment in the first read, and where SeekHead says the others are.
  const found = new Map<number, { buf: Buffer; el: EbmlElement }>();
  const seek = new Map<number, number>();
  for (const el of children(head, segment.dataStart, segment.size === undefined ? Infinity : segment.dataStart + segment.size)) {
    if (el.id === ID.Cluster) break; // media data: the headers are behind us
    if (el.size === undefined || el.dataStart + el.size > head.length) {
      if (el.id === ID.Info || el.id === ID.Tracks) seek.set(el.id, el.start - segment.dataStart); // loaded whole below
      break;
    }
    if (el.id === ID.Info || el.id === ID.Tracks) found.set(el.id, { buf: head, el });
    if (el.id === ID.SeekHead) {
      for (const entry of children(head, el.dataStart, el.dataStart + el.size)) {
        if (entry.id !== ID.Seek || entry.size === undefined) continue;
        let target: number | undefined;
        let position: number | undefined;
        for (const field of children(head, entry.dataStart, entry.dataStart + entry.size)) {
          if (field.id === ID.SeekID) target = readUint(head, field);
          if (field.id === ID.SeekPosition) position = readUint(head, field);
        }
        if (target !== undefined && position !== undefined && !seek.has(target)) seek.set(target, position);
      }
    }
  }
  for (const id of [ID.Info, ID.Tracks]) {
    const position = seek.get(id);
    if (found.has(id) || position === undefined) continue;
    const loaded = await loadElement(reader, segment.dataStart + position);
    if (loaded?.el.id === id) found.set(id, loaded);
  }

  const infoEl = found.get(ID.Info);
  if (infoEl !== undefined) {
    const { buf, el } = infoEl;
    let scale = 1_000_000; // nanoseconds per timestamp tick, the default
    let duration: number | undefined;
    for (const field of children(buf, el.dataStart, el.dataStart + el.size!)) {
      if (field.id === ID.TimestampScale) scale = readUint(buf, field);
      if (field.id === ID.Duration) duration = readFloat(buf, field);
    }
    if (duration !== undefined) info.duration = (duration * scale) / 1e9;
  }

  const tracksEl = found.get(ID.Tracks);
  if (tracksEl === undefined) return { ...info, error: 'no Tracks element in the file headers' };
  const { buf, el } = tracksEl;
  for (const entry of children(buf, el.dataStart, el.dataStart + el.size!)) {
    if (entry.id !== ID.TrackEntry || entry.size === undefined) continue;
    let type = 0;
    let codecId = '';
    let codecPrivate: Buffer | undefined;
    let width: number | undefined;
    let height: number | undefined;
    for (const field of children(buf, entry.dataStart, entry.dataStart + entry.size)) {
      if (field.id === ID.TrackType) type = readUint(buf, field);
      else if (field.id === ID.CodecID) codecId = readString(buf, field);
      else if (field.id === ID.CodecPrivate) codecPrivate = readBytes(buf, field);
      else if (field.id === ID.Video && field.size !== undefined) {
        for (const v of children(buf, field.dataStart, field.dataStart + field.size)) {
          if (v.id === ID.PixelWidth) width = readUint(buf, v);
          if (v.id === ID.PixelHeight) height = readUint(buf, v);
        }
      }
    }
    if (type === 1 && info.videoCodec === undefined) {
      info.videoCodec = videoCodec(codecId, codecPrivate);
      if (width !== undefined) info.width = width;
      if (height !== undefined) info.height = height;
    } else if (type === 2 && info.audioCodec === undefined) {
      info.audioCodec = audioCodec(codecId, codecPrivate);
    }
  }
  return info;
}
