/**
 * The S3 source's store connections read through one shared buffer into pooled chunks, in the size
 * their reader takes, and stop reading as soon as an answer is paused. Here against servers of the
 * test's own on loopback (plain and TLS): the read sizes, the stop, and every byte intact with many
 * connections reading at once.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sizeReads, storeAgents } from '../../src/source/s3/store-agents.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from '../support/tls.js';

const BODY = randomBytes(8 * 1024 * 1024);
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

/** Answers every request with BODY (or its first `?bytes=` bytes), with a Content-Length as S3 does. */
function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  const bytes = Number(new URL(req.url!, 'http://x').searchParams.get('bytes') ?? BODY.length);
  res.writeHead(200, { 'content-length': bytes, 'content-type': 'application/octet-stream' });
  res.end(BODY.subarray(0, bytes));
}

async function listening(server: Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function get(url: string, agent: http.Agent, ca?: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { agent, ca }, resolve);
    req.once('error', reject);
  });
}

/** The chunks of an answer as its reader takes them with read(), calling `onChunk` with the count so far and the chunk after each. */
async function chunksOf(res: IncomingMessage, onChunk: (count: number, chunk: Buffer) => void = () => undefined): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = res.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      onChunk(chunks.length, chunk);
      continue;
    }
    if (res.readableEnded) return chunks;
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('readable', done);
        res.off('end', done);
        resolve();
      };
      res.on('readable', done);
      res.on('end', done);
    });
  }
}

const sha = (chunks: Buffer[]) => createHash('sha256').update(Buffer.concat(chunks)).digest('hex');

describe('store connections (S3Source)', () => {
  let server: Server;
  let port: number;
  const agents = storeAgents(16);

  before(async () => {
    server = http.createServer(answer);
    port = await listening(server);
  });
  after(() => {
    agents.http.destroy();
    server.close();
  });

  it('read 16 KiB at a time until their reader takes 64 KiB or more, then 64 KiB', async () => {
    const res = await get(`http://127.0.0.1:${port}/`, agents.http);
    const switchAt = 40;
    const chunks = await chunksOf(res, (n) => {
      if (n === switchAt) sizeReads(res, 1024 * 1024, BODY.length);
    });
    assert.equal(sha(chunks), BODY_SHA);
    const sizes = chunks.map((c) => c.length);
    assert.ok(Math.max(...sizes.slice(0, switchAt)) <= 16 * 1024, `before: ${sizes.slice(0, switchAt)}`);
    // The read already asked for when the size changed is still a small one.
    const later = sizes.slice(switchAt + 2);
    assert.ok(Math.max(...later) > 16 * 1024 && Math.max(...later) <= 64 * 1024, `after: ${later}`);
  });

  it('read the last 2 MiB of a body 64 KiB at a time even for a reader that takes 16 KiB: it fits in kernel buffers', async () => {
    const res = await get(`http://127.0.0.1:${port}/`, agents.http);
    let received = 0;
    const chunks = await chunksOf(res, (_, chunk) => {
      received += chunk.length;
      sizeReads(res, 16 * 1024, BODY.length - received);
    });
    assert.equal(sha(chunks), BODY_SHA);
    let at = 0;
    const early: number[] = [];
    const late: number[] = [];
    for (const [i, chunk] of chunks.entries()) {
      at += chunk.length;
      // Slack of two reads where the size changes: on this kept-alive connection the first reads are
      // still in the size the last answer asked for, and the read under way when it changes goes on.
      if (i < 2) continue;
      if (at < BODY.length - 2 * 1024 * 1024 - 128 * 1024) early.push(chunk.length);
      else if (at > BODY.length - 2 * 1024 * 1024 + 128 * 1024) late.push(chunk.length);
    }
    assert.ok(Math.max(...early) <= 16 * 1024, `early: ${Math.max(...early)}`);
    assert.ok(Math.max(...late) > 16 * 1024, `late: ${late}`);
  });

  it('stop reading as soon as an answer is paused: what a slow viewer leaves unread stays in the kernel', async () => {
    const own = storeAgents(1);
    try {
      const res = await get(`http://127.0.0.1:${port}/`, own.http);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // A few 16 KiB reads fill the answer's buffer, then the socket stops: 48 KiB measured. Node's own
      // sockets had read 128 KiB by now, 64 KiB into the answer and 64 KiB more into the socket.
      assert.ok(res.socket.bytesRead <= 64 * 1024, `read ${res.socket.bytesRead} bytes while paused`);
      assert.equal(sha(await chunksOf(res)), BODY_SHA);
    } finally {
      own.http.destroy();
    }
  });

  it('deliver every byte intact with many connections reading at once, in both sizes, and are kept alive', async () => {
    const runs = Array.from({ length: 8 }, async (_, i) => {
      const res = await get(`http://127.0.0.1:${port}/?bytes=${BODY.length - i * 1000}`, agents.http);
      const chunks = await chunksOf(res, (n) => sizeReads(res, n % 3 === i % 3 ? 16 * 1024 : 1024 * 1024, BODY.length));
      assert.equal(Buffer.concat(chunks).equals(BODY.subarray(0, BODY.length - i * 1000)), true, `connection ${i}`);
    });
    await Promise.all(runs);
    const free = Object.values(agents.http.freeSockets).flat().length;
    assert.ok(free >= 1, 'the connections went back to the pool');
    const again = await get(`http://127.0.0.1:${port}/?bytes=100000`, agents.http);
    assert.equal(Buffer.concat(await chunksOf(again)).equals(BODY.subarray(0, 100_000)), true);
  });

  describe('over TLS', { skip: opensslMissing }, () => {
    let cert: TestCertificate;
    let tlsServer: https.Server;
    let tlsPort: number;
    before(async () => {
      cert = await selfSignedCertificate();
      tlsServer = https.createServer({ cert: cert.cert, key: cert.key }, answer);
      tlsPort = await listening(tlsServer);
    });
    after(() => {
      agents.https.destroy();
      tlsServer?.close();
    });

    it('deliver every byte intact, many connections at once (TLS records make every read 16 KiB or less)', async () => {
      const runs = Array.from({ length: 4 }, async (_, i) => {
        const res = await get(`https://127.0.0.1:${tlsPort}/`, agents.https, cert.cert);
        const chunks = await chunksOf(res, (n) => sizeReads(res, (n + i) % 2 === 0 ? 1024 * 1024 : 16 * 1024, BODY.length));
        assert.equal(sha(chunks), BODY_SHA, `connection ${i}`);
      });
      await Promise.all(runs);
    });
  });
});
