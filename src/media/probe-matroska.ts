import { aacCodec, av1Codec, avcCodec, hevcCodec, vp9Codec } from './codec-strings.js';
import { children, readBytes, readElement, readFloat, readString, readUint, type EbmlElement } from './ebml.js';
import type { ByteReader, MediaInfo, TrackInfo } from './media-info.js';

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
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  Name: 0x536e,
  Language: 0x22b59c,
  LanguageBCP47: 0x22b59d,
  Audio: 0xe1,
  Channels: 0x9f,
} as const;

/** Matroska TrackType values (RFC 9559 §5.1.4.1.3). */
const TRACK_TYPE = { video: 1, audio: 2, subtitle: 0x11 } as const;

/** Headers (EBML header, SeekHead, Info, Tracks) almost always sit in the first few KiB. */
const HEAD = 64 * 1024;
/** Info or Tracks larger than this are not headers we should load. */
const MAX_ELEMENT = 4 * 1024 * 1024;
/**
 * How much of the end of a cut file is searched for its last Cluster. ffmpeg closes a cluster at 5 s or
 * 5 MiB, so at common bitrates one starts within the last MiB; past that, the cut is reported without
 * how much plays.
 */
const TAIL = 1024 * 1024;
const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

/** Subtitle CodecIDs (Matroska codec specifications) by the names people know them by. */
const SUBTITLE_CODECS: Record<string, string> = {
  'S_TEXT/UTF8': 'srt',
  'S_TEXT/ASS': 'ass',
  'S_TEXT/SSA': 'ssa',
  'S_TEXT/WEBVTT': 'webvtt',
  'S_HDMV/PGS': 'pgs',
  S_VOBSUB: 'vobsub',
  S_DVBSUB: 'dvbsub',
};

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

/**
 * The time (ticks of the TimestampScale) up to which the bytes of a file hold media, from the last
 * Cluster that starts in `tail`: its Timestamp plus the relative timestamp of its last whole block.
 * Undefined when no Cluster header is found there.
 */
export function lastBlockTime(tail: Buffer): number | undefined {
  for (let pos = tail.lastIndexOf(CLUSTER_ID); pos >= 0; pos = pos > 0 ? tail.lastIndexOf(CLUSTER_ID, pos - 1) : -1) {
    const cluster = readElement(tail, pos);
    if (cluster === undefined) continue;
    let timestamp: number | undefined;
    let last: number | undefined;
    const end = cluster.size === undefined ? tail.length : cluster.dataStart + cluster.size;
    for (const el of children(tail, cluster.dataStart, end)) {
      if (el.size === undefined || el.dataStart + el.size > tail.length) break; // cut here
      if (el.id === ID.Timestamp) timestamp = readUint(tail, el);
      else if (timestamp === undefined) break; // not a Cluster: the Timestamp comes first
      let block: EbmlElement | undefined = el.id === ID.SimpleBlock ? el : undefined;
      if (el.id === ID.BlockGroup) {
        for (const inner of children(tail, el.dataStart, el.dataStart + el.size)) if (inner.id === ID.Block) block = inner;
      }
      if (block === undefined || block.size === undefined) continue;
      // A block: the track number (a vint), then a signed 16-bit timestamp relative to the Cluster's.
      const trackLength = tail[block.dataStart] === undefined ? 0 : Math.clz32(tail[block.dataStart]!) - 23;
      const at = block.dataStart + trackLength;
      if (trackLength < 1 || trackLength > 8 || at + 2 > tail.length) continue;
      const relative = tail.readInt16BE(at);
      last = last === undefined ? relative : Math.max(last, relative);
    }
    if (timestamp !== undefined && Number.isFinite(timestamp)) return timestamp + Math.max(0, last ?? 0);
  }
  return undefined;
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
  let scale = 1_000_000; // nanoseconds per timestamp tick, the default
  if (infoEl !== undefined) {
    const { buf, el } = infoEl;
    let duration: number | undefined;
    for (const field of children(buf, el.dataStart, el.dataStart + el.size!)) {
      if (field.id === ID.TimestampScale) scale = readUint(buf, field);
      if (field.id === ID.Duration) duration = readFloat(buf, field);
    }
    if (duration !== undefined) info.duration = (duration * scale) / 1e9;
  }

  const tracksEl = found.get(ID.Tracks);
  if (tracksEl === undefined) return { ...info, error: 'no Tracks element in the file headers' };
  readTracks(tracksEl.buf, tracksEl.el, info);

  // A Segment that claims more bytes than the file holds was cut (a download or recording that stopped):
  // the Duration in Info is what it was meant to last, and players claim it too (Chromium shows the full
  // length of a WebM cut to 5 % and "plays" to the end on a still frame, measured). A Segment of unknown
  // size (written live) says nothing of its length: its last block does.
  const cut = segment.size !== undefined && segment.dataStart + segment.size > reader.size;
  if (cut || segment.size === undefined) {
    const tail = await reader.read(Math.max(0, reader.size - TAIL), TAIL);
    const ticks = lastBlockTime(tail);
    const seconds = ticks === undefined || !Number.isFinite(scale) ? undefined : (ticks * scale) / 1e9;
    if (cut) {
      info.truncated = true;
      if (seconds !== undefined) info.playableDuration = seconds;
    } else if (info.duration === undefined && seconds !== undefined) {
      info.duration = seconds;
    }
  }
  return info;
}

