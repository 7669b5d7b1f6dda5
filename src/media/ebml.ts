/** The little of EBML (RFC 8794) that reading Matroska headers needs: element headers and values. */

export interface EbmlElement {
  id: number;
  /** Offset of the element's header, relative to the buffer it was read from. */
  start: number;
  /** Offset of the element's data, relative to the buffer it was read from. */
  dataStart: number;
  /** Data size in bytes; undefined for "unknown size" (live streams, an unfinished Segment). */
  size: number | undefined;
}

/** Reads a variable-length integer at `pos`: its length in bytes and value (marker kept for IDs). */
function vint(buf: Buffer, pos: number, keepMarker: boolean): { length: number; value: number; allOnes: boolean } | undefined {
  const first = buf[pos];
  if (first === undefined || first === 0) return undefined; // 0: longer than 8 bytes, not valid here
  const length = Math.clz32(first) - 23; // leading zeros within the byte, plus one
  if (pos + length > buf.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = buf[pos + i]!;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { length, value, allOnes };
}

/** The element header at `pos`, or undefined when the buffer ends inside it or it is malformed. */
export function readElement(buf: Buffer, pos: number): EbmlElement | undefined {
  const id = vint(buf, pos, true);
  if (id === undefined || id.length > 4) return undefined;
  const size = vint(buf, pos + id.length, false);
  if (size === undefined) return undefined;
  return { id: id.value, start: pos, dataStart: pos + id.length + size.length, size: size.allOnes ? undefined : size.value };
}

/** The elements directly inside [start, end), stopping where the buffer ends. */
export function* children(buf: Buffer, start: number, end: number): Generator<EbmlElement> {
  let pos = start;
  while (pos < Math.min(end, buf.length)) {
    const el = readElement(buf, pos);
    if (el === undefined) return;
    yield el;
    if (el.size === undefined) return; // unknown size: nothing after it is at a known place
    pos = el.dataStart + el.size;
  }
}

/** An unsigned integer element (at most 8 bytes, RFC 8794 §7.2); NaN for anything longer. */
export function readUint(buf: Buffer, el: EbmlElement): number {
  const size = el.size ?? 0;
  if (size > 8) return NaN; // a hostile size would otherwise be a loop of 2^52 steps
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + (buf[el.dataStart + i] ?? 0);
  return value;
}

export function readFloat(buf: Buffer, el: EbmlElement): number | undefined {
  if (el.size === 4 && el.dataStart + 4 <= buf.length) return buf.readFloatBE(el.dataStart);
  if (el.size === 8 && el.dataStart + 8 <= buf.length) return buf.readDoubleBE(el.dataStart);
  return undefined;
}

export function readString(buf: Buffer, el: EbmlElement): string {
  return buf.toString('latin1', el.dataStart, el.dataStart + (el.size ?? 0)).replace(/\0+$/, '');
}

export function readBytes(buf: Buffer, el: EbmlElement): Buffer {
  return buf.subarray(el.dataStart, el.dataStart + (el.size ?? 0));
}
