/** S3Source against a real S3-protocol server (s3rver) on loopback: lookup, metadata, listing, ranges, URLs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHandler } from '../../src/serve/handler.js';
import { listAll } from '../../src/source/list-all.js';
import type { StoreOperation } from '../../src/source/s3/s3-source.js';
import type { RangeReader } from '../../src/source/types.js';
import { request, startServer } from '../support/http.js';
import { startStore, type TestStore } from '../support/s3.js';

let store: TestStore;
const clip = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));

before(async () => {
  store = await startStore();
  await store.put('clip.mp4', clip, 'video/mp4');
  await store.put('untyped.webm', 'webm bytes'); // the store's default type: the name says more
  await store.put('empty/', ''); // a folder marker, as consoles make them
  await store.put('folder/a b ü.mp4', 'spaces and more');
  await store.put('folder/.hidden.mp4', 'hidden');
  await store.put('library/film.mp4', 'in the prefix');
  await store.put('library/shorts/one.mp4', 'one');
});
after(() => store.close());

/** Reads a whole range through a reader, in reads of at most `step` bytes. */
async function readAll(reader: RangeReader, length: number, step = 65536): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let got = 0; got < length; ) {
    const buffer = Buffer.alloc(Math.min(step, length - got));
    const n = await reader.read(buffer, buffer.length);
    parts.push(buffer.subarray(0, n));
    got += n;
  }
  reader.close();
  return Buffer.concat(parts);
}

describe('S3Source lookup', () => {
  it('takes size, ETag, Last-Modified and type from the store', async () => {
    const source = store.source();
    const resource = await source.lookup('clip.mp4');
    assert.ok(resource);
    assert.equal(resource.size, clip.length);
    assert.match(resource.etag ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal(resource.contentType, 'video/mp4');
    assert.ok(Math.abs(resource.mtimeMs - Date.now()) < 120_000);
    assert.ok((await readAll(resource.readRange(1000, 250_999), 250_000)).equals(clip.subarray(1000, 251_000)));
    source.close();
  });

  it("leaves a store's generic type out, so the name gives it", async () => {
    const source = store.source();
    assert.equal((await source.lookup('untyped.webm'))?.contentType, undefined);
    source.close();
  });

  it('finds nothing for missing keys, unsafe keys and dot-names, and asks the store only for the missing one', async () => {
    const asked: StoreOperation[] = [];
    const source = store.source({ observer: { storeRequest: (operation) => asked.push(operation as StoreOperation) } });
    for (const key of ['missing.mp4', '../clip.mp4', 'folder/../clip.mp4', '/clip.mp4', 'folder/.hidden.mp4', 'empty/']) {
      assert.equal(await source.lookup(key), undefined, key);
    }
    assert.deepEqual(asked, ['head']);
    source.close();
  });

  it("a player's burst of requests costs one HEAD (the metadata cache), one presigned URL, and one GET per range", async () => {
    const asked: StoreOperation[] = [];
    const hits: boolean[] = [];
    const source = store.source({
      observer: { storeRequest: (op) => asked.push(op as StoreOperation), cacheLookup: (_cache, hit) => hits.push(hit) },
    });
    const handler = createHandler(source);
    const server = await startServer((req, res) => handler(req, res));
    try {
      for (const range of ['bytes=0-1', 'bytes=0-', 'bytes=200000-', 'bytes=100-199']) {
        const r = await request(`${server.url}/clip.mp4`, { headers: { Range: range } });
        assert.equal(r.status, 206);
      }
      assert.deepEqual(asked, ['head', 'presign', 'get', 'get', 'get', 'get']);
      assert.deepEqual(hits, [false, true, true, true]);
    } finally {
      await server.close();
      source.close();
    }
  });
});

describe('S3Source list', () => {
  it('lists every object under a prefix, page by page, without folder markers or hidden names', async () => {
    const source = store.source();
    const keys = [];
    for await (const file of listAll(source)) keys.push(file.key);
    assert.deepEqual(keys.sort(), ['clip.mp4', 'folder/a b ü.mp4', 'library/film.mp4', 'library/shorts/one.mp4', 'untyped.webm']);
    const first = await source.list('', { limit: 2 });
    assert.ok(first.next !== undefined, 'a cursor for the next page');
    const second = await source.list('', { cursor: first.next, limit: 2 });
    assert.equal(new Set([...first.files, ...second.files].map((f) => f.key)).size, first.files.length + second.files.length, 'no key twice');
    source.close();
  });

  it('serves a bucket prefix as its root', async () => {
    const source = store.source({ prefix: 'library' });
    const files = [];
    for await (const file of listAll(source)) files.push(file);
    assert.deepEqual(files.map((f) => f.key).sort(), ['film.mp4', 'shorts/one.mp4']);
    assert.equal(files.find((f) => f.key === 'film.mp4')?.size, 'in the prefix'.length);
    assert.match(files[0]?.etag ?? '', /^"/);
    assert.equal((await source.list('shorts/')).files[0]?.key, 'shorts/one.mp4');
    assert.equal(await source.lookup('clip.mp4'), undefined, 'nothing outside the prefix');
    assert.equal(source.id, `s3://videos/library/ at ${store.endpoint}`);
    source.close();
  });
});

describe('S3Source URLs', () => {
  it('urlFor gives a URL a tool can read with ranges', async () => {
    const source = store.source();
    const url = await source.urlFor('clip.mp4');
    if (url === undefined) return assert.fail('no URL');
    assert.ok(url.startsWith(`${store.endpoint}/videos/clip.mp4?`));
    const r = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    assert.equal(r.status, 206);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(clip.subarray(10, 20)));
    assert.equal(await source.urlFor('../x'), undefined);
    source.close();
  });

  it('redirect mode answers media requests with a 307 to a presigned URL that serves the bytes', async () => {
    const source = store.source({ redirect: { expiresIn: 60 } });
    const handler = createHandler(source);
    const server = await startServer((req, res) => handler(req, res));
    try {
      const r = await request(`${server.url}/clip.mp4`, { headers: { Range: 'bytes=0-1' } });
      assert.equal(r.status, 307);
      assert.equal(r.headers['cache-control'], 'private, no-store');
      const location = String(r.headers.location);
      assert.match(location, /X-Amz-Expires=60/);
      const bytes = await fetch(location, { headers: { Range: 'bytes=0-1' } });
      assert.equal(bytes.status, 206);
      assert.ok(Buffer.from(await bytes.arrayBuffer()).equals(clip.subarray(0, 2)));
      assert.equal((await request(`${server.url}/missing.mp4`)).status, 404, 'a missing key is still ours to answer');
    } finally {
      await server.close();
      source.close();
    }
  });
});
