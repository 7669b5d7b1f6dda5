import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMediaServer } from '../../src/serve/create-server.js';
import { createHandler, type Handler } from '../../src/serve/handler.js';
import { leakedDescriptors, waitFor } from '../support/http.js';

const MiB = 1024 ** 2;
const SOCKETS = Number(process.env.SEEKABLE_IDLE_SOCKETS ?? 1000);

/** Time from sending a range request to holding its first 64 KiB of body, in ms. */
function timeToFirstBytes(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ port, host: '127.0.0.1', path: '/big.mp4', headers: { Range: 'bytes=1000000-' }, agent: false }, (res) => {
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= 64 * 1024) {
          resolve(performance.now() - t0);
          req.destroy();
        }
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('limits against hostile and stalled clients', () => {
  let dir: string;
  let handler: Handler;
  let server: http.Server;
  let port: number;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-limits-'));
    await writeFile(path.join(dir, 'big.mp4'), Buffer.alloc(64 * MiB, 9));
    handler = createHandler(dir);
    server = createMediaServer(handler, { headersTimeout: 1000, idleTimeout: 1500, maxConnections: SOCKETS + 50 });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true });
  });

  it(`${SOCKETS} idle and trickling sockets: a new viewer still gets its first bytes promptly, and they are cut`, { timeout: 30_000 }, async () => {
    const baseline = median(await Promise.all([0, 1, 2].map(() => timeToFirstBytes(port))));
    const sockets: net.Socket[] = [];
    let closed = 0;
    for (let i = 0; i < SOCKETS; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => closed++);
      // Half say nothing; half trickle a request that never ends (slowloris).
      if (i % 2 === 1) s.on('connect', () => s.write('GET /big.mp4 HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      sockets.push(s);
    }
    await waitFor(
      () => sockets.filter((s) => s.readyState === 'open').length,
      (n) => n >= SOCKETS * 0.95,
      5000,
    );
    const trickle = setInterval(() => {
      for (const [i, s] of sockets.entries()) if (i % 2 === 1 && !s.destroyed) s.write('a');
    }, 200);
    try {
      const times: number[] = [];
      for (let i = 0; i < 9; i++) times.push(await timeToFirstBytes(port));
      console.log(
        `# first 64 KiB: ${baseline.toFixed(1)} ms alone, ${median(times).toFixed(1)} ms (median of 9) beside ${SOCKETS} idle/trickling sockets`,
      );
      assert.ok(median(times) < 50, `median ${median(times)} ms`);
      const gone = await waitFor(
        () => closed,
        (n) => n === SOCKETS,
        6000,
      );
      assert.equal(gone, SOCKETS, 'the server closed every idle and trickling socket');
    } finally {
      clearInterval(trickle);
      for (const s of sockets) s.destroy();
    }
  });

  it('a client that stops reading is cut after the idle timeout, freeing its descriptor', { timeout: 15_000 }, async () => {
    // The paused client would not notice the close (it reads nothing, EOF included): watch the server's end.
    const serverSide = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /big.mp4 HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data');
    socket.pause(); // never reads again, never closes
    const t0 = Date.now();
    await once(await serverSide, 'close');
    const waited = Date.now() - t0;
    // Kernel buffers take a moment to fill; from then on nothing moves for the 1.5 s idle timeout.
    assert.ok(waited >= 1500 && waited < 8000, `closed after ${waited} ms`);
    socket.destroy();
    assert.equal(await leakedDescriptors(handler), 0, 'descriptors left open');
  });

  it('connections beyond maxConnections are refused at once, not queued', { timeout: 15_000 }, async () => {
    const small = createMediaServer(createHandler(dir), { maxConnections: 5, headersTimeout: 1000 });
    small.listen(0, '127.0.0.1');
    await once(small, 'listening');
    const smallPort = (small.address() as net.AddressInfo).port;
    const held = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = net.connect(smallPort, '127.0.0.1');
        s.on('error', () => {});
        await once(s, 'connect');
        return s;
      }),
    );
    try {
      const extra = net.connect(smallPort, '127.0.0.1');
      extra.on('error', () => {});
      const t0 = Date.now();
      await once(extra, 'close');
      assert.ok(Date.now() - t0 < 500);
    } finally {
      for (const s of held) s.destroy();
      small.close();
    }
  });
});
