import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childBoxes, Mp4FormatError, parseBoxHeader, readTopLevelBoxes } from '../../src/media/mp4/boxes.js';
import { box, bufferReader, ftyp, largeBox, sparseReader, u32, u64 } from './mp4-synthetic.js';

describe('MP4 box headers (ISO/IEC 14496-12 §4.2)', () => {
  it('reads a compact header: 32-bit size and type', () => {
    const b = box('free', Buffer.alloc(10));
    assert.deepEqual(parseBoxHeader(b, 100, 200), { type: 'free', start: 100, headerSize: 8, size: 18, large: false });
  });

  it('reads a 64-bit largesize (size field 1) beyond 4 GiB', () => {
    const head = Buffer.concat([u32(1), Buffer.from('mdat'), u64(5 * 2 ** 30)]);
    assert.deepEqual(parseBoxHeader(head, 0, 6 * 2 ** 30), { type: 'mdat', start: 0, headerSize: 16, size: 5 * 2 ** 30, large: true });
  });

  it('gives a size-0 box the room up to the end of the file', () => {
    const head = Buffer.concat([u32(0), Buffer.from('mdat')]);
    assert.equal(parseBoxHeader(head, 40, 1000).size, 960);
  });

  it("counts a uuid box's 16-byte extended type in its header", () => {
    const b = box('uuid', Buffer.alloc(16), Buffer.alloc(4));
    assert.equal(parseBoxHeader(b, 0, b.length).headerSize, 24);
  });

  it('refuses sizes smaller than the header, boxes past the end, and garbage at the top level', () => {
    assert.throws(() => parseBoxHeader(Buffer.concat([u32(4), Buffer.from('free')]), 0, 100), /invalid size 4 of the 'free' box at byte 0/);
    assert.throws(
      () => parseBoxHeader(box('mdat', Buffer.alloc(92)), 8, 50),
      /the 'mdat' box at byte 8 needs 100 bytes but the file ends at byte 50 \(truncated\)/,
    );
    assert.throws(() => parseBoxHeader(box('trak', Buffer.alloc(92)), 8, 50, 'moov'), /the 'trak' box at byte 8 of the moov runs past its parent/);
    assert.throws(() => parseBoxHeader(Buffer.from([0, 0, 0, 9, 1, 2, 3, 4, 5]), 0, 9), /no box header at byte 0 of the file/);
    assert.throws(() => parseBoxHeader(Buffer.alloc(5), 0, 9), /truncated box header at byte 0/);
    assert.throws(() => parseBoxHeader(Buffer.concat([u32(1), Buffer.from('mdat')]), 0, 99), /truncated header of the 'mdat' box/);
    const huge = Buffer.concat([u32(1), Buffer.from('mdat'), Buffer.alloc(8, 0xff)]);
    assert.throws(() => parseBoxHeader(huge, 0, 99), Mp4FormatError);
  });

  it("takes any four bytes as a type inside a box (QuickTime's ©swr)", () => {
    const b = Buffer.concat([u32(12), Buffer.from([0xa9, 0x73, 0x77, 0x72]), u32(0)]);
    assert.equal(parseBoxHeader(b, 0, 12, 'moov').type, '\xa9swr');
  });
});

describe('walking boxes', () => {
  it('walks the top level by headers alone, a largesize one included, and stops when asked', async () => {
    const mdatHeader = Buffer.concat([u32(1), Buffer.from('mdat'), u64(5 * 2 ** 30)]);
    const reader = sparseReader(ftyp.length + 5 * 2 ** 30 + 8, [
      [0, ftyp],
      [ftyp.length, mdatHeader],
      [ftyp.length + 5 * 2 ** 30, box('moov')],
    ]);
    const all = await readTopLevelBoxes(reader);
    assert.deepEqual(
      all.map((b) => [b.type, b.start, b.size]),
      [
        ['ftyp', 0, ftyp.length],
        ['mdat', ftyp.length, 5 * 2 ** 30],
        ['moov', ftyp.length + 5 * 2 ** 30, 8],
      ],
    );
    const some = await readTopLevelBoxes(reader, (b) => b.type === 'mdat');
    assert.deepEqual(
      some.map((b) => b.type),
      ['ftyp', 'mdat'],
    );
  });

  it('reports a file cut inside a box as truncated', async () => {
    const file = Buffer.concat([ftyp, box('mdat', Buffer.alloc(100))]).subarray(0, ftyp.length + 50);
    await assert.rejects(
      readTopLevelBoxes(bufferReader(file)),
      /the 'mdat' box at byte \d+ needs 108 bytes but the file ends at byte \d+ \(truncated\)/,
    );
  });

  it("lists a container's children and takes QuickTime's 32-bit zero terminator as an end", () => {
    const udta = box('udta', box('name', Buffer.from('x')), u32(0));
    assert.deepEqual(
      childBoxes(udta, 8, udta.length, 'udta').map((b) => b.type),
      ['name'],
    );
    const bad = box('udta', box('name', Buffer.from('x')), u32(7));
    assert.throws(() => childBoxes(bad, 8, bad.length, 'udta'), /truncated box header/);
  });

  it('reads a largesize header on a small box as it is', () => {
    const b = largeBox('moov', box('mvhd'));
    assert.deepEqual(parseBoxHeader(b, 0, b.length), { type: 'moov', start: 0, headerSize: 16, size: 24, large: true });
  });
});
