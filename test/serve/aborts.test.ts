import assert from 'node:assert/strict';
import { once } from 'node:events';
import { appendFile, mkdtemp, open, rename, rm, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHandler, type Handler } from '../../src/serve/handler.js';
import { leakedDescriptors, request, startServer, type TestServer } from '../support/http.js';

const MiB = 1024 ** 2;

describe('aborted and changing downloads', () => {
  let dir: string;
  let server: TestServer;
  let handler: Handler;
  const logs: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-abort-'));
    await writeFile(path.join(dir, 'big.mp4'), Buffer.alloc(64 * MiB, 1));
    handler = createHandler(dir, { log: (l) => logs.push(l) });
    server = await startServer(handler);
    await request(`${server.url}/big.mp4`, { method: 'HEAD' }); // warm up lazily opened handles
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true });
  });

  /** Starts a download, waits for the first body bytes, then cuts the connection. */
  function abortMidBody(headers: Record<string, string> = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${server.url}/big.mp4`, { headers, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    });
  }

  it('100 downloads aborted mid-body leave no descriptor open', async () => {
    const ranges: Record<string, string>[] = [{}, { Range: 'bytes=1000-' }, { Range: 'bytes=0-10,20000000-40000000' }];
    for (let i = 0; i < 100; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => abortMidBody(ranges[(i + j) % ranges.length])));
    }
    assert.equal(await leakedDescriptors(handler), 0, 'descriptors left open');
    assert.deepEqual(logs, []);
  });

  for (const [what, range] of [
    ['whole-file', ''],
    ['multipart', 'Range: bytes=0-10,20000000-40000000\r\n'],
  ]) {
    it(`pipelined ${what} requests on a keep-alive socket that closes leave no descriptor open`, async () => {
      for (let i = 0; i < 20; i++) {
        const socket = net.connect(server.port, '127.0.0.1');
        await once(socket, 'connect');
        const get = `GET /big.mp4 HTTP/1.1\r\nHost: x\r\n${range}\r\n`;
        socket.write(get + get + get); // the second and third responses queue behind the first
        await once(socket, 'data');
        socket.destroy();
      }
      assert.equal(await leakedDescriptors(handler), 0, 'descriptors left open');
    });
  }

  it('a file that shrinks while streaming ends the connection early, never sending a short "complete" body', async () => {
    const file = path.join(dir, 'shrinking.mp4');
    await writeFile(file, Buffer.alloc(64 * MiB, 2));
    const result = await new Promise<{ received: number; complete: boolean; length: number }>((resolve) => {
      http.get(`${server.url}/shrinking.mp4`, { agent: false }, (res) => {
        let received = 0;
        res.once('data', () => {
          res.pause();
          void truncate(file, MiB).then(() => res.resume());
        });
        res.on('data', (c: Buffer) => (received += c.length));
        const done = () => resolve({ received, complete: res.complete, length: Number(res.headers['content-length']) });
        res.on('close', done);
      });
    });
    assert.equal(result.length, 64 * MiB);
    assert.equal(result.complete, false);
    assert.ok(result.received < 64 * MiB, `received ${result.received}`);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /ShortReadError/);
    logs.length = 0;
  });

  it('a file rewritten in place while streaming ends the connection before the body completes', async () => {
    const file = path.join(dir, 'rewritten.mp4');
    await writeFile(file, Buffer.alloc(8 * MiB, 3));
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const result = await new Promise<{ received: number; complete: boolean }>((resolve) => {
      http.get(`${server.url}/rewritten.mp4`, { agent: false }, (res) => {
        let received = 0;
        res.once('data', () => {
          res.pause();
          // Same size, new bytes, no truncation: only the modification time tells.
          void open(file, 'r+')
            .then(async (handle) => {
              await handle.write(Buffer.alloc(8 * MiB, 4), 0, 8 * MiB, 0);
              await handle.close();
            })
            .then(() => res.resume());
        });
        res.on('data', (c: Buffer) => (received += c.length));
        res.on('close', () => resolve({ received, complete: res.complete }));
      });
    });
    assert.equal(result.complete, false);
    assert.ok(result.received < 8 * MiB, `received ${result.received}`);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /ChangedError/);
    logs.length = 0;
  });

  /** Streams a whole file, running `midway` after the first chunk; resolves with what arrived. */
  function streamWith(name: string, midway: () => Promise<void>): Promise<{ body: Buffer; complete: boolean; length: number }> {
    return new Promise((resolve) => {
      http.get(`${server.url}/${name}`, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.once('data', () => {
          res.pause();
          void midway().then(() => res.resume());
        });
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('close', () => resolve({ body: Buffer.concat(chunks), complete: res.complete, length: Number(res.headers['content-length']) }));
      });
    });
  }

  it('a file growing while it streams: the response is exactly the length it announced', async () => {
    const file = path.join(dir, 'growing.mp4');
    await writeFile(file, Buffer.alloc(8 * MiB, 6));
    const r = await streamWith('growing.mp4', () => appendFile(file, Buffer.alloc(4 * MiB, 7)));
    assert.equal(r.complete, true);
    assert.equal(r.length, 8 * MiB);
    assert.ok(r.body.equals(Buffer.alloc(8 * MiB, 6)));
    const next = await request(`${server.url}/growing.mp4`, { method: 'HEAD' });
    assert.equal(next.headers['content-length'], String(12 * MiB)); // the next request sees the new size
  });

  it('a file deleted while it streams is still served whole, then 404', async () => {
    const file = path.join(dir, 'deleted.mp4');
    await writeFile(file, Buffer.alloc(8 * MiB, 8));
    const r = await streamWith('deleted.mp4', () => unlink(file));
    assert.equal(r.complete, true);
    assert.ok(r.body.equals(Buffer.alloc(8 * MiB, 8)));
    assert.equal((await request(`${server.url}/deleted.mp4`)).status, 404);
  });

  it('a file replaced between requests is served with its new validators', async () => {
    const file = path.join(dir, 'replaced.mp4');
    await writeFile(file, 'first version');
    const a = await request(`${server.url}/replaced.mp4`);
    await writeFile(`${file}.tmp`, 'the second, longer version');
    await rename(`${file}.tmp`, file);
    const b = await request(`${server.url}/replaced.mp4`, { headers: { 'If-None-Match': a.headers.etag! } });
    assert.equal(b.status, 200);
    assert.equal(b.body.toString(), 'the second, longer version');
    assert.notEqual(b.headers.etag, a.headers.etag);
  });
});
