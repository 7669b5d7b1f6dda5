import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Koa from 'koa';
import compress from 'koa-compress';
import { seekable, sendVideo } from '../../src/adapters/koa.js';
import { signQuery } from '../../src/serve/signing.js';
import type { FileSource } from '../../src/source/file/file-source.js';
import { parseMultipart, request, waitFor } from '../support/http.js';

const SIZE = 3 * 1024 * 1024;
const bytes = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 31) % 251));
const text = 'compressible text '.repeat(2000);

describe('seekable/koa', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  let media: ReturnType<typeof seekable>;
  const downstream: string[] = [];
  const seenUpstream: number[] = [];
  const appErrors: unknown[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-koa-'));
    await mkdir(path.join(dir, 'media'));
    await writeFile(path.join(dir, 'media', 'clip.mp4'), bytes);
    await writeFile(path.join(dir, 'media', 'notes.txt'), text);
    await writeFile(path.join(dir, 'secret.txt'), 'not to be served');
    media = seekable(path.join(dir, 'media'), { prefix: '/media', cacheControl: 'public, max-age=60' });
    const signed = seekable(path.join(dir, 'media'), { prefix: '/signed', secrets: ['s3cret'] });
    const app = new Koa();
    app.on('error', (err: unknown) => appErrors.push(err));
    app.use(async (ctx, next) => {
      await next();
      seenUpstream.push(ctx.status);
    });
    app.use(compress({ threshold: 0 }));
    app.use(media);
    app.use(signed);
    app.use(async (ctx, next) => {
      if (ctx.path === '/videos/42')
        return sendVideo(ctx, 'clip.mp4', {
          source: media.source,
          name: 'lecture.mp4',
          download: true,
          cacheControl: 'private',
          headers: { 'X-Id': '42' },
        });
      if (ctx.path === '/by-path') return sendVideo(ctx, path.join(dir, 'media', 'clip.mp4'));
      if (ctx.path === '/own') return sendVideo(ctx, await media.source.lookup('clip.mp4'), { name: 'own.mp4' });
      if (ctx.path === '/none') return sendVideo(ctx, undefined);
      downstream.push(`${ctx.method} ${ctx.path}`);
      await next();
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    media.close();
    await rm(dir, { recursive: true });
  });

  it('serves the whole file, a range, a suffix and multipart, byte-exact, seen upstream', async () => {
    const whole = await request(`${url}/media/clip.mp4`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['cache-control'], 'public, max-age=60');
    assert.equal(whole.headers['content-type'], 'video/mp4');
    assert.ok(whole.body.equals(bytes));
    const range = await request(`${url}/media/clip.mp4`, { headers: { Range: 'bytes=1000-200999' } });
    assert.equal(range.status, 206);
    assert.equal(range.headers['content-range'], `bytes 1000-200999/${SIZE}`);
    assert.ok(range.body.equals(bytes.subarray(1000, 201000)));
    const suffix = await request(`${url}/media/clip.mp4`, { headers: { Range: 'bytes=-10' } });
    assert.ok(suffix.body.equals(bytes.subarray(SIZE - 10)));
    const multi = await request(`${url}/media/clip.mp4`, { headers: { Range: 'bytes=0-9,2000000-2000009' } });
    assert.equal(multi.status, 206);
    const parts = parseMultipart(multi.body, multi.headers['content-type']!);
    assert.deepEqual(
      parts.map((p) => p.data),
      [bytes.subarray(0, 10), bytes.subarray(2000000, 2000010)],
    );
    assert.ok(seenUpstream.includes(206), 'upstream middleware sees the status after next()');
    // A body the executor writes straight into the response still ends Koa's pipeline cleanly.
    assert.deepEqual(appErrors, []);
  });

  it('koa-compress leaves a 206 (and the whole file) as it is', async () => {
    const partial = await request(`${url}/media/notes.txt`, { headers: { Range: 'bytes=0-99', 'Accept-Encoding': 'gzip' } });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers['content-encoding'], undefined);
    assert.equal(partial.headers['content-length'], '100');
    assert.equal(partial.body.toString(), text.slice(0, 100));
    const whole = await request(`${url}/media/notes.txt`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(whole.headers['content-encoding'], undefined);
    assert.equal(whole.body.toString(), text);
  });

  it('sendVideo: a key of a source, a path, a resource, nothing; with per-call options', async () => {
    const byKey = await request(`${url}/videos/42`, { headers: { Range: 'bytes=5-9' } });
    assert.equal(byKey.status, 206);
    assert.equal(byKey.headers['content-disposition'], 'attachment; filename="lecture.mp4"');
    assert.equal(byKey.headers['cache-control'], 'private');
    assert.equal(byKey.headers['x-id'], '42');
    assert.ok(byKey.body.equals(bytes.subarray(5, 10)));
    const byPath = await request(`${url}/by-path`, { headers: { Range: 'bytes=0-3' } });
    assert.equal(byPath.status, 206);
    assert.equal(byPath.headers['content-type'], 'video/mp4');
    assert.ok(byPath.body.equals(bytes.subarray(0, 4)));
    const own = await request(`${url}/own`, { headers: { Range: 'bytes=0-3' } });
    assert.ok(own.body.equals(bytes.subarray(0, 4)));
    assert.equal((await request(`${url}/none`)).status, 404);
  });

  it('signed links: a bad token is refused, a signed one served', async () => {
    assert.equal((await request(`${url}/signed/clip.mp4`)).status, 403);
    const query = signQuery('clip.mp4', 's3cret', { expires: Math.floor(Date.now() / 1000) + 60 });
    const r = await request(`${url}/signed/clip.mp4?${query}`, { headers: { Range: 'bytes=0-1' } });
    assert.equal(r.status, 206);
    assert.ok(r.body.equals(bytes.subarray(0, 2)));
  });

  it('an abort mid-body leaves no descriptor open', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${url}/media/clip.mp4`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve() : reject(err)));
    });
    const source = media.source as FileSource;
    source.close();
    assert.equal(
      await waitFor(
        () => source.openDescriptors,
        (n) => n === 0,
      ),
      0,
    );
  });
});
