import { type BoxHeader, childBoxes, Mp4FormatError } from './boxes.js';

/**
 * A moov box read far enough to move it: the path down to every track's chunk offset table
 * (moov ▸ trak ▸ mdia ▸ minf ▸ stbl ▸ stco|co64, ISO/IEC 14496-12 §8.7.5) as containers, everything
 * else kept as the bytes it was. Moving the moov moves the media data, and the chunk offsets are the
 * only absolute file offsets a non-fragmented movie holds; what else could hold some (item locations,
 * sample auxiliary information offsets, media in other files) is refused rather than left pointing
 * at the wrong bytes.
 */
export interface MoovTree {
  root: Container;
  /** Every chunk offset table, in file order. */
  tables: OffsetTable[];
  /** Whether the movie is fragmented (an mvex box, §8.8.1): already streamable, never rewritten. */
  fragmented: boolean;
}

/** One track's chunk offsets: where each chunk of samples starts in the file. */
export interface OffsetTable {
  /** stco holds 32-bit offsets, co64 64-bit ones (§8.7.5). */
  type: 'stco' | 'co64';
  /** The FullBox version and flags, kept as they were. */
  versionFlags: number;
  offsets: Float64Array;
  /** The largest offset (0 for an empty table): the one that decides whether 32 bits still hold it. */
  max: number;
}

type Node = { kind: 'bytes'; bytes: Buffer } | Container | { kind: 'table'; table: OffsetTable };

interface Container {
  kind: 'container';
  type: string;
  /** Whether its header used a 64-bit largesize: kept so, whatever its new size. */
  large: boolean;
  children: Node[];
}

/** Containers on the way from moov to the chunk offset tables. */
const PATH = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);
/** Boxes that may hold a meta box, whose item locations (iloc, §8.11.3) can be file offsets. */
const META_HOLDERS = new Set(['moov', 'trak']);

/** Parses a whole moov box (its bytes, header included) into what moving it needs. */
export function parseMoov(moov: Buffer): MoovTree {
  const tables: OffsetTable[] = [];
  const state = { fragmented: false };
  const top = childBoxes(moov, 0, moov.length, 'moov')[0];
  if (top === undefined || top.type !== 'moov' || top.size !== moov.length) throw new Mp4FormatError('the moov box is not whole');
  const root = container(moov, top, tables, state);
  return { root, tables, fragmented: state.fragmented };
}

function container(buffer: Buffer, box: BoxHeader, tables: OffsetTable[], state: { fragmented: boolean }): Container {
  const children: Node[] = [];
  for (const child of childBoxes(buffer, box.start + box.headerSize, box.start + box.size, 'moov')) {
    const bytes = buffer.subarray(child.start, child.start + child.size);
    if (child.type === 'cmov') throw new Mp4FormatError('the moov is compressed (cmov), which this tool does not rewrite');
    if (child.type === 'mvex') state.fragmented = true;
    if (child.type === 'saio' && box.type === 'stbl') {
      throw new Mp4FormatError('a track holds sample auxiliary information offsets (saio, encrypted media), which this tool does not rewrite');
    }
    if (child.type === 'dinf') checkSelfContained(buffer, child);
    if (child.type === 'meta' && META_HOLDERS.has(box.type)) checkNoItemLocations(buffer, child);
    if (child.type === 'udta' && box.type !== 'udta') inspectUdta(buffer, child);
    if (PATH.has(child.type) && box.type !== 'stbl') children.push(container(buffer, child, tables, state));
    else if ((child.type === 'stco' || child.type === 'co64') && box.type === 'stbl') {
      const table = offsetTable(bytes, child);
      tables.push(table);
      children.push({ kind: 'table', table });
    } else children.push({ kind: 'bytes', bytes });
  }
  return { kind: 'container', type: box.type, large: box.large, children };
}

/** udta may hold a meta box (iTunes-style metadata, or items with file offsets). */
function inspectUdta(buffer: Buffer, udta: BoxHeader): void {
  for (const child of childBoxes(buffer, udta.start + udta.headerSize, udta.start + udta.size, 'moov')) {
    if (child.type === 'meta') checkNoItemLocations(buffer, child);
  }
}

function offsetTable(bytes: Buffer, box: BoxHeader): OffsetTable {
  const type = box.type as OffsetTable['type'];
  const width = type === 'stco' ? 4 : 8;
  const body = box.headerSize;
  if (bytes.length < body + 8) throw new Mp4FormatError(`the '${type}' box is too short`);
  const versionFlags = bytes.readUInt32BE(body);
  const count = bytes.readUInt32BE(body + 4);
  if (body + 8 + count * width > bytes.length) throw new Mp4FormatError(`the '${type}' box claims ${count} chunks but holds fewer (corrupt)`);
  const offsets = new Float64Array(count);
  let max = 0;
  for (let i = 0, at = body + 8; i < count; i++, at += width) {
    const offset = width === 4 ? bytes.readUInt32BE(at) : bytes.readUInt32BE(at) * 0x1_0000_0000 + bytes.readUInt32BE(at + 4);
    if (offset > Number.MAX_SAFE_INTEGER) throw new Mp4FormatError(`a chunk offset of ${offset} in a '${type}' box`);
    offsets[i] = offset;
    if (offset > max) max = offset;
  }
  return { type, versionFlags, offsets, max };
}

