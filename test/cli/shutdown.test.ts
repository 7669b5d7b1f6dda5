import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli } from '../support/cli.js';
import { request } from '../support/http.js';

const SIZE = 32 * 1024 * 1024; // more than loopback's socket buffers: a client that stops reading holds its response open

/**
 * A GET on a fresh connection whose body is not read past its first bytes until `resume()`: it stays
 * in flight meanwhile. It resolves once those bytes arrived, so the server has accepted the connection
 * and is answering: a connection still in the listener's backlog when the server stops is reset.
 */
async function heldDownload(port: number, file: string) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {}); // a cut may come as a reset: the bytes counted say what was received
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<Buffer>((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
  socket.write(`GET /media/${file} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await once(socket, 'data');
  socket.pause();
  return {
    /** Reads everything from now on; resolves with all that was received (headers included) when the connection closes. */
    resume(): Promise<Buffer> {
      socket.resume();
      return closed;
    },
  };
}

/** Polls /readyz until it answers 200 (the first scan is over) or 10 s have passed; the last status. */
async function readyStatus(url: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  let status = (await request(url)).status;
  while (status !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = (await request(url)).status;
  }
  return status;
}

describe('seekable serve: readiness and a graceful stop', () => {
  const downloaded = randomBytes(SIZE);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-shutdown-'));
    await writeFile(path.join(dir, 'big.mp4'), downloaded);
    await writeFile(path.join(dir, 'small.mp4'), 'small');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('SIGTERM: no new connections, a download in flight finishes, a stalled one is cut at --shutdown-timeout, exit 0', async () => {
    const p = startCli(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--shutdown-timeout', '5s']);
    try {
      const [, base, port] = await p.waitForStderr(/at (http:\/\/127\.0\.0\.1:(\d+))\/\n/);
      assert.equal(await readyStatus(`${base}/readyz`), 200);
      const finishing = await heldDownload(Number(port), 'big.mp4');
      const stalled = await heldDownload(Number(port), 'big.mp4');
      const stoppedAt = Date.now();
      p.child.kill('SIGTERM');
      await p.waitForStderr(/SIGTERM, closing \(responses in flight have 5s to finish\)\n/);

      // No new connection is accepted (a load balancer moves on to another node).
      const refused = await request(`${base}/readyz`).catch((err: NodeJS.ErrnoException) => err.code);
      assert.equal(refused, 'ECONNREFUSED');

      // The download that reads on gets every byte.
      const finished = await finishing.resume();
      assert.ok(finished.length > SIZE && finished.subarray(-16).equals(downloaded.subarray(-16)), `finished with ${finished.length} bytes`);
      // The process waits for the stalled one until the time is up, cuts it, and exits.
      assert.equal(await p.exited, 0);
      assert.ok(Date.now() - stoppedAt >= 4900, `exited ${Date.now() - stoppedAt} ms after SIGTERM, before --shutdown-timeout`);
      const cut = await stalled.resume(); // what the kernel still held, then the end
      assert.ok(cut.length < SIZE, `the stalled download got ${cut.length} bytes`);
      assert.match(p.err(), /5s are up, cutting the responses still in flight\n$/);
      // The access log has every outcome, written before the process exited.
      const log = p
        .out()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { path: string; status: number; aborted: boolean });
      assert.deepEqual(
        log.filter((entry) => entry.path === '/media/big.mp4').map((entry) => [entry.status, entry.aborted]),
        [
          [200, false],
          [200, true],
        ],
      );
    } finally {
      p.child.kill('SIGKILL'); // only if a failure above left it running
    }
  });

  it('with nothing in flight, SIGTERM exits at once, well before --shutdown-timeout', async () => {
    const p = startCli(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--quiet']);
    try {
      const [, base] = await p.waitForStderr(/at (http:\/\/127\.0\.0\.1:\d+)\/\n/);
      assert.equal((await request(`${base}/media/small.mp4`)).status, 200);
      const stoppedAt = Date.now();
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      assert.ok(Date.now() - stoppedAt < 10_000);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('--metrics: /metrics on the main port; --metrics host:port: on a listener of its own, and not on the main port', async () => {
    const main = startCli(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--quiet', '--metrics']);
    const own = startCli(['serve', '--metrics', '127.0.0.1:0', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--quiet']);
    try {
      const [, base] = await main.waitForStderr(/at (http:\/\/127\.0\.0\.1:\d+)\/\n/);
      await request(`${base}/media/small.mp4`);
      const scraped = (await request(`${base}/metrics`)).body.toString();
      assert.match(scraped, /^seekable_requests_total\{route="media",method="GET",status="200"\} 1$/m);

      const [, metricsUrl] = await own.waitForStderr(/metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/);
      const [, ownBase] = await own.waitForStderr(/at (http:\/\/127\.0\.0\.1:\d+)\/\n/);
      assert.equal((await request(`${ownBase}/metrics`)).status, 404);
      const alone = await request(metricsUrl!);
      assert.equal(alone.status, 200);
      assert.match(alone.body.toString(), /^seekable_requests_total\{route="metrics",method="GET",status="404"\} 1$/m);
    } finally {
      main.child.kill('SIGTERM');
      own.child.kill('SIGTERM');
    }
    assert.equal(await main.exited, 0);
    assert.equal(await own.exited, 0);
  });
});
