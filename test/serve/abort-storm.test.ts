import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createHandler, type Handler } from '../../src/serve/handler.js';
import { leakedDescriptors, request, startMediaServer } from '../support/http.js';

// npm test runs a bounded storm; SEEKABLE_LONG=1 runs the full 2,000.
const ABORTS = process.env.SEEKABLE_LONG ? 2000 : 400;
const MiB = 1024 ** 2;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** Where in a response a client gives up. */
const POINTS = ['while sending headers', 'before the response', 'at the first body bytes', 'mid-body', 'inside multipart framing'] as const;

describe(`${ABORTS} downloads aborted at random points`, () => {
  let dir: string;
  let handler: Handler;
  let server: Awaited<ReturnType<typeof startMediaServer>>;
  let port: number;
  const logs: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-storm-'));
    await writeFile(path.join(dir, 'big.mp4'), Buffer.alloc(16 * MiB, 5));
    handler = createHandler(dir, { log: (l) => logs.push(l) });
    server = await startMediaServer(handler);
    port = server.port;
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true });
  });

  /** One download on a raw socket, cut at `point`, after a random amount of what comes before it. */
  async function abortAt(point: (typeof POINTS)[number], seed: number): Promise<void> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    const range =
      point === 'inside multipart framing'
        ? 'Range: bytes=0-99,8000000-8000099,15000000-15999999\r\n'
        : seed % 2
          ? `Range: bytes=${seed * 997}-\r\n`
          : '';
    const requestText = `GET /big.mp4 HTTP/1.1\r\nHost: x\r\n${range}\r\n`;
    if (point === 'while sending headers') {
      socket.write(requestText.slice(0, 5 + (seed % (requestText.length - 6))));
      socket.destroy();
      return;
    }
    socket.write(requestText);
    if (point === 'before the response') {
      socket.destroy();
      return;
    }
    let received = 0;
    const limit = point === 'at the first body bytes' ? 1 : point === 'mid-body' ? (seed % 8) * MiB + 1 : 200 + (seed % 300);
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= limit) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('close', () => resolve());
    });
  }

  it('leaves descriptors and heap at their baseline, logs nothing, rejects nothing', { timeout: 120_000 }, async () => {
    await request(`http://127.0.0.1:${port}/big.mp4`, { headers: { Range: 'bytes=0-0' } }); // warm up
    const heapBefore = heapUsed();
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    for (let i = 0; i < ABORTS; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => abortAt(POINTS[(i + j) % POINTS.length]!, i + j)));
    }
    const leaked = await leakedDescriptors(handler, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    const heapAfter = heapUsed();
    const rssAfter = process.memoryUsage().rss;
    console.log(
      `# ${ABORTS} aborts in ${Date.now() - started} ms: descriptors left open ${leaked}, ` +
        `heap ${(heapBefore / MiB).toFixed(1)} -> ${(heapAfter / MiB).toFixed(1)} MiB, rss ${(rssBefore / MiB).toFixed(0)} -> ${(rssAfter / MiB).toFixed(0)} MiB`,
    );
    assert.equal(leaked, 0, 'descriptors left open');
    // A leak of one 64 KiB buffer per abort would add 25 MiB here (125 MiB for 2,000).
    assert.ok(heapAfter - heapBefore < 4 * MiB, `heap grew ${((heapAfter - heapBefore) / MiB).toFixed(1)} MiB`);
    assert.deepEqual(logs, []);
    assert.deepEqual(server.unexpected, []);
    // And it still serves.
    const r = await request(`http://127.0.0.1:${port}/big.mp4`, { headers: { Range: 'bytes=100-199' } });
    assert.equal(r.status, 206);
    assert.equal(r.body.length, 100);
  });
});
