import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileResource, openShared } from '../../src/source/file-resource.js';
import { COOL_MS, Heat, heatOf, HOT_MS, SLOW_READ_MS } from '../../src/source/heat.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const T0 = 1_000_000;

describe('Heat: which bytes were read lately', () => {
  it('knows nothing of a file not read, and everything of what was read', () => {
    const heat = new Heat(64 * MiB, T0);
    assert.equal(heat.covers(0, 2, T0 + 5000), false);
    heat.mark(5 * MiB, MiB, T0 + 5000);
    assert.equal(heat.covers(5 * MiB, MiB, T0 + 6000), true);
    assert.equal(heat.covers(5 * MiB + 100, 1000, T0 + 6000), true);
    assert.equal(heat.covers(4 * MiB, MiB, T0 + 6000), false, 'the MiB before was not read');
    assert.equal(heat.covers(5 * MiB, 2 * MiB, T0 + 6000), false, 'a read that runs past what was read');
  });

  it('a read marks the blocks it touched, so the same unaligned read is covered next time', () => {
    const heat = new Heat(64 * MiB, T0);
    heat.mark(5_000_001, 999_999, T0 + 1000);
    assert.equal(heat.covers(5_000_001, 999_999, T0 + 1000), true);
    assert.equal(heat.covers(7 * MiB, 10, T0 + 1000), false);
  });

  it('forgets after HOT_MS', () => {
    const heat = new Heat(8 * MiB, T0);
    heat.mark(0, MiB, T0 + 10_000);
    assert.equal(heat.covers(0, MiB, T0 + 10_000 + HOT_MS - 2000), true);
    assert.equal(heat.covers(0, MiB, T0 + 10_000 + HOT_MS + 2000), false);
  });

  it('two slow reads on the spot in a row forget everything and refuse for COOL_MS', () => {
    const heat = new Heat(8 * MiB, T0);
    heat.mark(0, 8 * MiB, T0 + 1000);
    heat.timed(SLOW_READ_MS / 2, T0 + 1000);
    assert.equal(heat.covers(0, MiB, T0 + 1000), true, 'a fast read changes nothing');
    heat.timed(SLOW_READ_MS * 3, T0 + 1000);
    heat.timed(SLOW_READ_MS / 2, T0 + 1000);
    heat.timed(SLOW_READ_MS * 3, T0 + 1000);
    assert.equal(heat.covers(0, MiB, T0 + 1000), true, 'one slow read now and then: the thread was preempted');
    heat.timed(SLOW_READ_MS * 3, T0 + 2000);
    assert.equal(heat.covers(0, MiB, T0 + 2000), false);
    heat.mark(0, 8 * MiB, T0 + 3000);
    assert.equal(heat.covers(0, MiB, T0 + 3000), false, 'cooling down: even fresh marks do not count');
    heat.mark(0, 8 * MiB, T0 + 2000 + COOL_MS + 1000);
    assert.equal(heat.covers(0, MiB, T0 + 2000 + COOL_MS + 1000), true);
  });

  it('handles the last, short block and empty files', () => {
    const heat = new Heat(MiB + 10, T0);
    heat.mark(MiB, 10, T0 + 1000);
    assert.equal(heat.covers(MiB + 5, 5, T0 + 1000), true);
    assert.equal(heat.covers(MiB + 5, 200 * KiB, T0 + 1000), false, 'blocks past the end of the file');
    const empty = new Heat(0, T0);
    empty.mark(0, 0, T0 + 1000);
    assert.equal(empty.covers(0, 1, T0 + 1000), false);
  });

  it('keeps a fine grain on a huge file without growing past its bound', () => {
    const heat = new Heat(1024 * 1024 * MiB, T0); // 1 TiB
    heat.mark(512 * MiB, 2, T0 + 1000);
    assert.equal(heat.covers(512 * MiB, 2, T0 + 1000), true);
    assert.equal(heat.covers(0, 2, T0 + 1000), false);
  });

  it('is shared by every descriptor on one version of a file, and new for a new version', () => {
    const a = heatOf(1, 42, 100, 5000);
    assert.equal(heatOf(1, 42, 100, 5000), a);
    assert.notEqual(heatOf(1, 42, 100, 6000), a);
    assert.notEqual(heatOf(1, 43, 100, 5000), a);
  });
});

describe('file resources read on the spot what was read lately', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-heat-'));
    await writeFile(path.join(dir, 'f.mp4'), Buffer.from(Array.from({ length: 4 * MiB }, (_, i) => (i * 13) % 251)));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Reads through pread; says whether the callback came before pread returned. */
  function preadNow(resource: ReturnType<typeof fileResource>, position: number, length: number) {
    return new Promise<{ inline: boolean; bytes: Buffer }>((resolve, reject) => {
      let returned = false;
      const buffer = Buffer.alloc(length);
      resource.pread!(buffer, length, position, (err, n) => {
        if (err) reject(err);
        else resolve({ inline: !returned, bytes: buffer.subarray(0, n) });
      });
      returned = true;
    });
  }

  it('cold bytes on the thread pool, the same bytes again on the spot, identical', async () => {
    const file = (await openShared(path.join(dir, 'f.mp4')))!;
    const resource = fileResource(file);
    file.unref();
    try {
      const first = await preadNow(resource, 2 * MiB + 7, 300 * KiB);
      assert.equal(first.inline, false);
      const again = await preadNow(resource, 2 * MiB + 7, 300 * KiB);
      assert.equal(again.inline, true);
      assert.ok(again.bytes.equals(first.bytes));
      assert.equal(first.bytes[0], ((2 * MiB + 7) * 13) % 251);
      const elsewhere = await preadNow(resource, 3 * MiB + 100, 1000);
      assert.equal(elsewhere.inline, false, 'bytes not read yet');
      const atEnd = await preadNow(resource, 4 * MiB - 10, 100);
      assert.equal(atEnd.bytes.length, 10, 'a read past the end returns what there is');
    } finally {
      resource.release();
    }
  });
});