/** The tracks of a Tracks element: the first video and audio track's codecs and size, every audio and subtitle track. */
function readTracks(buf: Buffer, el: EbmlElement, info: MediaInfo): void {
  const audioTracks: TrackInfo[] = [];
  const subtitleTracks: TrackInfo[] = [];
  for (const entry of children(buf, el.dataStart, el.dataStart + el.size!)) {
    if (entry.id !== ID.TrackEntry || entry.size === undefined) continue;
    let type = 0;
    let codecId = '';
    let codecPrivate: Buffer | undefined;
    let width: number | undefined;
    let height: number | undefined;
    let language: string | undefined;
    let name: string | undefined;
    let channels: number | undefined;
    for (const field of children(buf, entry.dataStart, entry.dataStart + entry.size)) {
      if (field.id === ID.TrackType) type = readUint(buf, field);
      else if (field.id === ID.Language) language ??= readString(buf, field);
      else if (field.id === ID.LanguageBCP47)
        language = readString(buf, field); // takes precedence (RFC 9559 §5.1.4.1.20)
      else if (field.id === ID.Name) name = buf.toString('utf8', field.dataStart, field.dataStart + (field.size ?? 0));
      else if (field.id === ID.Audio && field.size !== undefined) {
        for (const a of children(buf, field.dataStart, field.dataStart + field.size)) if (a.id === ID.Channels) channels = readUint(buf, a);
      } else if (field.id === ID.CodecID) codecId = readString(buf, field);
      else if (field.id === ID.CodecPrivate) codecPrivate = readBytes(buf, field);
      else if (field.id === ID.Video && field.size !== undefined) {
        for (const v of children(buf, field.dataStart, field.dataStart + field.size)) {
          if (v.id === ID.PixelWidth) width = readUint(buf, v);
          if (v.id === ID.PixelHeight) height = readUint(buf, v);
        }
      }
    }
    const about = {
      ...(language !== undefined && language !== 'und' && language !== '' ? { language } : {}),
      ...(name ? { name } : {}),
    };
    if (type === TRACK_TYPE.video && info.videoCodec === undefined) {
      info.videoCodec = videoCodec(codecId, codecPrivate);
      if (width !== undefined) info.width = width;
      if (height !== undefined) info.height = height;
    } else if (type === TRACK_TYPE.audio) {
      const codec = audioCodec(codecId, codecPrivate);
      info.audioCodec ??= codec;
      audioTracks.push({ codec, ...about, ...(channels ? { channels } : {}) });
    } else if (type === TRACK_TYPE.subtitle) {
      subtitleTracks.push({ codec: SUBTITLE_CODECS[codecId] ?? codecId, ...about });
    }
  }
  if (audioTracks.length > 0) info.audioTracks = audioTracks;
  if (subtitleTracks.length > 0) info.subtitleTracks = subtitleTracks;
}
