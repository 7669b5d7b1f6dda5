import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { link, mkdir, mkdtemp, open, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resourceReader } from '../../src/media/resource-reader.js';
import { FileSource } from '../../src/source/file/file-source.js';
import { waitFor } from '../support/http.js';

describe('the open-file cache', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'seekable-fcache-'));
    root = path.join(base, 'root');
    await mkdir(root);
    await writeFile(path.join(base, 'outside.mp4'), 'outside!');
    for (const name of ['a.mp4', 'b.mp4', 'c.mp4']) await writeFile(path.join(root, name), name);
  });
  after(() => rm(base, { recursive: true }));

  async function look(source: FileSource, key: string, options?: { keep?: boolean }) {
    const r = await source.lookup(key, options);
    r?.release();
    return r;
  }

  it('keeps a looked-up file open: the next lookup opens nothing', async () => {
    const source = new FileSource(root, { openFileCache: { ttl: 60_000 } });
    const held = () => source.openDescriptors;
    await look(source, 'a.mp4');
    assert.equal(held(), 1); // held by the cache
    for (let i = 0; i < 5; i++) await look(source, 'a.mp4');
    assert.equal(held(), 1);
    source.close();
    assert.equal(await waitFor(held, (n) => n === 0), 0);
  });

  /** Counts calls of one node:fs function while `body` runs (named imports see the spy too). */
  async function counting(name: 'open' | 'statSync', body: () => Promise<void>): Promise<number> {
    const original = fs[name] as (...args: unknown[]) => unknown;
    let calls = 0;
    (fs as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    };
    syncBuiltinESMExports();
    try {
      await body();
    } finally {
      (fs as unknown as Record<string, unknown>)[name] = original;
      syncBuiltinESMExports();
    }
    return calls;
  }

  it('keeps a file in steady demand open past the TTL: it expires only after its last request', async () => {
    const source = new FileSource(root, { openFileCache: { ttl: 300 } });
    try {
      await look(source, 'c.mp4');
      const opens = await counting('open', async () => {
        for (let i = 0; i < 10; i++) {
          await new Promise((resolve) => setTimeout(resolve, 60));
          assert.ok(await look(source, 'c.mp4'));
        }
      });
      assert.equal(opens, 0, 'opened again while in demand');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await counting('open', async () => void (await look(source, 'c.mp4'))), 1, 'expired once left alone');
    } finally {
      source.close();
    }
  });

  it('shares one revalidating stat among the hits of a millisecond, and sees a change made after it', async () => {
    const source = new FileSource(root, { openFileCache: { ttl: 60_000 } });
    const file = path.join(root, 'shared.mp4');
    await writeFile(file, 'first');
    try {
      await look(source, 'shared.mp4');
      const stats = await counting('statSync', async () => {
        const resources = await Promise.all(Array.from({ length: 10 }, () => source.lookup('shared.mp4')));
        for (const r of resources) r?.release();
      });
      assert.ok(stats >= 1 && stats <= 2, `${stats} stats for 10 hits at once`);
      // The entry was just checked by a hit; a replacement a few ms later is seen by the next one.
      await writeFile(`${file}.new`, 'second, longer');
      await rename(`${file}.new`, file);
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal((await look(source, 'shared.mp4'))?.size, 'second, longer'.length);
    } finally {
      source.close();
    }
  });

  it('sees a new hard link or a chmod on a file in steady demand (ctime)', async () => {
    const source = new FileSource(root, { openFileCache: { ttl: 60_000 }, hardLinks: false });
    const file = path.join(root, 'linked.mp4');
    await writeFile(file, 'linked');
    try {
      assert.ok(await look(source, 'linked.mp4'));
      assert.ok(await look(source, 'linked.mp4'));
      await link(file, path.join(base, 'elsewhere.mp4'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(await look(source, 'linked.mp4'), undefined, 'refused once it has another link');
    } finally {
      source.close();
    }
  });

  it('evicts the file least recently asked for when full', async () => {
    const source = new FileSource(root, { openFileCache: { ttl: 60_000, size: 2 } });
    try {
      await look(source, 'a.mp4');
      await look(source, 'b.mp4');
      await look(source, 'a.mp4'); // a hit: a is now the youngest
      await look(source, 'c.mp4'); // full: b goes
      assert.equal(await counting('open', async () => void (await look(source, 'a.mp4'))), 0);
      assert.equal(await counting('open', async () => void (await look(source, 'b.mp4'))), 1);
    } finally {
      source.close();
    }
  });

  it('sees a replaced or rewritten file on the very next lookup', async () => {
    const source = new FileSource(root, { openFileCache: { ttl: 60_000 } });
    const file = path.join(root, 'b.mp4');
    const first = (await look(source, 'b.mp4'))!;
    await writeFile(`${file}.new`, 'b, replaced');
    await rename(`${file}.new`, file);
    const replaced = (await look(source, 'b.mp4'))!;
    assert.equal(replaced.size, 'b, replaced'.length);
    const handle = await open(file, 'r+'); // same size, new bytes, new mtime
    await handle.write('B', 0);
    await handle.close();
    const later = new Date(Date.now() + 3000);
    await utimes(file, later, later);
    const rewritten = (await look(source, 'b.mp4'))!;
    assert.notEqual(rewritten.mtimeMs, replaced.mtimeMs);
    assert.notEqual(first.mtimeMs, rewritten.mtimeMs);
    await unlink(file);
    assert.equal(await look(source, 'b.mp4'), undefined);
    source.close();
  });

  it('a symlink pointed out of the root after caching is refused at once', async () => {
    const source = new FileSource(root, { openFileCache: { ttl: 60_000 } });
    const link = path.join(root, 'link.mp4');
    await symlink(path.join(root, 'c.mp4'), link);
    assert.ok(await look(source, 'link.mp4'));
    await unlink(link);
    await symlink(path.join(base, 'outside.mp4'), link);
    assert.equal(await look(source, 'link.mp4'), undefined);
    source.close();
  });

  it('small reads of a file just served are exact, in the hot first MiB and past it', async () => {
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7) % 251));
    await writeFile(path.join(root, 'big.mp4'), bytes);
    const source = new FileSource(root, { openFileCache: { ttl: 60_000 } });
    await look(source, 'big.mp4'); // now cached: the next lookup is a hit
    const hit = (await source.lookup('big.mp4'))!;
    try {
      const reader = resourceReader(hit);
      for (const [start, length] of [
        [0, 2],
        [1000, 64 * 1024],
        [1024 * 1024 - 10, 10],
        [2 * 1024 * 1024, 500],
      ] as const) {
        assert.ok((await reader.read(start, length)).equals(bytes.subarray(start, start + length)), `${start}+${length}`);
      }
      const pastEnd = hit.readRange(3 * 1024 * 1024 - 1, 3 * 1024 * 1024);
      await assert.rejects(
        pastEnd.read(Buffer.alloc(2), 2).then(() => pastEnd.read(Buffer.alloc(1), 1)),
        /ShortReadError|file ended/,
      );
      pastEnd.close();
    } finally {
      hit.release();
      source.close();
    }
  });

  it('closes what expires, keeps at most its size in files, and can be bypassed', async () => {
    // What the source itself holds: a count of the whole process's descriptors also sees the
    // asynchronous closes of earlier tests, and failed one run in five that way.
    const source = new FileSource(root, { openFileCache: { ttl: 200, size: 2 } });
    const held = () => source.openDescriptors;
    await look(source, 'a.mp4');
    await look(source, 'c.mp4');
    await look(source, 'link.mp4');
    assert.equal(await waitFor(held, (n) => n === 2), 2); // the oldest was evicted
    await look(source, 'a.mp4', { keep: false });
    assert.equal(await waitFor(held, (n) => n === 2), 2); // not kept (closing is asynchronous)
    assert.equal(await waitFor(held, (n) => n === 0, 3000), 0); // expired and swept
    source.close();
  });
});
