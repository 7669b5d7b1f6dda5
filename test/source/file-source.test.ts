import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, open, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { FileSource } from '../../src/source/file/file-source.js';
import { Jail } from '../../src/source/file/jail.js';
import { isSafeKey } from '../../src/source/keys.js';
import { listAll } from '../../src/source/list-all.js';
import type { Resource } from '../../src/source/types.js';

/** Reads a whole range the way the sender does: read after read until it is complete. */
async function readAll(r: Resource, start: number, end: number): Promise<Buffer> {
  const reader = r.readRange(start, end);
  const buffer = Buffer.alloc(end - start + 1);
  try {
    for (let filled = 0; filled < buffer.length; ) filled += await reader.read(buffer.subarray(filled), buffer.length - filled);
  } finally {
    reader.close();
  }
  return buffer;
}

describe('isSafeKey', () => {
  const safe = ['a.mp4', 'dir/a.mp4', 'a b/c d.mp4', 'Été.mp4', 'a..b.mp4', 'C:/x.mp4'];
  const unsafe = ['', '/abs.mp4', 'a/../b', '..', '.', './a', 'a/./b', 'a//b', 'a/', 'a\\b', 'a\0b', '.hidden', '..x', 'dir/.git/config'];
  for (const key of safe) it(`accepts ${JSON.stringify(key)}`, () => assert.equal(isSafeKey(key), true));
  for (const key of unsafe) it(`refuses ${JSON.stringify(key)}`, () => assert.equal(isSafeKey(key), false));
  it('accepts dot names when allowed, never dot segments', () => {
    assert.equal(isSafeKey('.hidden', true), true);
    assert.equal(isSafeKey('a/../b', true), false);
  });
});

describe('FileSource', () => {
  let base: string;
  let source: FileSource;

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'seekable-source-'));
    const root = path.join(base, 'root');
    await mkdir(path.join(root, 'a', 'b'), { recursive: true });
    await mkdir(path.join(root, '.cache'));
    await writeFile(path.join(root, 'top.mp4'), '0123456789');
    await writeFile(path.join(root, 'a', 'b', 'deep.webm'), 'x');
    await writeFile(path.join(root, '.cache', 'hidden.mp4'), 'x');
    await writeFile(path.join(base, 'outside.mp4'), 'x');
    await symlink(path.join(base, 'outside.mp4'), path.join(root, 'escape.mp4'));
    await symlink(path.join(root, 'top.mp4'), path.join(root, 'alias.mp4'));
    await symlink(path.join(root, 'a'), path.join(root, 'dirlink'));
    execFileSync('mkfifo', [path.join(root, 'pipe.mp4')]);
    // The root itself reached through a symlink.
    await symlink(root, path.join(base, 'root-link'));
    source = new FileSource(path.join(base, 'root-link'));
  });
  after(() => rm(base, { recursive: true }));

  it('stats a file through a symlinked root, with its size', async () => {
    const r = await source.lookup('top.mp4');
    assert.equal(r?.size, 10);
    r?.release();
  });

  it('streams exactly the range asked', async () => {
    const r = (await source.lookup('top.mp4'))!;
    const bytes = await readAll(r, 2, 5);
    r.release();
    assert.equal(bytes.toString(), '2345');
  });

  it('a range past the end of the file errors instead of ending short', async () => {
    const r = (await source.lookup('top.mp4'))!;
    await assert.rejects(readAll(r, 5, 20), /ShortReadError|file ended/);
    r.release();
  });

  it('finds nothing for directories, FIFOs, escapes and hidden names', async () => {
    for (const key of ['a', 'pipe.mp4', 'escape.mp4', '.cache/hidden.mp4', 'missing.mp4', 'top.mp4/x']) {
      assert.equal(await source.lookup(key), undefined, key);
    }
  });

  it('lists what it would serve, and only that', async () => {
    const keys: string[] = [];
    for await (const file of listAll(source)) keys.push(file.key);
    assert.deepEqual(keys.sort(), ['a/b/deep.webm', 'alias.mp4', 'top.mp4']);
  });
});

describe('FileSource.list', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'seekable-list-'));
    root = path.join(base, 'root');
    await mkdir(path.join(root, 'a', 'b'), { recursive: true });
    await mkdir(path.join(base, 'outside'));
    await writeFile(path.join(base, 'outside', 'secret.mp4'), 'secret');
    for (const key of ['a/1.mp4', 'a/b/2.mp4', 'a/b/3.mp4', 'a-z.mp4', 'z.mp4']) await writeFile(path.join(root, key), key);
    await symlink(path.join(base, 'outside'), path.join(root, 'out'));
    await link(path.join(root, 'z.mp4'), path.join(base, 'z-elsewhere.mp4'));
  });
  after(() => rm(base, { recursive: true }));

  it('pages resume after their cursor: every key once, in the same order, whatever the page size', async () => {
    const source = new FileSource(root);
    const all: string[] = [];
    for await (const file of listAll(source)) all.push(file.key);
    assert.deepEqual(all, ['a/1.mp4', 'a/b/2.mp4', 'a/b/3.mp4', 'a-z.mp4', 'z.mp4']);
    for (const limit of [1, 2, 3]) {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await source.list('', { cursor, limit });
        assert.ok(page.files.length <= limit);
        keys.push(...page.files.map((f) => f.key));
        cursor = page.next;
      } while (cursor !== undefined);
      assert.deepEqual(keys, all, `pages of ${limit}`);
    }
  });

  it('a prefix lists that folder; a prefix through a symlinked folder lists nothing from outside the root', async () => {
    const source = new FileSource(root);
    assert.deepEqual(
      (await source.list('a/b/')).files.map((f) => f.key),
      ['a/b/2.mp4', 'a/b/3.mp4'],
    );
    assert.deepEqual((await source.list('out/')).files, []);
    assert.deepEqual((await source.list('../')).files, []);
    assert.equal(await source.lookup('out/secret.mp4'), undefined);
  });

  it('lists files with other hard links only when it serves them', async () => {
    const keys = async (source: FileSource) => (await source.list('')).files.map((f) => f.key);
    assert.ok((await keys(new FileSource(root))).includes('z.mp4'));
    assert.ok(!(await keys(new FileSource(root, { hardLinks: false }))).includes('z.mp4'));
  });
});

describe('the jail after the open', () => {
  it('knows which file a descriptor really is, so a path swapped between check and open is caught', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'seekable-opened-'));
    try {
      await writeFile(path.join(base, 'a.mp4'), 'a');
      await writeFile(path.join(base, 'b.mp4'), 'b');
      const jail = new Jail(base, false);
      const handle = await open(path.join(base, 'a.mp4'), 'r');
      try {
        const real = await realpath(path.join(base, 'a.mp4'));
        assert.equal(await jail.isOpenedAt(handle.fd, real), true);
        assert.equal(await jail.isOpenedAt(handle.fd, await realpath(path.join(base, 'b.mp4'))), false);
      } finally {
        await handle.close();
      }
    } finally {
      await rm(base, { recursive: true });
    }
  });
});
