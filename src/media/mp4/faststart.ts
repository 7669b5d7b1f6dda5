import type { ByteReader } from '../media-info.js';
import { type BoxHeader, Mp4FormatError, parseBoxHeader, readTopLevelBoxes } from './boxes.js';
import { checkNoItemLocations, parseMoov } from './moov-tree.js';
import { planRelocation, type Relocation } from './relocation.js';

/** What making a file faststart takes. */
export type FaststartVerdict =
  /** The moov already precedes the media data (or there is none to precede): nothing to do. */
  | { kind: 'faststart' }
  /** A fragmented movie (ISO/IEC 14496-12 §8.8): streamable as it is, never rewritten. */
  | { kind: 'fragmented' }
  /** The moov is larger than the caller wants to hold in memory. */
  | { kind: 'too-large'; moovSize: number }
  | { kind: 'relocate'; relocation: Relocation };

/** The most bytes of a top-level meta box read to check it for item locations. */
const MAX_META = 16 * 1024 * 1024;

/**
 * Reads what it takes to decide (the top-level box headers, then the moov) and plans the faststart
 * copy of an MP4/MOV whose moov follows its media data. Throws an Mp4FormatError, saying why, for a
 * file that is truncated, corrupt, not an MP4/MOV, or laid out in a way this cannot move safely.
 * The moov is read whole only when it has to be rewritten and is at most `maxMoov` bytes.
 */
export async function planFaststart(reader: ByteReader, options: { maxMoov: number }): Promise<FaststartVerdict> {
  let media = false;
  // A moov before any media data ends the walk: nothing behind it matters (a fragmented file has thousands of boxes).
  const boxes = await readTopLevelBoxes(reader, (box) => {
    if (box.type === 'mdat') media = true;
    return box.type === 'moov' && !media;
  });
  const moovs = boxes.filter((b) => b.type === 'moov');
  if (moovs.length === 0) throw new Mp4FormatError('no moov box: the file is truncated (cut before its index was written) or not an MP4/MOV');
  if (moovs.length > 1) throw new Mp4FormatError('more than one moov box (corrupt)');
  const moov = moovs[0]!;
  if (boxes.some((b) => b.type === 'moof') || (await hasChild(reader, moov, 'mvex'))) return { kind: 'fragmented' };
  const firstMedia = boxes.find((b) => b.type === 'mdat');
  if (firstMedia === undefined || moov.start < firstMedia.start) return { kind: 'faststart' };
  if (moov.size > options.maxMoov) return { kind: 'too-large', moovSize: moov.size };

  for (const meta of boxes.filter((b) => b.type === 'meta')) {
    if (meta.size > MAX_META) throw new Mp4FormatError('a top-level meta box too large to check');
    const bytes = await readWhole(reader, meta);
    checkNoItemLocations(bytes, { ...meta, start: 0 });
  }
  const tree = parseMoov(await readWhole(reader, moov));
  if (tree.fragmented) return { kind: 'fragmented' };
  const ftyp = boxes.find((b) => b.type === 'ftyp');
  const insertAt = ftyp !== undefined && ftyp.start < firstMedia.start ? ftyp.start + ftyp.size : 0;
  return { kind: 'relocate', relocation: planRelocation({ size: reader.size, moov, insertAt }, tree) };
}

async function readWhole(reader: ByteReader, box: BoxHeader): Promise<Buffer> {
  const bytes = await reader.read(box.start, box.size);
  if (bytes.length !== box.size) throw new Mp4FormatError(`the '${box.type}' box could not be read whole (the file shrank?)`);
  return bytes;
}

/** Whether a box has a direct child of a type, from the children's headers alone. */
async function hasChild(reader: ByteReader, box: BoxHeader, type: string): Promise<boolean> {
  const end = box.start + box.size;
  for (let offset = box.start + box.headerSize; offset + 8 <= end; ) {
    const child = parseBoxHeader(await reader.read(offset, 32), offset, end, box.type);
    if (child.type === type) return true;
    offset += child.size;
  }
  return false;
}
