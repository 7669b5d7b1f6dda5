/**
 * The S3 source's own connections for ranged GETs (StoreConnections, StoreAnswer): against servers of
 * the test's own on loopback (node:http, TLS, and raw TCP ones that write answers byte by byte): every
 * byte intact with many connections at once, little held behind a paused reader, connections kept
 * alive and capped, and every malformed or cut answer an error rather than a hang.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http, { type Server } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseHead } from '../../src/source/s3/answer-head.js';
import type { StoreAnswer } from '../../src/source/s3/store-answer.js';
import { StoreConnections } from '../../src/source/s3/store-connections.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from '../support/tls.js';

const BODY = randomBytes(8 * 1024 * 1024);
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');
const KiB = 1024;

/** Answers every request with BODY (or its first `?bytes=` bytes), with a Content-Length as S3 does, and echoes the Range field it got. */
function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  const bytes = Number(new URL(req.url!, 'http://x').searchParams.get('bytes') ?? BODY.length);
  res.writeHead(200, { 'content-length': bytes, 'x-range': req.headers.range ?? '' });
  res.end(BODY.subarray(0, bytes));
}

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Takes an answer's whole body `size` bytes at a time, calling `onTake` with the bytes taken so far after each. */
async function bodyOf(answer: StoreAnswer, size = 16 * KiB, onTake: (taken: number) => void = () => undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  let taken = 0;
  for (;;) {
    const buffer = Buffer.alloc(size);
    const n = answer.take(buffer, size);
    if (n > 0) {
      parts.push(buffer.subarray(0, n));
      taken += n;
      onTake(taken);
      continue;
    }
    if (answer.lost) throw answer.lost;
    if (answer.done) break;
    await new Promise<void>((resolve) => {
      answer.onChange = resolve;
    });
  }
  answer.finish();
  return Buffer.concat(parts);
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const signal = () => new AbortController().signal;

describe('store connections (S3Source)', () => {
  let server: Server;
  let base: string;
  const connections = new StoreConnections(16, 3000);

  before(async () => {
    server = http.createServer(answer);
    base = `http://127.0.0.1:${await listening(server)}`;
  });
  after(() => {
    connections.close();
    server.close();
  });

  it('send the fields given and deliver the body byte for byte', async () => {
    const answer = await connections.get(new URL(`${base}/key?x-sig=1`), { Range: 'bytes=0-9', 'If-Match': '"abc"' }, signal());
    assert.equal(answer.status, 200);
    assert.equal(answer.reason, 'OK');
    assert.equal(answer.fields['x-range'], 'bytes=0-9');
    assert.equal(answer.fields['content-length'], String(BODY.length));
    assert.equal(sha(await bodyOf(answer)), BODY_SHA);
  });

  it('hold at most a 16 KiB read behind a paused reader, and 64 KiB reads once it takes that much or 2 MiB are left', async () => {
    const small = await connections.get(new URL(`${base}/`), {}, signal());
    await sleep(300);
    // Node's own sockets and parser had read 128 KiB by now: 64 KiB in the answer, 64 KiB in the socket.
    assert.ok(small.buffered > 0 && small.buffered <= 32 * KiB, `held ${small.buffered} bytes while paused`);
    small.readSizes(1024 * KiB, BODY.length);
    const taken = small.take(Buffer.alloc(32 * KiB), 32 * KiB);
    await sleep(300);
    assert.ok(small.buffered > 32 * KiB && small.buffered <= 128 * KiB, `held ${small.buffered} bytes reading 64 KiB at a time`);
    assert.equal((await bodyOf(small)).length, BODY.length - taken);

    const late = await connections.get(new URL(`${base}/`), {}, signal());
    const firstPart = await new Promise<number>((resolve) => {
      let taken = 0;
      const step = () => {
        const n = late.take(Buffer.alloc(16 * KiB), 16 * KiB);
        taken += n;
        late.readSizes(16 * KiB, BODY.length - taken);
        if (BODY.length - taken <= 2 * 1024 * KiB) resolve(taken);
        else if (n > 0) setImmediate(step);
        else late.onChange = step;
      };
      step();
    });
    await sleep(300);
    assert.ok(late.buffered > 32 * KiB, `held ${late.buffered} bytes with ${BODY.length - firstPart} left`);
    assert.equal((await bodyOf(late)).length, BODY.length - firstPart);
  });

  it('deliver every byte intact with many connections reading at once in both sizes, and keep them alive', async () => {
    const runs = Array.from({ length: 8 }, async (_, i) => {
      const length = BODY.length - i * 1000;
      const answer = await connections.get(new URL(`${base}/?bytes=${length}`), {}, signal());
      const body = await bodyOf(answer, 16 * KiB, (taken) => answer.readSizes(taken % 3 === i % 3 ? 16 * KiB : 1024 * KiB, length - taken));
      assert.equal(body.equals(BODY.subarray(0, length)), true, `connection ${i}`);
    });
    await Promise.all(runs);
    const open = connections.open;
    assert.ok(open >= 1 && connections.busy === 0, `${open} open, ${connections.busy} busy`);
    const again = await connections.get(new URL(`${base}/?bytes=100000`), {}, signal());
    assert.equal((await bodyOf(again)).equals(BODY.subarray(0, 100_000)), true);
    assert.equal(connections.open, open, 'the next request went on a kept connection');
  });

  it('open at most maxSockets per store; a request beyond waits for one, and an aborted wait leaves', async () => {
    const two = new StoreConnections(2, 3000);
    try {
      const first = await two.get(new URL(`${base}/?bytes=10`), {}, signal());
      const second = await two.get(new URL(`${base}/?bytes=10`), {}, signal());
      const aborted = new AbortController();
      const gaveUp = two.get(new URL(`${base}/?bytes=10`), {}, aborted.signal);
      const third = two.get(new URL(`${base}/?bytes=20`), {}, signal());
      let thirdAnswered = false;
      void third.then(() => {
        thirdAnswered = true;
      });
      await sleep(100);
      assert.equal(two.open, 2);
      assert.equal(thirdAnswered, false, 'the third waits while two are busy');
      aborted.abort();
      await assert.rejects(gaveUp);
      assert.equal((await bodyOf(first)).length, 10);
      assert.equal((await bodyOf(await third)).length, 20, 'the third went on the connection let go of');
      assert.equal(two.open, 2);
      assert.equal((await bodyOf(second)).length, 10);
    } finally {
      two.close();
    }
  });

  it('destroy a connection whose body is let go of before its end, and open another for the next request', async () => {
    const own = new StoreConnections(4, 3000);
    try {
      const cut = await own.get(new URL(`${base}/`), {}, signal());
      cut.take(Buffer.alloc(100), 100);
      cut.finish();
      await sleep(50);
      assert.equal(own.open, 0);
      assert.equal((await bodyOf(await own.get(new URL(`${base}/?bytes=5`), {}, signal()))).length, 5);
    } finally {
      own.close();
    }
  });

  describe('against answers written by hand', () => {
    let raw: net.Server;
    let rawBase: string;
    /** What the raw server writes for a request, by its path; `close` ends the connection after. */
    const scripts = new Map<string, { parts: string[]; close?: boolean; gapMs?: number }>();
    let accepted = 0;
    const serverSockets: net.Socket[] = [];

    before(async () => {
      raw = net.createServer((socket) => {
        accepted++;
        serverSockets.push(socket);
        let text = '';
        socket.on('data', async (data) => {
          text += data.toString('latin1');
          const end = text.indexOf('\r\n\r\n');
          if (end < 0) return;
          const path = text.slice(4, text.indexOf(' ', 4));
          text = text.slice(end + 4);
          const script = scripts.get(path);
          if (script === undefined) return socket.destroy();
          for (const part of script.parts) {
            if (socket.destroyed) return;
            socket.write(part, 'latin1');
            if (script.gapMs) await sleep(script.gapMs);
          }
          if (script.close) socket.end();
        });
        socket.on('error', () => undefined);
      });
      rawBase = `http://127.0.0.1:${await listening(raw)}`;
    });
    after(() => raw.close());

    const get = (path: string, pool = connections) => pool.get(new URL(rawBase + path), {}, signal());

    it('read a head that arrives a byte at a time, with the body in the same writes', async () => {
      const whole = 'HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\nETag: "e"\r\nX-Twice: a\r\nx-twice: b\r\n\r\nhello';
      scripts.set('/bytewise', { parts: [...whole], gapMs: 1 });
      const answer = await get('/bytewise');
      assert.equal(answer.status, 206);
      assert.equal(answer.fields.etag, '"e"');
      assert.equal(answer.fields['x-twice'], 'a, b');
      assert.equal((await bodyOf(answer)).toString(), 'hello');
    });

    it('skip a 100 Continue before the answer', async () => {
      scripts.set('/continue', { parts: ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 206 Partial Content\r\nContent-Length: 2\r\n\r\nok'] });
      const answer = await get('/continue');
      assert.equal(answer.status, 206);
      assert.equal((await bodyOf(answer)).toString(), 'ok');
    });

    it("read an error answer in chunks for its text up to S3's </Error> or an abort, and close its connection", async () => {
      const own = new StoreConnections(4, 3000);
      try {
        const xml = '<Error><Code>SlowDown</Code></Error>';
        scripts.set('/chunked', {
          parts: [
            'HTTP/1.1 503 Slow Down\r\nTransfer-Encoding: chunked\r\nRetry-After: 2\r\n\r\n',
            `${xml.length.toString(16)}\r\n${xml}\r\n`,
            '0\r\n\r\n',
          ],
        });
        // The store keeps the connection: the text ends at S3's </Error>, not at the connection's end.
        const answer = await get('/chunked', own);
        assert.equal(answer.status, 503);
        assert.equal(answer.fields['retry-after'], '2');
        assert.match(await answer.text(8 * KiB, signal()), /<Code>SlowDown<\/Code>/);
        await sleep(50);
        assert.equal(own.open, 0, 'a body without a length is never reused');

        // One that stops halfway is given up when the request's signal aborts (its first-byte limit).
        scripts.set('/stalled', { parts: ['HTTP/1.1 412 Precondition Failed\r\nTransfer-Encoding: chunked\r\n\r\n', '40\r\n<Error><Co'] });
        const stalled = await get('/stalled', own);
        const aborted = new AbortController();
        setTimeout(() => aborted.abort(), 100);
        assert.equal(await stalled.text(8 * KiB, aborted.signal), '40\r\n<Error><Co');
        await sleep(50);
        assert.equal(own.open, 0);
      } finally {
        own.close();
      }
    });

    it('do not keep a connection the store says it closes, one past its Keep-Alive timeout, or an HTTP/1.0 one', async () => {
      const own = new StoreConnections(4, 3000);
      try {
        scripts.set('/close', { parts: ['HTTP/1.1 206 Partial Content\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx'] });
        assert.equal((await bodyOf(await get('/close', own))).toString(), 'x');
        await sleep(50);
        assert.equal(own.open, 0);
        scripts.set('/brief', { parts: ['HTTP/1.1 206 Partial Content\r\nContent-Length: 1\r\nKeep-Alive: timeout=2\r\n\r\nx'] });
        assert.equal((await bodyOf(await get('/brief', own))).toString(), 'x');
        await sleep(50);
        assert.equal(own.open, 1, 'kept while the store keeps it');
        await sleep(1700);
        assert.equal(own.open, 0, 'dropped a second before the store would');
        scripts.set('/old', { parts: ['HTTP/1.0 206 Partial Content\r\nContent-Length: 1\r\n\r\nx'] });
        assert.equal((await bodyOf(await get('/old', own))).toString(), 'x');
        await sleep(50);
        assert.equal(own.open, 0, 'an HTTP/1.0 answer closes its connection unless it says keep-alive');
      } finally {
        own.close();
      }
    });

    it('fail a request whose answer is not HTTP, or whose connection closes before answering', async () => {
      scripts.set('/garbage', { parts: ['SSH-2.0-OpenSSH\r\n\r\n'] });
      await assert.rejects(get('/garbage'), /not HTTP\/1\.x/);
      scripts.set('/silent', { parts: [], close: true });
      await assert.rejects(get('/silent'), /closed the connection before answering/);
      scripts.set('/huge', { parts: [`HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(70 * KiB)}\r\n\r\n`] });
      await assert.rejects(get('/huge'), /head over 65536 bytes/);
      assert.equal(connections.busy, 0);
    });

    it('tell a body cut before its length as lost, with what arrived still taken', async () => {
      scripts.set('/cut', { parts: ['HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n\r\nabc'], close: true });
      const answer = await get('/cut');
      await assert.rejects(bodyOf(answer), /closed mid-body|closed/);
      assert.equal(answer.done, false);
    });

    it('reuse a kept connection, and drop one the store closes while idle for a fresh one', async () => {
      const own = new StoreConnections(4, 3000);
      try {
        scripts.set('/once', { parts: ['HTTP/1.1 206 Partial Content\r\nContent-Length: 1\r\n\r\nx'] });
        const before = accepted;
        assert.equal((await bodyOf(await get('/once', own))).toString(), 'x');
        assert.equal((await bodyOf(await get('/once', own))).toString(), 'x');
        assert.equal(accepted, before + 1, 'the kept connection was used again');
        serverSockets.at(-1)!.end();
        await sleep(50);
        assert.equal(own.open, 0, 'the connection the store closed left the pool');
        assert.equal((await bodyOf(await get('/once', own))).toString(), 'x');
        assert.equal(accepted, before + 2);
      } finally {
        own.close();
      }
    });
  });

  describe('over TLS', { skip: opensslMissing }, () => {
    let cert: TestCertificate;
    let tlsServer: https.Server;
    let tlsBase: string;
    const resumed: boolean[] = [];
    let tlsConnections: StoreConnections;
    before(async () => {
      cert = await selfSignedCertificate();
      tlsServer = https.createServer({ cert: cert.cert, key: cert.key }, answer);
      tlsServer.on('secureConnection', (socket) => resumed.push(socket.isSessionReused()));
      tlsBase = `https://127.0.0.1:${await listening(tlsServer)}`;
      tlsConnections = new StoreConnections(16, 3000, { ca: cert.cert });
    });
    after(() => {
      tlsConnections?.close();
      tlsServer?.close();
    });

    it('deliver every byte intact, many connections at once, resuming the TLS session', async () => {
      const first = await tlsConnections.get(new URL(`${tlsBase}/?bytes=1000`), {}, signal());
      assert.equal((await bodyOf(first)).equals(BODY.subarray(0, 1000)), true);
      const runs = Array.from({ length: 4 }, async (_, i) => {
        const answer = await tlsConnections.get(new URL(`${tlsBase}/`), {}, signal());
        const body = await bodyOf(answer, 16 * KiB, (taken) =>
          answer.readSizes((taken >> 14) % 2 === i % 2 ? 1024 * KiB : 16 * KiB, BODY.length - taken),
        );
        assert.equal(sha(body), BODY_SHA, `connection ${i}`);
      });
      await Promise.all(runs);
      assert.equal(resumed[0], false);
      assert.ok(resumed.slice(1).some(Boolean), `sessions resumed: ${resumed}`);
    });

    it('fail a connection whose TLS handshake does not finish within the connect limit', async () => {
      const mute = net.createServer(() => undefined);
      const port = await listening(mute);
      const quick = new StoreConnections(4, 200, { ca: cert.cert });
      try {
        await assert.rejects(quick.get(new URL(`https://127.0.0.1:${port}/`), {}, signal()), /could not connect in 200 ms/);
        await sleep(20);
        assert.equal(quick.open, 0);
      } finally {
        quick.close();
        mute.close();
      }
    });
  });
});

describe('parseHead', () => {
  it('reads the status, the reason and the fields, and refuses what is not an HTTP/1.x head', () => {
    assert.deepEqual(parseHead('HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-1/2\r\nETag:  "x" '), {
      status: 206,
      reason: 'Partial Content',
      http10: false,
      fields: { 'content-range': 'bytes 0-1/2', etag: '"x"' },
    });
    assert.equal(parseHead('HTTP/1.1 200')?.status, 200);
    assert.equal(parseHead('HTTP/1.0 200 OK')?.http10, true);
    assert.equal(parseHead('HTTP/2 200 OK'), undefined);
    assert.equal(parseHead('HTTP/1.1 200 OK\r\n folded: no'), undefined);
    assert.equal(parseHead('HTTP/1.1 200 OK\r\nName : value'), undefined);
    assert.equal(parseHead('HTTP/1.1 200 OK\r\nno colon'), undefined);
  });
});
