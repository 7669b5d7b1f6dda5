import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import seekable from '../../src/adapters/fastify.js';
import { signQuery } from '../../src/serve/signing.js';
import { FileSource } from '../../src/source/file/file-source.js';
import type { Source } from '../../src/source/types.js';
import { parseMultipart, request, waitFor } from '../support/http.js';

const SIZE = 3 * 1024 * 1024;
const bytes = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 31) % 251));

/** Fastify on an ephemeral loopback port, with its log lines collected. */
async function start(setup: (app: FastifyInstance) => void | Promise<void>) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
      callback();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream } });
  await setup(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, lines };
}

describe('seekable/fastify', () => {
  let dir: string;
  let source: FileSource;
  let server: Awaited<ReturnType<typeof start>>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-fastify-'));
    await mkdir(path.join(dir, 'media'));
    await writeFile(path.join(dir, 'media', 'clip.mp4'), bytes);
    await writeFile(path.join(dir, 'secret.txt'), 'not to be served');
    source = new FileSource(path.join(dir, 'media'));
    server = await start(async (app) => {
      await app.register(seekable, { root: source, prefix: '/media', cacheControl: 'public, max-age=60' });
      app.get('/videos/:id', async (req, reply) => {
        const { id } = req.params as { id: string };
        if (id === '42')
          return reply.sendVideo('clip.mp4', { name: 'lecture.mp4', download: true, cacheControl: 'private', headers: { 'X-Id': id } });
        if (id === 'own') return reply.sendVideo(await source.lookup('clip.mp4'), { name: 'own.mp4' });
        return reply.sendVideo(undefined);
      });
    });
  });
  after(async () => {
    await server.app.close();
    source.close();
    await rm(dir, { recursive: true });
  });

  it('serves the whole file, a range, a suffix and multipart, byte-exact', async () => {
    const whole = await request(`${server.url}/media/clip.mp4`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['cache-control'], 'public, max-age=60');
    assert.ok(whole.body.equals(bytes));
    const range = await request(`${server.url}/media/clip.mp4`, { headers: { Range: 'bytes=1000-200999' } });
    assert.equal(range.status, 206);
    assert.equal(range.headers['content-range'], `bytes 1000-200999/${SIZE}`);
    assert.ok(range.body.equals(bytes.subarray(1000, 201000)));
    const suffix = await request(`${server.url}/media/clip.mp4`, { headers: { Range: 'bytes=-10' } });
    assert.equal(suffix.status, 206);
    assert.ok(suffix.body.equals(bytes.subarray(SIZE - 10)));
    const multi = await request(`${server.url}/media/clip.mp4`, { headers: { Range: 'bytes=0-9,2000000-2000009' } });
    assert.equal(multi.status, 206);
    const parts = parseMultipart(multi.body, multi.headers['content-type']!);
    assert.deepEqual(
      parts.map((p) => p.data),
      [bytes.subarray(0, 10), bytes.subarray(2000000, 2000010)],
    );
  });

  it('reply.sendVideo serves a key or a resource your route resolved, with per-call options', async () => {
    const byKey = await request(`${server.url}/videos/42`, { headers: { Range: 'bytes=5-9' } });
    assert.equal(byKey.status, 206);
    assert.equal(byKey.headers['content-disposition'], 'attachment; filename="lecture.mp4"');
    assert.equal(byKey.headers['cache-control'], 'private');
    assert.equal(byKey.headers['x-id'], '42');
    assert.ok(byKey.body.equals(bytes.subarray(5, 10)));
    const own = await request(`${server.url}/videos/own`, { headers: { Range: 'bytes=0-3' } });
    assert.equal(own.status, 206);
    assert.ok(own.body.equals(bytes.subarray(0, 4)));
    assert.equal((await request(`${server.url}/videos/none`)).status, 404);
  });

  it("Fastify's logger records the answer's completion line with its status", async () => {
    await request(`${server.url}/media/clip.mp4`, { headers: { Range: 'bytes=0-1' } });
    const done = await waitFor(
      () => server.lines.filter((l) => l.msg === 'request completed' && (l.res as { statusCode: number }).statusCode === 206),
      (found) => found.length > 0,
    );
    assert.ok(done.length > 0, 'a completion line with 206');
  });

  it('an abort mid-body leaves no descriptor open', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${server.url}/media/clip.mp4`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve() : reject(err)));
    });
    source.close(); // empties the open-file cache; a descriptor a body still holds stays counted
    assert.equal(
      await waitFor(
        () => source.openDescriptors,
        (n) => n === 0,
      ),
      0,
    );
  });
});

describe('seekable/fastify in the lifecycle', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-fastify-life-'));
    await writeFile(path.join(dir, 'clip.mp4'), bytes);
  });
  after(() => rm(dir, { recursive: true }));

  it('an onRequest hook refuses before any lookup; headers hooks set go out with the bytes', async () => {
    let lookups = 0;
    const inner = new FileSource(dir);
    const counting: Source = {
      lookup: (key, options) => {
        lookups++;
        return inner.lookup(key, options);
      },
    };
    const { app, url } = await start(async (app) => {
      app.addHook('onRequest', async (req, reply) => {
        reply.header('X-Frame-Options', 'DENY');
        if (req.headers.authorization !== 'Bearer ok') return reply.code(401).send({ error: 'unauthorized' });
      });
      await app.register(seekable, { root: counting, prefix: '/media' });
    });
    try {
      assert.equal((await request(`${url}/media/clip.mp4`)).status, 401);
      assert.equal(lookups, 0);
      const ok = await request(`${url}/media/clip.mp4`, { headers: { Authorization: 'Bearer ok', Range: 'bytes=0-1' } });
      assert.equal(ok.status, 206);
      assert.equal(ok.headers['x-frame-options'], 'DENY');
    } finally {
      await app.close();
      inner.close();
    }
  });

  it("a failing lookup reaches Fastify's error handler", async () => {
    const failing: Source = { lookup: async () => Promise.reject(new Error('disk on fire')) };
    const { app, url } = await start(async (app) => {
      app.setErrorHandler((err: Error, _req, reply) => reply.code(502).send({ handled: err.message }));
      await app.register(seekable, { root: failing, prefix: '/media' });
      app.get('/one', (_req, reply) => reply.sendVideo('clip.mp4'));
    });
    try {
      for (const target of ['/media/clip.mp4', '/one']) {
        const r = await request(`${url}${target}`);
        assert.equal(r.status, 502);
        assert.deepEqual(JSON.parse(r.body.toString()), { handled: 'disk on fire' });
      }
    } finally {
      await app.close();
    }
  });

  it('signed links: a bad token is refused, a signed one served; a folder root is closed with the app', async () => {
    const { app, url } = await start(async (app) => {
      await app.register(seekable, { root: dir, prefix: '/signed', secrets: ['s3cret'] });
    });
    try {
      assert.equal((await request(`${url}/signed/clip.mp4`)).status, 403);
      const query = signQuery('clip.mp4', 's3cret', { expires: Math.floor(Date.now() / 1000) + 60 });
      const r = await request(`${url}/signed/clip.mp4?${query}`, { headers: { Range: 'bytes=0-1' } });
      assert.equal(r.status, 206);
      assert.ok(r.body.equals(bytes.subarray(0, 2)));
    } finally {
      await app.close();
    }
  });

  it('under an enclosing prefix, the route and the key both account for it', async () => {
    const { app, url } = await start(async (app) => {
      await app.register(
        async (api) => {
          await api.register(seekable, { root: dir, prefix: '/media' });
        },
        { prefix: '/api' },
      );
    });
    try {
      const r = await request(`${url}/api/media/clip.mp4`, { headers: { Range: 'bytes=2-3' } });
      assert.equal(r.status, 206);
      assert.ok(r.body.equals(bytes.subarray(2, 4)));
    } finally {
      await app.close();
    }
  });
});
