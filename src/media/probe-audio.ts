import type { ByteReader, MediaInfo } from './media-info.js';

/**
 * Durations of plain audio files from their headers: WAV, FLAC, Ogg (Opus, Vorbis, FLAC) and MP3.
 * At most two small reads each: the head, and for Ogg the tail, where the last granule position is.
 */

const HEAD = 64 * 1024;

/** Length of an ID3v2 tag at the start (its size is a 28-bit "syncsafe" integer), else 0. */
function id3Length(head: Buffer): number {
  if (head.length < 10 || head.toString('latin1', 0, 3) !== 'ID3') return 0;
  const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
  return 10 + size + (head[5]! & 0x10 ? 10 : 0); // a footer follows when flagged
}

export async function probeWav(reader: ByteReader): Promise<MediaInfo> {
  const head = await reader.read(0, HEAD);
  const info: MediaInfo = { container: 'wav', audioCodec: 'pcm' };
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
    return { ...info, error: 'not a WAV file (no RIFF/WAVE header)' };
  }
  let byteRate: number | undefined;
  for (let pos = 12; pos + 8 <= head.length; ) {
    const id = head.toString('latin1', pos, pos + 4);
    const size = head.readUInt32LE(pos + 4);
    if (id === 'fmt ' && pos + 20 <= head.length) {
      if (head.readUInt16LE(pos + 8) !== 1) info.audioCodec = `wav format ${head.readUInt16LE(pos + 8)}`;
      byteRate = head.readUInt32LE(pos + 16);
    } else if (id === 'data') {
      // The data chunk may claim more than the file holds (a recording that stopped): count what is there.
      const available = Math.min(size, reader.size - pos - 8);
      if (byteRate) info.duration = available / byteRate;
      return info;
    }
    pos += 8 + size + (size % 2);
  }
  return { ...info, error: 'no data chunk in the WAV headers' };
}

export async function probeFlac(reader: ByteReader): Promise<MediaInfo> {
  let head = await reader.read(0, HEAD);
  const start = id3Length(head);
  if (start > 0) head = await reader.read(start, 64);
  const info: MediaInfo = { container: 'flac', audioCodec: 'flac' };
  // "fLaC", then the STREAMINFO block header (4 bytes), then STREAMINFO: rate at bit 80, samples at bit 108.
  if (head.toString('latin1', 0, 4) !== 'fLaC' || (head[4]! & 0x7f) !== 0 || head.length < 26) {
    return { ...info, error: 'not a FLAC file (no STREAMINFO)' };
  }
  const s = head.subarray(8);
  const rate = (s[10]! << 12) | (s[11]! << 4) | (s[12]! >> 4);
  const samples = (s[13]! & 0x0f) * 2 ** 32 + s.readUInt32BE(14);
  if (rate > 0 && samples > 0) info.duration = samples / rate;
  return info;
}

/** What the first packet of one logical Ogg stream says it carries. */
interface OggStream {
  serial: number;
  video?: string;
  audio?: string;
  /** Granule positions count these per second (audio: samples; Theora: frames, see granuleFrames). */
  rate?: number;
  preSkip?: number;
  /** Theora: the low bits of a granule position that count frames since the last keyframe. */
  keyframeShift?: number;
  width?: number;
  height?: number;
}

/** Reads a BOS page's first packet: the identification header of Opus, Vorbis, FLAC or Theora. */
function identify(serial: number, packet: Buffer): OggStream | undefined {
  if (packet.toString('latin1', 0, 8) === 'OpusHead' && packet.length >= 12) {
    // Opus granule positions always count 48 kHz samples (RFC 7845 §4).
    return { serial, audio: 'opus', rate: 48_000, preSkip: packet.readUInt16LE(10) };
  }
  if (packet[0] === 1 && packet.toString('latin1', 1, 7) === 'vorbis' && packet.length >= 16) {
    return { serial, audio: 'vorbis', rate: packet.readUInt32LE(12) };
  }
  if (packet.toString('latin1', 1, 5) === 'FLAC' && packet.length >= 30) {
    return { serial, audio: 'flac', rate: (packet[27]! << 12) | (packet[28]! << 4) | (packet[29]! >> 4) };
  }
  if (packet[0] === 0x80 && packet.toString('latin1', 1, 7) === 'theora' && packet.length >= 42) {
    // Theora spec §6.2: picture size at bytes 14 and 17 (24 bits each), frame rate at 22/26, and
    // KFGSHIFT in the 5 bits after QUAL (6 bits) at byte 40.
    const frames = packet.readUInt32BE(22);
    const per = packet.readUInt32BE(26);
    return {
      serial,
      video: 'theora',
      width: packet.readUIntBE(14, 3),
      height: packet.readUIntBE(17, 3),
      ...(frames > 0 && per > 0 ? { rate: frames / per } : {}),
      keyframeShift: ((packet[40]! & 0x03) << 3) | (packet[41]! >> 5),
    };
  }
  return undefined;
}

