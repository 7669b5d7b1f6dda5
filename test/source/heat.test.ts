import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { fileResource } from '../../src/source/file/file-resource.js';
import { FileSource } from '../../src/source/file/file-source.js';
import { BLOCK, Heat, HeatMaps, HOT_MS, SLOW_WINDOW_MS } from '../../src/source/file/heat.js';
import { HotReads } from '../../src/source/file/hot-reads.js';
import { openShared } from '../../src/source/file/shared-fd.js';
import type { Resource } from '../../src/source/types.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const T0 = 1_000_000;

describe('Heat: which bytes were read lately', () => {
  it('knows nothing of a file not read, and everything of what was read', () => {
    const heat = new Heat();
    assert.equal(heat.covers(0, 2, T0), false);
    heat.mark(5 * MiB, MiB, T0);
    assert.equal(heat.covers(5 * MiB, MiB, T0 + 1000), true);
    assert.equal(heat.covers(5 * MiB + 100, 1000, T0 + 1000), true);
    assert.equal(heat.covers(4 * MiB, MiB, T0 + 1000), false, 'the MiB before was not read');
    assert.equal(heat.covers(5 * MiB, 2 * MiB, T0 + 1000), false, 'a read that runs past what was read');
  });

  it('a read marks the 64 KiB blocks it touched, so the same unaligned read is covered next time, and no more', () => {
    const heat = new Heat();
    heat.mark(5_000_001, 999_999, T0);
    assert.equal(heat.covers(5_000_001, 999_999, T0), true);
    const lastBlockEnd = Math.ceil(6_000_000 / BLOCK) * BLOCK;
    assert.equal(heat.covers(lastBlockEnd - 10, 10, T0), true);
    assert.equal(heat.covers(lastBlockEnd, 10, T0), false);
  });

  it('keeps 64 KiB blocks in a huge file: a small read far in does not warm a larger region', () => {
    const heat = new Heat();
    const far = 50 * 1024 * MiB + 100 * KiB; // 50 GiB in
    heat.mark(far, 16 * KiB, T0);
    assert.equal(heat.covers(far, 16 * KiB, T0), true);
    assert.equal(heat.covers(far + BLOCK, 16 * KiB, T0), false);
    assert.equal(heat.covers(far - BLOCK, 16 * KiB, T0), false);
  });

  it('remembers at most 32 regions of 64 MiB per file, the oldest going first', () => {
    const heat = new Heat();
    for (let i = 0; i <= 32; i++) heat.mark(i * 64 * MiB, KiB, T0);
    assert.equal(heat.covers(0, KiB, T0), false);
    assert.equal(heat.covers(64 * MiB, KiB, T0), true);
    assert.equal(heat.covers(32 * 64 * MiB, KiB, T0), true);
  });

  it('forgets after HOT_MS', () => {
    const heat = new Heat();
    heat.mark(0, MiB, T0);
    assert.equal(heat.covers(0, MiB, T0 + HOT_MS - 2000), true);
    assert.equal(heat.covers(0, MiB, T0 + HOT_MS + 2000), false);
  });

  it('two reads from the disk within SLOW_WINDOW_MS make it forget the file, until reads mark it again', () => {
    const heat = new Heat();
    heat.mark(0, 8 * MiB, T0);
    heat.slowRead(T0 + 1000);
    assert.equal(heat.covers(0, MiB, T0 + 1000), true, 'one slow read proves little');
    heat.slowRead(T0 + 2000 + SLOW_WINDOW_MS);
    assert.equal(heat.covers(0, MiB, T0 + 2000 + SLOW_WINDOW_MS), true, 'slow reads far apart: still hot');
    heat.slowRead(T0 + 3000 + SLOW_WINDOW_MS);
    assert.equal(heat.covers(0, MiB, T0 + 3000 + SLOW_WINDOW_MS), false, 'a second one within the window');
    assert.equal(heat.covers(7 * MiB, MiB, T0 + 3000 + SLOW_WINDOW_MS), false, 'the whole file is forgotten');
    heat.mark(0, MiB, T0 + 4000 + SLOW_WINDOW_MS);
    assert.equal(heat.covers(0, MiB, T0 + 4000 + SLOW_WINDOW_MS), true, 'what is read again counts again');
  });

  it('once it has forgotten a file, says so for HOT_MS: the first-bytes guess is off meanwhile', () => {
    const heat = new Heat();
    assert.equal(heat.recentlyForgotten(T0), false);
    heat.slowRead(T0);
    heat.slowRead(T0 + 1000);
    assert.equal(heat.recentlyForgotten(T0 + 2000), true);
    assert.equal(heat.recentlyForgotten(T0 + 1000 + HOT_MS), false);
  });

  it('is shared by every descriptor on one version of a file, and new for a new version', () => {
    const maps = new HeatMaps();
    const heatOf = (dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number) => maps.of({ dev, ino, size, mtimeMs, ctimeMs });
    const a = heatOf(1, 42, 100, 5000, 5000);
    assert.equal(heatOf(1, 42, 100, 5000, 5000), a);
    assert.notEqual(heatOf(1, 42, 100, 6000, 6000), a);
    assert.notEqual(heatOf(1, 42, 100, 5000, 7000), a, 'replaced by a copy that kept the mtime (cp -p)');
    assert.notEqual(heatOf(1, 43, 100, 5000, 5000), a);
  });
});

