import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadAssets } from '../../src/app/assets.js';

const built = new URL('../../dist/browser/', import.meta.url);

describe('loadAssets: the built browser files, named by their content', () => {
  it('gives each role a hashed URL under /assets/ that names a file in memory, with its type', async () => {
    const { urls, files } = await loadAssets();
    assert.match(urls.style, /^\/assets\/style\.[0-9a-f]{8}\.css$/);
    assert.match(urls.library, /^\/assets\/library\.[0-9a-f]{8}\.js$/);
    assert.match(urls.player, /^\/assets\/player\.[0-9a-f]{8}\.js$/);
    assert.match(urls.icon, /^\/assets\/icon\.[0-9a-f]{8}\.svg$/);
    assert.deepEqual(
      [...files.keys()].sort(),
      Object.values(urls)
        .map((u) => u.slice('/assets/'.length))
        .sort(),
    );
    const file = (url: string) => files.get(url.slice('/assets/'.length))!;
    assert.equal(file(urls.style).type, 'text/css; charset=utf-8');
    assert.equal(file(urls.library).type, 'text/javascript; charset=utf-8');
    assert.equal(file(urls.player).type, 'text/javascript; charset=utf-8');
    assert.equal(file(urls.icon).type, 'image/svg+xml');
    const library = file(urls.library);
    const hash = createHash('sha256').update(library.bytes).digest('hex');
    assert.ok(urls.library.includes(`.${hash.slice(0, 8)}.`), 'the name carries the content hash');
    assert.equal(library.etag, `"${hash.slice(0, 32)}"`);
    assert.match(library.bytes.toString(), /May not play in this browser/);
  });

  it('a changed file gets a new name; the others keep theirs', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'seekable-assets-'));
    try {
      await cp(built, copy, { recursive: true });
      const before = await loadAssets(pathToFileURL(`${copy}/`));
      await writeFile(path.join(copy, 'style.css'), 'body { color: red; }\n');
      const after = await loadAssets(pathToFileURL(`${copy}/`));
      assert.notEqual(after.urls.style, before.urls.style);
      assert.equal(after.urls.library, before.urls.library);
      assert.equal(after.files.get(after.urls.style.slice('/assets/'.length))!.bytes.toString(), 'body { color: red; }\n');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('a missing build is a clear error', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'seekable-no-assets-'));
    try {
      await assert.rejects(loadAssets(pathToFileURL(`${empty}/`)), /^Error: browser assets not built: run npm run build/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
