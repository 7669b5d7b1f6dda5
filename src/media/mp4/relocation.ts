import { type BoxHeader, Mp4FormatError } from './boxes.js';
import { type MoovTree, type OffsetTable, moovSize, writeMoov } from './moov-tree.js';

/** Where the moov is and where it goes: enough to move it, with the file's size. */
export interface MoovLayout {
  /** The input's size in bytes. */
  size: number;
  /** The moov box in the input. */
  moov: BoxHeader;
  /** Where the rebuilt moov goes: the end of the ftyp (ISO/IEC 14496-12 §4.3: ftyp comes first), else 0. */
  insertAt: number;
}

/** One part of the output, in order: the rebuilt moov, or bytes of the input copied as they are. */
export type Segment = { kind: 'moov'; length: number } | { kind: 'input'; start: number; length: number };

/** A faststart copy of a file, as a recipe: the new moov and what follows it from the input. */
export interface Relocation {
  /** The rebuilt moov, chunk offsets pointing past it. */
  moov: Buffer;
  /** The output, front to back: [input up to the ftyp's end][moov][the rest of the input without the old moov]. */
  segments: Segment[];
  /** The output's size. */
  size: number;
  /** How many stco tables had to become co64 because an offset no longer fits 32 bits. */
  widened: number;
}

const TWO_TO_32 = 0x1_0000_0000;

/**
 * Plans the move of a moov that follows its media data to the front (pure: the layout and the parsed
 * moov in, the new moov and the output's segments out). Every other box keeps its bytes and its order;
 * each chunk offset moves with the bytes it points at. An stco table whose moved offsets no longer fit
 * 32 bits becomes co64, which grows the moov and so moves the data further: repeated until no table
 * has to change (tables only ever widen, so this ends). An offset outside the file or inside the old
 * moov is a corrupt file, refused.
 */
export function planRelocation(layout: MoovLayout, tree: MoovTree): Relocation {
  const { size, moov, insertAt } = layout;
  const moovEnd = moov.start + moov.size;
  if (insertAt > moov.start || moovEnd > size) throw new Error('planRelocation: the moov must lie between the insertion point and the end');
  for (const table of tree.tables) checkOffsets(table, moov.start, moovEnd, size);

  const widened = new Set<OffsetTable>();
  let newSize = moovSize(tree, widened);
  for (;;) {
    // Offsets grow monotonically with the move, so each table's largest offset decides its width.
    const shift = moveFor(insertAt, moov.start, moovEnd, newSize);
    let changed = false;
    for (const table of tree.tables) {
      if (table.type === 'stco' && !widened.has(table) && shift(table.max) >= TWO_TO_32) {
        widened.add(table);
        changed = true;
      }
    }
    if (!changed) break;
    newSize = moovSize(tree, widened);
  }
  const bytes = writeMoov(tree, widened, moveFor(insertAt, moov.start, moovEnd, newSize));
  const segments: Segment[] = [
    { kind: 'input', start: 0, length: insertAt },
    { kind: 'moov', length: bytes.length },
    { kind: 'input', start: insertAt, length: moov.start - insertAt },
    { kind: 'input', start: moovEnd, length: size - moovEnd },
  ];
  return {
    moov: bytes,
    segments: segments.filter((s) => s.length > 0),
    size: size - moov.size + bytes.length,
    widened: widened.size,
  };
}

/**
 * Where a byte of the input lands: before the insertion point it stays; up to the old moov it moves
 * down by the new moov's size; after the old moov, by the difference of the two.
 */
function moveFor(insertAt: number, moovStart: number, moovEnd: number, newMoovSize: number): (offset: number) => number {
  return (offset) => (offset < insertAt ? offset : offset < moovStart ? offset + newMoovSize : offset - (moovEnd - moovStart) + newMoovSize);
}

function checkOffsets(table: OffsetTable, moovStart: number, moovEnd: number, size: number): void {
  for (const offset of table.offsets) {
    if (offset >= size) throw new Mp4FormatError(`a chunk offset (${offset}) points past the end of the file at ${size} (truncated?)`);
    if (offset >= moovStart && offset < moovEnd) throw new Mp4FormatError(`a chunk offset (${offset}) points into the moov box (corrupt)`);
  }
}
