import { makeEtag } from '../http/etag.js';
import type { RangeReader, Resource } from '../source/types.js';
import type { Relocation } from './mp4/relocation.js';

/**
 * Names the version of the rewrite: a change to what the rewrite writes changes it, so caches and
 * If-Range never mix bytes of two versions of the output for one version of the file.
 */
const REWRITE_VERSION = 'fs1';

/**
 * The strong ETag of a file's faststart view: the file's own, with a suffix. Derived from it, so it
 * changes with every version of the file; distinct from it, since the bytes differ (RFC 9110 §8.8.3:
 * a strong validator changes with the representation's bytes).
 */
export function faststartEtag(original: Resource): string {
  const etag = original.etag ?? makeEtag(original.size, original.mtimeMs);
  return `"${etag.slice(etag.indexOf('"') + 1, -1)}-${REWRITE_VERSION}"`;
}

/** One piece of the view: where it starts in the view, and where its bytes come from. */
interface Piece {
  start: number;
  end: number;
  /** The input offset of the piece's first byte; undefined for the moov, read from memory. */
  from?: number;
}

/**
 * A file served as its faststart copy without writing one: the rebuilt moov from memory (shared by
 * every request, held by whoever keeps the relocation), every other byte read from the file at its
 * original offset through the file's own resource. Same modification time and type as the file, its
 * own strong ETag; releasing it releases the file.
 */
export function faststartResource(original: Resource, relocation: Relocation): Resource {
  const pieces: Piece[] = [];
  let at = 0;
  for (const segment of relocation.segments) {
    pieces.push({ start: at, end: at + segment.length, from: segment.kind === 'input' ? segment.start : undefined });
    at += segment.length;
  }
  return {
    size: relocation.size,
    mtimeMs: original.mtimeMs,
    etag: faststartEtag(original),
    contentType: original.contentType,
    readRange: (start, end) => new PieceReader(original, relocation.moov, pieces, start, end),
    checkUnchanged: original.checkUnchanged?.bind(original),
    release: () => original.release(),
  };
}

/**
 * Reads a range of the view front to back, piece by piece: moov bytes copied from memory, file bytes
 * through one reader of the file per piece, opened when the range reaches it and closed when it ends.
 */
class PieceReader implements RangeReader {
  private pos: number;
  private piece = 0;
  private reader: RangeReader | undefined;

  constructor(
    private readonly original: Resource,
    private readonly moov: Buffer,
    private readonly pieces: readonly Piece[],
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
    while (this.pieces[this.piece]!.end <= start) this.piece++;
  }

  async read(buffer: Buffer, length: number): Promise<number> {
    const piece = this.current();
    const want = Math.min(length, piece.end - this.pos, this.end - this.pos + 1);
    if (piece.from === undefined) return this.fromMoov(buffer, want);
    return this.advance(await this.fileReader(piece).read(buffer, want));
  }

  readNow(buffer: Buffer, length: number): number | undefined {
    const piece = this.current();
    const want = Math.min(length, piece.end - this.pos, this.end - this.pos + 1);
    if (piece.from === undefined) return this.fromMoov(buffer, want);
    const reader = this.fileReader(piece);
    if (reader.readNow === undefined) return undefined;
    const n = reader.readNow(buffer, want);
    return n === undefined ? undefined : this.advance(n);
  }

  close(): void {
    this.reader?.close();
    this.reader = undefined;
  }

  private current(): Piece {
    if (this.pos > this.end) throw new RangeError('read past the end of the range');
    return this.pieces[this.piece]!;
  }

  private fromMoov(buffer: Buffer, want: number): number {
    const offset = this.pos - this.pieces[this.piece]!.start;
    return this.advance(this.moov.copy(buffer, 0, offset, offset + want));
  }

  /** The file's reader for the rest of this piece within the range, opened on first use. */
  private fileReader(piece: Piece): RangeReader {
    if (this.reader === undefined) {
      const from = piece.from! + (this.pos - piece.start);
      const last = Math.min(piece.end - 1, this.end);
      this.reader = this.original.readRange(from, piece.from! + (last - piece.start));
    }
    return this.reader;
  }

  private advance(n: number): number {
    this.pos += n;
    if (this.pos === this.pieces[this.piece]!.end) {
      this.close();
      this.piece++;
    }
    return n;
  }
}
