import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFaststart, type FaststartVerdict } from '../../src/media/mp4/faststart.js';
import type { Relocation } from '../../src/media/mp4/relocation.js';
import { assemble, box, bufferReader, chunkOffsets, co64, dinf, ftyp, largeBox, moov, sparseReader, stco, trak, u32, u64 } from './mp4-synthetic.js';

const LIMIT = { maxMoov: 64 * 1024 * 1024 };

function relocation(verdict: FaststartVerdict): Relocation {
  assert.equal(verdict.kind, 'relocate');
  return (verdict as { relocation: Relocation }).relocation;
}

/** Media data whose every byte says where it was: a chunk read at the wrong offset cannot pass. */
function samples(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff));
}

/**
 * ftyp, free, mdat (two tracks' chunks), moov (stco tables pointing into the mdat), udta after it:
 * ffmpeg's layout without +faststart, plus a trailing box that must keep its place after the mdat.
 */
function nonFaststart() {
  const free = box('free');
  const data = Buffer.concat([samples(300, 1), samples(200, 2)]);
  const mdatStart = ftyp.length + free.length;
  const at = (i: number) => mdatStart + 8 + i;
  const index = moov(trak(stco([at(0), at(100), at(300)])), trak(stco([at(200), at(450)])), box('udta', box('\xa9nam', Buffer.from('t'))));
  const tail = box('uuid', Buffer.alloc(16, 7), Buffer.from('after'));
  const file = Buffer.concat([ftyp, free, box('mdat', data), index, tail]);
  return { file, index, tail, oldOffsets: [at(0), at(100), at(300), at(200), at(450)] };
}

