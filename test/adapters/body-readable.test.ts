import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { PassThrough, pipeline } from 'node:stream';
import { describe, it } from 'node:test';
import { BodyReadable } from '../../src/adapters/body-readable.js';
import { BufferPool } from '../../src/serve/buffer-pool.js';
import { bufferResource } from '../../src/source/buffer-resource.js';
import type { Resource } from '../../src/source/types.js';
import { request, startServer, waitFor } from '../support/http.js';

const MiB = 1024 * 1024;
// Past the 16 MiB after which reads grow to 1 MiB: both read sizes are met.
const SIZE = 20 * MiB + 12345;
const bytes = Buffer.alloc(SIZE);
for (let i = 0; i + 4 <= SIZE; i += 4) bytes.writeUInt32LE(i, i);

/** A resource over `bytes` that counts its releases. */
function counted(): { resource: Resource; released: () => number } {
  let releases = 0;
  const inner = bufferResource(bytes, { mtimeMs: 0 });
  return {
    resource: { ...inner, release: () => void releases++ },
    released: () => releases,
  };
}

const whole = { type: 'bytes', range: { start: 0, end: SIZE - 1 } } as const;

describe('BodyReadable', () => {
  it('piped into a node:http response (as Koa pipes ctx.body), writes it itself into pooled buffers', async () => {
    const pool = new BufferPool();
    const { resource, released } = counted();
    const outcomes: (Error | undefined | null)[] = [];
    const server = await startServer((_req, res) => {
      // As Koa's respond() does: status and headers set on the response, then stream.pipeline.
      res.statusCode = 200;
      res.setHeader('Content-Length', String(SIZE));
      res.setHeader('X-Set-By', 'the framework');
      pipeline(new BodyReadable(whole, resource, pool), res, (err) => outcomes.push(err));
    });
    try {
      const reply = await request(server.url);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['x-set-by'], 'the framework');
      assert.ok(reply.body.equals(bytes), 'byte-exact');
      // Without the takeover the executor gets no pool (a Readable's chunks are never reused).
      assert.ok(pool.created > 0, 'read into the pool');
      // About 1,030 chunks (16 KiB up to 16 MiB, then 1 MiB): buffers are given back and taken again.
      assert.ok(pool.created < 200, `reused, not one per chunk (${pool.created} made)`);
      assert.equal(
        await waitFor(
          () => pool.outstanding,
          (n) => n === 0,
        ),
        0,
        'every buffer given back',
      );
      assert.equal(await waitFor(released, (n) => n === 1), 1);
      assert.deepEqual(
        await waitFor(
          () => outcomes,
          (o) => o.length > 0,
        ),
        [undefined],
        'the pipeline ends without an error',
      );
    } finally {
      await server.close();
    }
  });

  it('piped anywhere else, is an ordinary Readable: fresh chunks, byte-exact', async () => {
    const pool = new BufferPool();
    const { resource, released } = counted();
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve, reject) => pipeline(new BodyReadable(whole, resource, pool), sink, (err) => (err ? reject(err) : resolve())));
    assert.ok(Buffer.concat(chunks).equals(bytes));
    assert.equal(pool.created, 0, 'a consumer may keep its chunks: none from the pool');
    assert.equal(released(), 1);
  });

  it('piped with end: false leaves the response open for whoever piped it, and ends itself', async () => {
    const { resource } = counted();
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Length', String(SIZE + 5));
      const body = new BodyReadable(whole, resource, new BufferPool());
      body.pipe(res, { end: false });
      body.on('end', () => res.end('after'));
    });
    try {
      const reply = await request(server.url);
      assert.ok(reply.body.equals(Buffer.concat([bytes, Buffer.from('after')])));
    } finally {
      await server.close();
    }
  });

  it('a client that goes away mid-body ends it and releases the resource', async () => {
    const { resource, released } = counted();
    const errors: unknown[] = [];
    const server = await startServer((_req, res) => {
      res.setHeader('Content-Length', String(SIZE));
      pipeline(new BodyReadable(whole, resource, new BufferPool()), res, (err) => errors.push(err));
    });
    try {
      const http = await import('node:http');
      await new Promise<void>((resolve) => {
        const req = http.get(server.url, { agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
      });
      assert.equal(await waitFor(released, (n) => n === 1), 1);
      assert.equal(
        (
          await waitFor(
            () => errors,
            (e) => e.length > 0,
          )
        ).length,
        1,
        'the pipeline hears of it',
      );
    } finally {
      await server.close();
    }
  });

  it("piped into node:http2's compatibility response, arrives whole, in fresh buffers (its write is not node:http's)", async () => {
    const pool = new BufferPool();
    const { resource, released } = counted();
    const server = http2.createServer((_req, res) => {
      res.statusCode = 200;
      res.setHeader('Content-Length', String(SIZE));
      pipeline(new BodyReadable(whole, resource, pool), res, () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const stream = session.request({ ':path': '/' });
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      await once(stream, 'end');
      assert.equal(headers[':status'], 200);
      assert.ok(Buffer.concat(chunks).equals(bytes));
      assert.equal(pool.created, 0);
      assert.equal(await waitFor(released, (n) => n === 1), 1);
    } finally {
      session.close();
      server.close();
    }
  });
});
