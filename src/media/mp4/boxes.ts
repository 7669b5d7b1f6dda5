import type { ByteReader } from '../media-info.js';

/**
 * Box headers of ISO/IEC 14496-12 §4.2 (the ISO base media file format, which MP4 and QuickTime MOV
 * share): a 32-bit size and a four-character type; size 1 means a 64-bit `largesize` follows, size 0
 * means the box runs to the end of the file (or of its parent). `uuid` boxes carry 16 more bytes of
 * extended type, which belong to the header.
 */
export interface BoxHeader {
  type: string;
  /** Where the box starts (its size field), in the file or in the buffer it was read from. */
  start: number;
  /** Bytes of the header: 8, 16 with a largesize, plus 16 for a uuid's extended type. */
  headerSize: number;
  /** The whole box, header included; a size-0 box is given the room up to its end. */
  size: number;
  /** Whether the size field said 1 (a 64-bit largesize follows). */
  large: boolean;
}

/** A file whose boxes cannot be read as ISO base media boxes: the message says where and why. */
export class Mp4FormatError extends Error {}

const PRINTABLE_TYPE = /^[\x20-\x7e]{4}$/;

/**
 * Reads one box header from `head` (at least the header's bytes from `start`), for a box that may run
 * up to `end`. Throws an Mp4FormatError naming the box for what no valid file holds.
 */
export function parseBoxHeader(head: Buffer, start: number, end: number, where = 'file'): BoxHeader {
  if (head.length < 8) throw new Mp4FormatError(`truncated box header at byte ${start} of the ${where}`);
  const size32 = head.readUInt32BE(0);
  const type = head.toString('latin1', 4, 8);
  // Inside a box any four bytes name a type (QuickTime's '©nam'); at the top level, garbage is what they catch.
  if (where === 'file' && !PRINTABLE_TYPE.test(type))
    throw new Mp4FormatError(`no box header at byte ${start} of the ${where} (not an MP4/MOV file, or corrupt)`);
  let size = size32;
  let headerSize = 8;
  if (size32 === 1) {
    if (head.length < 16) throw new Mp4FormatError(`truncated header of the '${type}' box at byte ${start}`);
    const large = head.readBigUInt64BE(8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4FormatError(`the '${type}' box at byte ${start} claims ${large} bytes`);
    size = Number(large);
    headerSize = 16;
  } else if (size32 === 0) {
    size = end - start;
  }
  if (type === 'uuid') headerSize += 16;
  if (size < headerSize) throw new Mp4FormatError(`invalid size ${size} of the '${type}' box at byte ${start} of the ${where}`);
  if (start + size > end) {
    throw new Mp4FormatError(
      where === 'file'
        ? `the '${type}' box at byte ${start} needs ${size} bytes but the file ends at byte ${end} (truncated)`
        : `the '${type}' box at byte ${start} of the ${where} runs past its parent (corrupt)`,
    );
  }
  return { type, start, headerSize, size, large: size32 === 1 };
}

/** At most this many top-level boxes are walked: real files have a handful (fragmented ones stop early). */
const MAX_TOP_LEVEL_BOXES = 100_000;

/**
 * Walks the top-level boxes of a file by their headers only (one read of 32 bytes each), in order,
 * until `stop` says enough or the file ends. Throws an Mp4FormatError for a box that runs past the end
 * of the file (truncated) or bytes that are no box header.
 */
export async function readTopLevelBoxes(reader: ByteReader, stop: (box: BoxHeader) => boolean = () => false): Promise<BoxHeader[]> {
  const boxes: BoxHeader[] = [];
  for (let offset = 0; offset < reader.size; ) {
    if (boxes.length >= MAX_TOP_LEVEL_BOXES) throw new Mp4FormatError(`more than ${MAX_TOP_LEVEL_BOXES} top-level boxes`);
    const head = await reader.read(offset, 32);
    const box = parseBoxHeader(head, offset, reader.size);
    boxes.push(box);
    if (stop(box)) break;
    offset += box.size;
  }
  return boxes;
}

/** The boxes inside `buffer` from `start` to `end` (a container's payload), headers only. */
export function childBoxes(buffer: Buffer, start: number, end: number, where: string): BoxHeader[] {
  const boxes: BoxHeader[] = [];
  for (let offset = start; offset < end; ) {
    // QuickTime ends some containers (udta) with a 32-bit zero: a terminator, not a box.
    if (end - offset < 8 && buffer.subarray(offset, end).every((b) => b === 0)) break;
    const box = parseBoxHeader(buffer.subarray(offset, Math.min(end, offset + 32)), offset, end, where);
    boxes.push(box);
    offset += box.size;
  }
  return boxes;
}