describe('planFaststart: moving the moov before the media data', () => {
  it('puts the moov after the ftyp, keeps every other box in order, and points each chunk offset at the same bytes', async () => {
    const { file, index, tail, oldOffsets } = nonFaststart();
    const plan = relocation(await planFaststart(bufferReader(file), LIMIT));
    const out = assemble(file, plan);
    assert.equal(out.length, plan.size);
    assert.equal(plan.size, file.length);
    assert.equal(plan.widened, 0);
    assert.deepEqual(
      plan.segments.map((s) => s.kind),
      ['input', 'moov', 'input', 'input'],
    );
    assert.deepEqual(out.subarray(0, ftyp.length), ftyp);
    assert.equal(out.toString('latin1', ftyp.length + 4, ftyp.length + 8), 'moov');
    assert.deepEqual(out.subarray(out.length - tail.length), tail);
    const tables = chunkOffsets(plan.moov);
    assert.deepEqual(
      tables.map((t) => t.type),
      ['stco', 'stco'],
    );
    const newOffsets = tables.flatMap((t) => t.offsets);
    assert.deepEqual(
      newOffsets,
      oldOffsets.map((o) => o + index.length),
    );
    for (let i = 0; i < oldOffsets.length; i++) {
      assert.deepEqual(out.subarray(newOffsets[i]!, newOffsets[i]! + 50), file.subarray(oldOffsets[i]!, oldOffsets[i]! + 50));
    }
    // Nothing but the offsets changed: the rest of the moov is byte for byte the old one.
    assert.equal(plan.moov.length, index.length);
    assert.equal(Buffer.compare(plan.moov.subarray(0, 200), index.subarray(0, 200)), 0);
  });

  it('leaves a faststart file, a file without media data and a fragmented one alone', async () => {
    const data = box('mdat', samples(100, 3));
    const index = moov(trak(stco([ftyp.length + 2000])));
    assert.deepEqual(await planFaststart(bufferReader(Buffer.concat([ftyp, index, data])), LIMIT), { kind: 'faststart' });
    assert.deepEqual(await planFaststart(bufferReader(Buffer.concat([ftyp, box('free'), index])), LIMIT), { kind: 'faststart' });
    const fragmented = Buffer.concat([ftyp, moov(trak(stco([])), box('mvex', box('trex', Buffer.alloc(24)))), box('moof'), data]);
    assert.deepEqual(await planFaststart(bufferReader(fragmented), LIMIT), { kind: 'fragmented' });
    const mvexAtEnd = Buffer.concat([ftyp, data, moov(trak(stco([ftyp.length + 8])), box('mvex'))]);
    assert.deepEqual(await planFaststart(bufferReader(mvexAtEnd), LIMIT), { kind: 'fragmented' });
    const moofFirst = Buffer.concat([ftyp, box('moof'), data, moov(trak(stco([])))]);
    assert.deepEqual(await planFaststart(bufferReader(moofFirst), LIMIT), { kind: 'fragmented' });
  });

  it('says a moov over the limit is too large, without reading it', async () => {
    const { file, index } = nonFaststart();
    assert.deepEqual(await planFaststart(bufferReader(file), { maxMoov: 100 }), { kind: 'too-large', moovSize: index.length });
  });

  it('inserts at the start of a file without ftyp (old QuickTime), before a wide box', async () => {
    const data = box('mdat', samples(64, 4));
    const file = Buffer.concat([box('wide'), data, moov(trak(stco([16])))]);
    const plan = relocation(await planFaststart(bufferReader(file), LIMIT));
    const out = assemble(file, plan);
    assert.equal(out.toString('latin1', 4, 8), 'moov');
    assert.equal(out.toString('latin1', plan.moov.length + 4, plan.moov.length + 8), 'wide');
    assert.deepEqual(chunkOffsets(plan.moov)[0]!.offsets, [16 + plan.moov.length]);
    assert.deepEqual(out.subarray(16 + plan.moov.length, 16 + plan.moov.length + 56), file.subarray(16, 72));
  });

  it('keeps co64 tables 64-bit, and a largesize moov header 16 bytes long with its new size', async () => {
    const data = box('mdat', samples(64, 5));
    const index = largeBox('moov', box('mvhd', Buffer.alloc(100)), trak(co64([ftyp.length + 8])));
    const file = Buffer.concat([ftyp, data, index]);
    const plan = relocation(await planFaststart(bufferReader(file), LIMIT));
    assert.equal(plan.moov.readUInt32BE(0), 1);
    assert.equal(Number(plan.moov.readBigUInt64BE(8)), plan.moov.length);
    assert.deepEqual(chunkOffsets(plan.moov), [{ type: 'co64', offsets: [ftyp.length + plan.moov.length + 8] }]);
  });

  it('gives a size-0 moov at the end of the file (up to the end) its real size once moved', async () => {
    const data = box('mdat', samples(64, 6));
    const index = moov(trak(stco([ftyp.length + 8])));
    index.writeUInt32BE(0, 0);
    const plan = relocation(await planFaststart(bufferReader(Buffer.concat([ftyp, data, index])), LIMIT));
    assert.equal(plan.moov.readUInt32BE(0), index.length);
  });

  it('widens stco to co64 until no moved offset overflows 32 bits: each widening grows the moov and moves the data further', async () => {
    // Three tracks over a file of more than 4 GiB, read sparsely. With both stco, the moov is M bytes:
    // A's last chunk lands past 2^32; B's lands 200 bytes short of it, until A's 400 extra bytes (100
    // chunks x 4) push it over too; C's chunks sit low and stay 32-bit.
    const aCount = 100;
    const lowA = Array.from({ length: aCount - 1 }, (_, i) => 1000 + i);
    const build = (aMax: number, bMax: number) =>
      moov(
        trak(stco([...lowA, aMax])),
        trak(stco([2000, bMax])),
        trak(stco([3000, 3001])),
        box('udta', box('meta', u32(0), box('hdlr', Buffer.alloc(25)))),
      );
    const m = build(0, 0).length;
    const aMax = 2 ** 32 - m + 10;
    const bMax = 2 ** 32 - m - 200;
    const index = build(aMax, bMax);
    const moovStart = 2 ** 32 + 100;
    const mdatHeader = Buffer.concat([u32(1), Buffer.from('mdat'), u64(moovStart - ftyp.length)]);
    const reader = sparseReader(moovStart + index.length, [
      [0, ftyp],
      [ftyp.length, mdatHeader],
      [moovStart, index],
    ]);
    const plan = relocation(await planFaststart(reader, LIMIT));
    assert.equal(plan.widened, 2);
    assert.equal(plan.moov.length, m + aCount * 4 + 2 * 4);
    assert.equal(plan.size, moovStart + plan.moov.length);
    const tables = chunkOffsets(plan.moov);
    assert.deepEqual(
      tables.map((t) => t.type),
      ['co64', 'co64', 'stco'],
    );
    assert.deepEqual(
      tables[0]!.offsets,
      [...lowA, aMax].map((o) => o + plan.moov.length),
    );
    assert.deepEqual(
      tables[1]!.offsets,
      [2000, bMax].map((o) => o + plan.moov.length),
    );
    assert.deepEqual(tables[2]!.offsets, [3000 + plan.moov.length, 3001 + plan.moov.length]);
    assert.ok(tables[1]!.offsets[1]! >= 2 ** 32 && bMax + m + aCount * 4 >= 2 ** 32 && bMax + m < 2 ** 32);
  });
});

