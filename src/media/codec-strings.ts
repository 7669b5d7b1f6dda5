/**
 * Codec strings in the form browsers take in canPlayType and MediaSource (RFC 6381 and the codec
 * registrations), built from the codec configuration records that containers carry.
 */

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const dec2 = (n: number) => String(n).padStart(2, '0');

/** avcC (ISO 14496-15): "avc1.PPCCLL" from profile, constraint flags and level. */
export function avcCodec(avcC: Buffer): string | undefined {
  if (avcC.length < 4 || avcC[0] !== 1) return undefined;
  return `avc1.${hex2(avcC[1]!)}${hex2(avcC[2]!)}${hex2(avcC[3]!)}`;
}

/** hvcC (ISO 14496-15 §8.3.3): "hvc1.<space><profile>.<compat>.<tier><level>.<constraints>". */
export function hevcCodec(hvcC: Buffer, fourcc = 'hvc1'): string | undefined {
  if (hvcC.length < 13) return undefined;
  const b1 = hvcC[1]!;
  const space = ['', 'A', 'B', 'C'][b1 >> 6]!;
  const tier = b1 & 0x20 ? 'H' : 'L';
  const profile = b1 & 0x1f;
  // The compatibility flags are written in reverse bit order, in hex, without leading zeros.
  let flags = hvcC.readUInt32BE(2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (flags & 1);
    flags >>>= 1;
  }
  const constraints = [...hvcC.subarray(6, 12)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const level = hvcC[12]!;
  return [`${fourcc}`, `${space}${profile}`, (reversed >>> 0).toString(16), `${tier}${level}`, ...constraints.map((c) => c.toString(16))].join('.');
}

/** av1C (AV1 ISOBMFF binding §2.3): "av01.P.LLT.DD". */
export function av1Codec(av1C: Buffer): string | undefined {
  if (av1C.length < 4 || (av1C[0]! & 0x80) === 0) return undefined;
  const profile = av1C[1]! >> 5;
  const level = av1C[1]! & 0x1f;
  const tier = av1C[2]! & 0x80 ? 'H' : 'M';
  const highBitdepth = (av1C[2]! & 0x40) !== 0;
  const twelveBit = (av1C[2]! & 0x20) !== 0;
  const depth = profile === 2 && highBitdepth ? (twelveBit ? 12 : 10) : highBitdepth ? 10 : 8;
  return `av01.${profile}.${dec2(level)}${tier}.${dec2(depth)}`;
}

/** VP9 CodecPrivate in Matroska (id, length, value triples): "vp09.PP.LL.DD", or "vp9" without it. */
export function vp9Codec(codecPrivate: Buffer | undefined): string {
  const features = new Map<number, number>();
  let i = 0;
  while (codecPrivate !== undefined && i + 2 <= codecPrivate.length) {
    const id = codecPrivate[i]!;
    const length = codecPrivate[i + 1]!;
    if (length === 1 && i + 3 <= codecPrivate.length) features.set(id, codecPrivate[i + 2]!);
    i += 2 + length;
  }
  const profile = features.get(1);
  const level = features.get(2);
  const depth = features.get(3);
  // Without profile, level and depth any longer string would be a guess; "vp9" is what canPlayType
  // takes for WebM when nothing more is known.
  if (profile === undefined || level === undefined || depth === undefined) return 'vp9';
  return `vp09.${dec2(profile)}.${dec2(level)}.${dec2(depth)}`;
}

/**
 * AudioSpecificConfig (ISO 14496-3): "mp4a.40.<audio object type>". Without one, `profileHint` (the
 * object type a Matroska CodecID such as A_AAC/MPEG4/LC/SBR names) is used; else AAC-LC (2).
 */
export function aacCodec(asc: Buffer | undefined, profileHint = 2): string {
  if (asc === undefined || asc.length < 1) return `mp4a.40.${profileHint}`;
  let objectType = asc[0]! >> 3;
  if (objectType === 31 && asc.length >= 2) objectType = 32 + (((asc[0]! & 0x07) << 3) | (asc[1]! >> 5));
  return `mp4a.40.${objectType}`;
}