describe('file resources read on the event loop what was read lately', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-heat-'));
    await writeFile(path.join(dir, 'f.mp4'), Buffer.from(Array.from({ length: 4 * MiB }, (_, i) => (i * 13) % 251)));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** One read of a range, as the sender does it: now, on the event loop, if the source offers to, else waited for. */
  async function readOnce(resource: Resource, position: number, length: number): Promise<{ now: boolean; bytes: Buffer }> {
    const buffer = Buffer.alloc(length);
    const reader = resource.readRange(position, position + length - 1);
    try {
      const count = reader.readNow?.(buffer, length);
      if (count !== undefined) return { now: true, bytes: buffer.subarray(0, count) };
      return { now: false, bytes: buffer.subarray(0, await reader.read(buffer, length)) };
    } finally {
      reader.close();
    }
  }

  it('cold bytes on the thread pool, the same bytes again on the event loop, identical', async () => {
    const hot = new HotReads();
    const file = (await openShared(path.join(dir, 'f.mp4')))!;
    file.heat = hot.heatOf(file);
    const resource = fileResource(file, { hot });
    file.unref();
    try {
      const first = await readOnce(resource, 2 * MiB + 7, 300 * KiB);
      assert.equal(first.now, false);
      const again = await readOnce(resource, 2 * MiB + 7, 300 * KiB);
      assert.equal(again.now, true);
      assert.ok(again.bytes.equals(first.bytes));
      assert.equal(first.bytes[0], ((2 * MiB + 7) * 13) % 251);
      const elsewhere = await readOnce(resource, 3 * MiB + 100, 1000);
      assert.equal(elsewhere.now, false, 'bytes not read yet');
      const atEnd = await readOnce(resource, 4 * MiB - 10, 100);
      assert.equal(atEnd.bytes.length, 10, 'a read past the end returns what there is');
    } finally {
      resource.release();
    }
  });

  it('the first bytes of a file just served are read on the event loop, unless its reads were found to wait for the disk', async () => {
    const hot = new HotReads();
    const file = (await openShared(path.join(dir, 'f.mp4')))!;
    file.heat = hot.heatOf(file);
    try {
      const buffer = Buffer.alloc(1000);
      assert.equal(hot.tryRead(file, true, buffer, 1000, 0), 1000, 'served within the last second: its first MiB counts as cached');
      const now = performance.now();
      file.heat.slowRead(now);
      file.heat.slowRead(now + 1);
      assert.equal(hot.tryRead(file, true, buffer, 1000, 0), undefined, 'forgotten: to the thread pool');
    } finally {
      file.unref();
    }
  });

  it('reads from the page cache do not count as reads from the disk', async () => {
    const fd = fs.openSync(path.join(dir, 'f.mp4'), 'r');
    try {
      const buffer = Buffer.alloc(MiB);
      const hot = new HotReads();
      fs.readSync(fd, buffer, 0, MiB, 0); // cached now, if it was not
      hot.readFromDisk();
      for (let i = 0; i < 20; i++) fs.readSync(fd, buffer, 0, MiB, (i % 4) * MiB);
      assert.equal(hot.readFromDisk(), false);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('never on the event loop when told not to (network filesystems: hotReads false, or the open-file cache off)', async () => {
    const file = (await openShared(path.join(dir, 'f.mp4')))!;
    const resource = fileResource(file, { recent: true }); // no HotReads: a source with hotReads false
    file.unref();
    try {
      await readOnce(resource, 100, 1000);
      assert.equal((await readOnce(resource, 100, 1000)).now, false);
    } finally {
      resource.release();
    }
    const source = new FileSource(dir, { openFileCache: false });
    const first = (await source.lookup('f.mp4'))!;
    await readOnce(first, 0, 1000);
    first.release();
    const second = (await source.lookup('f.mp4'))!;
    assert.equal((await readOnce(second, 0, 1000)).now, false);
    second.release();
  });
});
