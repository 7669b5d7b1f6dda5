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

export async function probeOgg(reader: ByteReader): Promise<MediaInfo> {
  const head = await reader.read(0, 4096);
  const info: MediaInfo = { container: 'ogg' };
  if (head.toString('latin1', 0, 4) !== 'OggS' || head.length < 28) return { ...info, error: 'not an Ogg file' };
  const serial = head.readUInt32LE(14);
  const packet = head.subarray(27 + head[26]!); // after the segment table
  let rate: number | undefined;
  let preSkip = 0;
  if (packet.toString('latin1', 0, 8) === 'OpusHead') {
    info.audioCodec = 'opus';
    preSkip = packet.readUInt16LE(10);
    rate = 48_000; // Opus granule positions always count 48 kHz samples
  } else if (packet.toString('latin1', 1, 7) === 'vorbis' && packet[0] === 1) {
    info.audioCodec = 'vorbis';
    rate = packet.readUInt32LE(12);
  } else if (packet.toString('latin1', 1, 5) === 'FLAC') {
    info.audioCodec = 'flac';
    rate = (packet[27]! << 12) | (packet[28]! << 4) | (packet[29]! >> 4);
  } else if (packet.toString('latin1', 1, 7) === 'theora') {
    info.videoCodec = 'theora';
    return info; // video granules count frames in two fields: not worth it for a listing
  } else {
    return { ...info, error: 'unknown codec in the Ogg stream' };
  }
  // The last page of our stream carries the total in samples.
  const tailStart = Math.max(0, reader.size - HEAD);
  const tail = await reader.read(tailStart, HEAD);
  for (let pos = tail.lastIndexOf('OggS'); pos >= 0; pos = pos > 0 ? tail.lastIndexOf('OggS', pos - 1) : -1) {
    if (pos + 18 > tail.length || tail.readUInt32LE(pos + 14) !== serial) continue;
    const granule = tail.readBigInt64LE(pos + 6);
    if (granule < 0n) continue;
    if (rate > 0) info.duration = Math.max(0, Number(granule) - preSkip) / rate;
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
