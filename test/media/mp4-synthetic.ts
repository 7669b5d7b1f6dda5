import type { ByteReader } from '../../src/media/media-info.js';
import type { Relocation } from '../../src/media/mp4/relocation.js';

/** Synthetic ISO base media boxes for unit tests: small, exact, and able to describe files of any size. */

export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

/** A box with a compact header. */
export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A box with a 64-bit largesize header (size field 1). */
export function largeBox(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1);
  header.write(type, 4, 'latin1');
  header.writeBigUInt64BE(BigInt(16 + body.length), 8);
  return Buffer.concat([header, body]);
}

export const stco = (offsets: number[]) => box('stco', u32(0), u32(offsets.length), ...offsets.map(u32));
export const co64 = (offsets: number[]) => box('co64', u32(0), u32(offsets.length), ...offsets.map(u64));

/** A data reference (dinf ▸ dref) with one 'url ' entry of the given flags (1: self-contained). */
export const dinf = (flags = 1) => box('dinf', box('dref', u32(0), u32(1), box('url ', u32(flags))));

/** A track with its chunk offsets table (and whatever else its stbl should hold). */
export function trak(table: Buffer, ...stblExtra: Buffer[]): Buffer {
  return box(
    'trak',
    box('tkhd', Buffer.alloc(84)),
    box(
      'mdia',
      box('mdhd', Buffer.alloc(24)),
      box('minf', box('vmhd', Buffer.alloc(12)), dinf(), box('stbl', box('stsd', u32(0), u32(0)), ...stblExtra, table)),
    ),
  );
}

export const ftyp = box('ftyp', Buffer.from('isom'), u32(512), Buffer.from('isomiso2avc1mp41'));
export const moov = (...children: Buffer[]) => box('moov', box('mvhd', Buffer.alloc(100)), ...children);

/** A ByteReader over bytes in memory. */
export function bufferReader(bytes: Buffer): ByteReader {
  return { size: bytes.length, read: async (start, length) => bytes.subarray(start, start + length) };
}

/** A ByteReader over a file of `size` bytes that holds `parts` at their offsets and zeros elsewhere. */
export function sparseReader(size: number, parts: [number, Buffer][]): ByteReader {
  return {
    size,
    async read(start, length) {
      const out = Buffer.alloc(Math.max(0, Math.min(length, size - start)));
      for (const [at, bytes] of parts) {
        const from = Math.max(at, start);
        const to = Math.min(at + bytes.length, start + out.length);
        if (from < to) bytes.copy(out, from - start, from - at, to - at);
      }
      return out;
    },
  };
}

/** The output a relocation describes, for an input held in memory. */
export function assemble(input: Buffer, relocation: Relocation): Buffer {
  return Buffer.concat(relocation.segments.map((s) => (s.kind === 'moov' ? relocation.moov : input.subarray(s.start, s.start + s.length))));
}

/** The chunk offsets of every table in a moov's bytes, in order, by walking moov/trak/mdia/minf/stbl. */
export function chunkOffsets(moovBytes: Buffer): { type: string; offsets: number[] }[] {
  const tables: { type: string; offsets: number[] }[] = [];
  const walk = (start: number, end: number) => {
    for (let at = start; at < end; ) {
      let size = moovBytes.readUInt32BE(at);
      const type = moovBytes.toString('latin1', at + 4, at + 8);
      let header = 8;
      if (size === 1) {
        size = Number(moovBytes.readBigUInt64BE(at + 8));
        header = 16;
      }
      if (['moov', 'trak', 'mdia', 'minf', 'stbl'].includes(type)) walk(at + header, at + size);
      if (type === 'stco' || type === 'co64') {
        const count = moovBytes.readUInt32BE(at + 12);
        const offsets: number[] = [];
        for (let i = 0; i < count; i++) {
          offsets.push(type === 'stco' ? moovBytes.readUInt32BE(at + 16 + 4 * i) : Number(moovBytes.readBigUInt64BE(at + 16 + 8 * i)));
        }
        tables.push({ type, offsets });
      }
      at += size;
    }
  };
  walk(0, moovBytes.length);
  return tables;
}