describe('planFaststart refuses what it cannot move safely', () => {
  const data = box('mdat', samples(64, 7));
  const at = ftyp.length + 8;
  const withMoov = (...children: Buffer[]) => bufferReader(Buffer.concat([ftyp, data, moov(...children)]));
  const cases: [string, () => ReturnType<typeof bufferReader>, RegExp][] = [
    ['a file with no moov (cut before its index was written)', () => bufferReader(Buffer.concat([ftyp, data])), /no moov box: the file is truncated/],
    ['two moov boxes', () => bufferReader(Buffer.concat([ftyp, data, moov(), moov()])), /more than one moov box/],
    ['a compressed moov (cmov)', () => withMoov(box('cmov', box('dcom', Buffer.from('zlib')))), /compressed \(cmov\)/],
    ['sample auxiliary information offsets (saio)', () => withMoov(trak(stco([at]), box('saio', u32(0), u32(1), u32(at)))), /saio/],
    [
      'media in another file (a dref entry without the self-contained flag)',
      () => withMoov(box('trak', box('mdia', box('minf', dinf(0), box('stbl', stco([at])))))),
      /media is in another file/,
    ],
    [
      'item locations in a meta box (iloc)',
      () => withMoov(trak(stco([at])), box('meta', u32(0), box('hdlr', Buffer.alloc(25)), box('iloc', u32(0)))),
      /iloc/,
    ],
    ['item locations in a meta box in udta', () => withMoov(box('udta', box('meta', u32(0), box('hdlr', Buffer.alloc(25)), box('iloc')))), /iloc/],
    [
      'item locations in a top-level meta box',
      () => bufferReader(Buffer.concat([ftyp, box('meta', u32(0), box('hdlr', Buffer.alloc(25)), box('iloc')), data, moov(trak(stco([at + 49])))])),
      /iloc/,
    ],
    ['a chunk offset past the end of the file', () => withMoov(trak(stco([at, 10_000]))), /chunk offset \(10000\) points past the end of the file/],
    ['a chunk offset inside the moov', () => withMoov(trak(stco([at + 70]))), /points into the moov box/],
    [
      'a chunk offset table claiming more entries than it holds',
      () => withMoov(trak(box('stco', u32(0), u32(5), u32(at)))),
      /claims 5 chunks but holds fewer/,
    ],
    ['a chunk offset table too short for its header', () => withMoov(trak(box('stco', u32(0)))), /too short/],
    ['a child running past its parent', () => withMoov(box('trak', Buffer.concat([u32(100), Buffer.from('mdia')]))), /runs past its parent/],
    [
      'garbage where boxes should be',
      () => bufferReader(Buffer.from([0, 0, 0, 16, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])),
      /no box header at byte 0/,
    ],
  ];
  for (const [what, reader, message] of cases) {
    it(what, async () => {
      await assert.rejects(planFaststart(reader(), LIMIT), message);
    });
  }

  it('reads a QuickTime meta (no version and flags before its hdlr) without taking it for one with items', async () => {
    const qtMeta = box('meta', box('hdlr', Buffer.alloc(25)), box('keys', u32(0), u32(0)), box('ilst'));
    const plan = relocation(await planFaststart(withMoov(trak(stco([at])), box('udta', qtMeta, u32(0))), LIMIT));
    assert.equal(chunkOffsets(plan.moov)[0]!.offsets[0], at + plan.moov.length);
  });
});