export async function probeOgg(reader: ByteReader): Promise<MediaInfo> {
  const head = await reader.read(0, HEAD);
  const info: MediaInfo = { container: 'ogg' };
  if (head.toString('latin1', 0, 4) !== 'OggS' || head.length < 28) return { ...info, error: 'not an Ogg file' };
  // Every stream starts with a BOS page holding only its identification header; all BOS pages come
  // first (RFC 3533 §4), so the streams of a file are the BOS pages at its head.
  const streams: OggStream[] = [];
  for (let pos = 0; pos + 27 <= head.length && head.toString('latin1', pos, pos + 4) === 'OggS'; ) {
    const segments = head[pos + 26]!;
    if (pos + 27 + segments > head.length) break;
    let body = 0;
    for (let i = 0; i < segments; i++) body += head[pos + 27 + i]!;
    const packet = head.subarray(pos + 27 + segments, pos + 27 + segments + body);
    if ((head[pos + 5]! & 0x02) === 0) break; // past the BOS pages
    const stream = identify(head.readUInt32LE(pos + 14), packet);
    if (stream !== undefined) streams.push(stream);
    pos += 27 + segments + body;
  }
  const video = streams.find((s) => s.video !== undefined);
  const audio = streams.filter((s) => s.audio !== undefined);
  if (video === undefined && audio.length === 0) return { ...info, error: 'unknown codec in the Ogg stream' };
  if (video !== undefined) {
    info.videoCodec = video.video!;
    if (video.width) info.width = video.width;
    if (video.height) info.height = video.height;
  }
  if (audio.length > 0) {
    info.audioCodec = audio[0]!.audio!;
    info.audioTracks = audio.map((s) => ({ codec: s.audio! }));
  }
  // The last page of a stream carries its total in granules: the audio's when there is audio.
  const timed = audio[0] ?? video!;
  if (timed.rate === undefined || timed.rate <= 0) return info;
  const tailStart = Math.max(0, reader.size - HEAD);
  const tail = await reader.read(tailStart, HEAD);
  for (let pos = tail.lastIndexOf('OggS'); pos >= 0; pos = pos > 0 ? tail.lastIndexOf('OggS', pos - 1) : -1) {
    if (pos + 18 > tail.length || tail.readUInt32LE(pos + 14) !== timed.serial) continue;
    const granule = tail.readBigInt64LE(pos + 6);
    if (granule < 0n) continue;
    let units = Number(granule);
    if (timed.keyframeShift !== undefined) {
      // Theora: the keyframe's frame number in the high bits, frames since it in the low ones (§A.2.3).
      const shift = BigInt(timed.keyframeShift);
      units = Number((granule >> shift) + (granule & ((1n << shift) - 1n)));
    }
    info.duration = Math.max(0, units - (timed.preSkip ?? 0)) / timed.rate;
    break;
  }
  return info;
}

// MPEG audio frame header tables (ISO 11172-3 and 13818-3).
const BITRATES: Record<string, number[]> = {
  V1L3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  V2L3: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

export async function probeMp3(reader: ByteReader): Promise<MediaInfo> {
  const first = await reader.read(0, HEAD);
  const tagEnd = id3Length(first);
  const head = tagEnd === 0 ? first : await reader.read(tagEnd, HEAD);
  const info: MediaInfo = { container: 'mp3', audioCodec: 'mp3' };
  let pos = 0;
  while (pos + 4 <= head.length && !(head[pos] === 0xff && (head[pos + 1]! & 0xe6) === 0xe2)) pos++; // sync, layer III
  if (pos + 4 > head.length) return { ...info, error: 'no MP3 frame found' };
  const version = (head[pos + 1]! >> 3) & 0x03; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const bitrate = BITRATES[version === 3 ? 'V1L3' : 'V2L3']![head[pos + 2]! >> 4];
  const rate = RATES[version]?.[(head[pos + 2]! >> 2) & 0x03];
  const mono = head[pos + 3]! >> 6 === 3;
  if (bitrate === undefined || rate === undefined) return { ...info, error: 'invalid MP3 frame header' };
  if (bitrate === 0) return info; // "free format": no bitrate to compute a length from
  const samplesPerFrame = version === 3 ? 1152 : 576;
  // A Xing/Info header (VBR, and LAME's CBR) sits after the side information of the first frame.
  const xing = pos + 4 + (version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17);
  const tag = head.toString('latin1', xing, xing + 4);
  if ((tag === 'Xing' || tag === 'Info') && head[xing + 7]! & 0x01) {
    const frames = head.readUInt32BE(xing + 8);
    let samples = frames * samplesPerFrame;
    // LAME's tag, after the optional fields, records the encoder delay and padding in samples.
    let lame = xing + 8;
    for (const [flag, size] of [
      [1, 4],
      [2, 4],
      [4, 100],
      [8, 4],
    ] as const)
      if (head[xing + 7]! & flag) lame += size;
    if (head.toString('latin1', lame, lame + 4) === 'LAME' && lame + 24 <= head.length) {
      const delay = (head[lame + 21]! << 4) | (head[lame + 22]! >> 4);
      const padding = ((head[lame + 22]! & 0x0f) << 8) | head[lame + 23]!;
      samples -= Math.min(samples, delay + padding);
    }
    info.duration = samples / rate;
    return info;
  }
  if (head.toString('latin1', pos + 36, pos + 40) === 'VBRI') {
    info.duration = (head.readUInt32BE(pos + 36 + 14) * samplesPerFrame) / rate;
    return info;
  }
  // Constant bitrate without a tag: the audio bytes over the bitrate (an ID3v1 tag at the end excluded).
  const end = await reader.read(Math.max(0, reader.size - 128), 3);
  const audioBytes = reader.size - tagEnd - pos - (end.toString('latin1') === 'TAG' ? 128 : 0);
  info.duration = (audioBytes * 8) / (bitrate * 1000);
  return info;
}