/**
 * The data references of a track (dinf ▸ dref, §8.7.2): an entry without the self-contained flag (1)
 * puts samples in another file, where offsets must not move.
 */
function checkSelfContained(buffer: Buffer, dinf: BoxHeader): void {
  for (const dref of childBoxes(buffer, dinf.start + dinf.headerSize, dinf.start + dinf.size, 'moov')) {
    if (dref.type !== 'dref') continue;
    const entries = childBoxes(buffer, dref.start + dref.headerSize + 8, dref.start + dref.size, 'moov');
    for (const entry of entries) {
      if (entry.size < entry.headerSize + 4 || (buffer.readUInt32BE(entry.start + entry.headerSize) & 1) === 0) {
        throw new Mp4FormatError("a track's media is in another file (a data reference that is not self-contained)");
      }
    }
  }
}

/**
 * A meta box (§8.11.1) whose item locations (iloc) may point at file offsets is refused. ISO's meta
 * is a FullBox (4 bytes of version and flags before its children), QuickTime's is not: its first child
 * (hdlr) says which.
 */
export function checkNoItemLocations(buffer: Buffer, meta: BoxHeader): void {
  const payload = meta.start + meta.headerSize;
  const full = buffer.toString('latin1', payload + 4, payload + 8) !== 'hdlr';
  const start = payload + (full ? 4 : 0);
  if (start > meta.start + meta.size) throw new Mp4FormatError('the meta box is too short');
  for (const child of childBoxes(buffer, start, meta.start + meta.size, 'meta')) {
    if (child.type === 'iloc') throw new Mp4FormatError('a meta box locates items by file offset (iloc), which this tool does not rewrite');
  }
}

/** Bytes of the header a container is written with: as it was (8, or 16 with a largesize). */
const headerBytes = (node: Container) => (node.large ? 16 : 8);

function tableSize(table: OffsetTable, widened: ReadonlySet<OffsetTable>): number {
  const width = table.type === 'co64' || widened.has(table) ? 8 : 4;
  return 16 + table.offsets.length * width;
}

function nodeSize(node: Node, widened: ReadonlySet<OffsetTable>): number {
  if (node.kind === 'bytes') return node.bytes.length;
  if (node.kind === 'table') return tableSize(node.table, widened);
  let size = headerBytes(node);
  for (const child of node.children) size += nodeSize(child, widened);
  return size;
}

/** The size of the moov once written with the `widened` stco tables as co64. */
export function moovSize(tree: MoovTree, widened: ReadonlySet<OffsetTable>): number {
  return nodeSize(tree.root, widened);
}

/**
 * Writes the moov with every chunk offset passed through `move`, the `widened` stco tables written as
 * co64 (§8.7.5: same version, flags and entries, 64 bits each) and every container's size updated.
 */
export function writeMoov(tree: MoovTree, widened: ReadonlySet<OffsetTable>, move: (offset: number) => number): Buffer {
  const out = Buffer.alloc(moovSize(tree, widened));
  const end = writeNode(tree.root, out, 0, widened, move);
  if (end !== out.length) throw new Error(`moov written to ${end} of ${out.length} bytes`);
  return out;
}

function writeNode(node: Node, out: Buffer, at: number, widened: ReadonlySet<OffsetTable>, move: (offset: number) => number): number {
  if (node.kind === 'bytes') return at + node.bytes.copy(out, at);
  if (node.kind === 'table') return writeTable(node.table, out, at, widened.has(node.table), move);
  const size = nodeSize(node, widened);
  let pos = at;
  if (node.large) {
    out.writeUInt32BE(1, pos);
    out.write(node.type, pos + 4, 'latin1');
    out.writeUInt32BE(Math.floor(size / 0x1_0000_0000), pos + 8);
    out.writeUInt32BE(size % 0x1_0000_0000, pos + 12);
    pos += 16;
  } else {
    if (size > 0xffff_ffff) throw new Mp4FormatError(`the '${node.type}' box would grow past 4 GiB`);
    out.writeUInt32BE(size, pos);
    out.write(node.type, pos + 4, 'latin1');
    pos += 8;
  }
  for (const child of node.children) pos = writeNode(child, out, pos, widened, move);
  return pos;
}

function writeTable(table: OffsetTable, out: Buffer, at: number, widen: boolean, move: (offset: number) => number): number {
  const wide = widen || table.type === 'co64';
  const count = table.offsets.length;
  out.writeUInt32BE(16 + count * (wide ? 8 : 4), at);
  out.write(wide ? 'co64' : 'stco', at + 4, 'latin1');
  out.writeUInt32BE(table.versionFlags, at + 8);
  out.writeUInt32BE(count, at + 12);
  let pos = at + 16;
  for (let i = 0; i < count; i++) {
    const offset = move(table.offsets[i]!);
    if (wide) {
      out.writeUInt32BE(Math.floor(offset / 0x1_0000_0000), pos);
      out.writeUInt32BE(offset % 0x1_0000_0000, pos + 4);
      pos += 8;
    } else {
      if (offset > 0xffff_ffff) throw new Error(`chunk offset ${offset} written as 32 bits`);
      out.writeUInt32BE(offset, pos);
      pos += 4;
    }
  }
  return pos;
}
