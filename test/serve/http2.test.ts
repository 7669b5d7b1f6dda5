import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHandler, type Handler } from '../../src/serve/handler.js';
import { leakedDescriptors, parseMultipart } from '../support/http.js';
import { offsetBytes, writeOffsetFile } from '../support/offset-file.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from '../support/tls.js';

const MiB = 1024 ** 2;
const CLIP = 3 * MiB + 5;
const BIG = 64 * MiB;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The protocol the reply came over: 'h2', or 'http/1.1'. */
  protocol: string;
}
type Get = (path: string, options?: { method?: string; headers?: Record<string, string> }) => Promise<Reply>;

/** One request on an HTTP/2 session; the body is collected whole. */
function h2Get(session: http2.ClientHttp2Session): Get {
  return (path, options = {}) =>
    new Promise((resolve, reject) => {
      const req = session.request({ ':path': path, ':method': options.method ?? 'GET', ...options.headers });
      const chunks: Buffer[] = [];
      let headers: IncomingHttpHeaders = {};
      req.on('response', (h) => (headers = h));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks), protocol: 'h2' }));
      req.on('error', reject);
    });
}

/** One HTTP/1.1 request over TLS, trusting only the test's certificate and offering no ALPN. */
function httpsGet(port: number, ca: Buffer): Get {
  return (path, options = {}) =>
    new Promise((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, ca, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), protocol: `http/${res.httpVersion}` }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
}

/** Every listener an emitter holds, of every event. */
function listeners(emitter: EventEmitter): number {
  return emitter.eventNames().reduce((sum, name) => sum + emitter.listenerCount(name), 0);
}

/** A server of the compatibility API on an ephemeral loopback port, remembering its sockets and streams. */
async function start(server: http2.Http2Server | http2.Http2SecureServer, handler: Handler, secure: boolean) {
  const sockets: Socket[] = [];
  const streams: http2.ServerHttp2Stream[] = [];
  // The session's own socket: the TLS socket on a secure server, not the TCP one beneath it.
  server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => sockets.push(socket));
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    if (req.stream !== undefined) streams.push(req.stream);
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, sockets, streams, port: (server.address() as AddressInfo).port };
}

describe('node:http2 compatibility API (createHandler on http2.createServer and createSecureServer)', () => {
  let dir: string;
  let handler: Handler;
  let cert: TestCertificate | undefined;
  const logs: string[] = [];
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  let h2c: Awaited<ReturnType<typeof start>>;
  let tls: Awaited<ReturnType<typeof start>> | undefined;
  const sessions: http2.ClientHttp2Session[] = [];

  const connect = async (secure: boolean) => {
    const session = secure ? http2.connect(`https://127.0.0.1:${tls!.port}`, { ca: cert!.cert }) : http2.connect(`http://127.0.0.1:${h2c.port}`);
    sessions.push(session);
    await once(session, 'connect');
    return session;
  };

  before(async () => {
    process.on('warning', onWarning);
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-h2-'));
    await writeOffsetFile(path.join(dir, 'clip.mp4'), CLIP);
    await writeOffsetFile(path.join(dir, 'big.mp4'), BIG);
    handler = createHandler(dir, { log: (l) => logs.push(l) });
    // The handler is given as the request listener by `start`, as http2.createServer(handler) would.
    h2c = await start(http2.createServer(), handler, false);
    if (!opensslMissing) {
      cert = await selfSignedCertificate();
      tls = await start(http2.createSecureServer({ allowHTTP1: true, cert: cert.cert, key: cert.key }), handler, true);
    }
  });
  after(async () => {
    process.off('warning', onWarning);
    for (const session of sessions) session.destroy();
    for (const s of [h2c, tls]) {
      if (s === undefined) continue;
      s.server.close();
      for (const socket of s.sockets) socket.destroy();
    }
    handler.close();
    await rm(dir, { recursive: true });
    if (cert) await rm(cert.dir, { recursive: true });
    assert.deepEqual(logs, []);
  });

  const transports: { name: string; skip: string | false; get: () => Promise<Get> }[] = [
    { name: 'h2c (http2.connect)', skip: false, get: async () => h2Get(await connect(false)) },
    { name: 'h2 over TLS (ALPN)', skip: opensslMissing, get: async () => h2Get(await connect(true)) },
    { name: 'HTTP/1.1 over TLS to the same server (ALPN fallback)', skip: opensslMissing, get: async () => httpsGet(tls!.port, cert!.cert) },
  ];

  for (const t of transports) {
    describe(t.name, { skip: t.skip }, () => {
      it('answers a range at odd offsets byte-exact, over the expected protocol', async () => {
        const get = await t.get();
        const r = await get('/clip.mp4', { headers: { range: 'bytes=1000003-2000010' } });
        assert.equal(r.protocol, t.name.startsWith('HTTP/1.1') ? 'http/1.1' : 'h2');
        assert.equal(r.status, 206);
        assert.equal(r.headers['content-range'], `bytes 1000003-2000010/${CLIP}`);
        assert.equal(Number(r.headers['content-length']), 1_000_008);
        assert.ok(r.body.equals(offsetBytes(1_000_003, 1_000_008)));
      });

      it('answers the whole file byte-exact', async () => {
        const r = await (await t.get())('/clip.mp4');
        assert.equal(r.status, 200);
        assert.equal(r.headers['accept-ranges'], 'bytes');
        assert.ok(r.body.equals(offsetBytes(0, CLIP)));
      });

      it('answers several ranges as multipart/byteranges, each part byte-exact', async () => {
        const wanted = [
          [7, 70_006],
          [2 * MiB + 1, 2 * MiB + 500_000],
          [CLIP - 11, CLIP - 1],
        ] as const;
        const r = await (await t.get())('/clip.mp4', { headers: { range: `bytes=${wanted.map(([a, b]) => `${a}-${b}`).join(',')}` } });
        assert.equal(r.status, 206);
        assert.equal(Number(r.headers['content-length']), r.body.length);
        const parts = parseMultipart(r.body, String(r.headers['content-type']));
        assert.equal(parts.length, 3);
        parts.forEach((part, i) => {
          const [a, b] = wanted[i]!;
          assert.equal(part.headers['content-range'], `bytes ${a}-${b}/${CLIP}`);
          assert.ok(part.data.equals(offsetBytes(a, b - a + 1)), `part ${i}`);
        });
      });

      it('answers 304 to a matching If-None-Match, and HEAD with the headers only', async () => {
        const get = await t.get();
        const head = await get('/clip.mp4', { method: 'HEAD' });
        assert.equal(head.status, 200);
        assert.equal(Number(head.headers['content-length']), CLIP);
        assert.equal(head.body.length, 0);
        const etag = String(head.headers.etag);
        const r = await get('/clip.mp4', { headers: { 'if-none-match': etag } });
        assert.equal(r.status, 304);
        assert.equal(r.headers.etag, etag);
        assert.equal(r.body.length, 0);
      });
    });
  }

  for (const secure of [false, true]) {
    const name = secure ? 'h2 over TLS' : 'h2c';
    it(`${name}: a ${BIG / MiB} MiB download read slowly keeps listeners flat on the stream and the session's socket`, {
      skip: secure && opensslMissing,
    }, async () => {
      const s = secure ? tls! : h2c;
      const session = await connect(secure);
      const req = session.request({ ':path': '/big.mp4' });
      let received = 0;
      let mismatchAt = -1;
      let pauses = 0;
      const seen = { stream: [] as number[], socket: [] as number[] };
      req.on('data', (chunk: Buffer) => {
        if (mismatchAt < 0 && !chunk.equals(offsetBytes(received, chunk.length))) mismatchAt = received;
        received += chunk.length;
        const stream = s.streams.at(-1)!;
        seen.stream.push(listeners(stream));
        seen.socket.push(listeners(s.sockets.at(-1)!));
        // A slow reader: the stream's window fills, and the server waits for room again and again.
        if (++pauses % 8 === 0) {
          req.pause();
          setTimeout(() => req.resume(), 1);
        }
      });
      await once(req, 'end');
      assert.equal(received, BIG);
      assert.equal(mismatchAt, -1);
      // Each wait for room adds a listener and takes it off again: at most one is there at a time.
      assert.ok(
        Math.max(...seen.stream) - Math.min(...seen.stream) <= 2,
        `stream listeners went from ${Math.min(...seen.stream)} to ${Math.max(...seen.stream)}`,
      );
      assert.ok(
        Math.max(...seen.socket) - Math.min(...seen.socket) <= 2,
        `socket listeners went from ${Math.min(...seen.socket)} to ${Math.max(...seen.socket)}`,
      );
      assert.deepEqual(
        warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
        [],
      );
    });

    it(`${name}: downloads cancelled mid-body, or cut with their session, leave no descriptor open`, { skip: secure && opensslMissing }, async () => {
      const session = await connect(secure);
      const ranges = [{}, { range: 'bytes=1000-' }, { range: 'bytes=0-10,20000000-40000000' }];
      for (let i = 0; i < 12; i++) {
        const req = session.request({ ':path': '/big.mp4', ...ranges[i % ranges.length] });
        await once(req, 'data');
        req.close(http2.constants.NGHTTP2_CANCEL); // RST_STREAM: the session goes on
      }
      for (let i = 0; i < 3; i++) {
        const cut = await connect(secure);
        const req = cut.request({ ':path': '/big.mp4', ...ranges[i] });
        req.on('error', () => {}); // the session's end reaches its stream as an error
        await once(req, 'data');
        cut.destroy();
      }
      assert.equal(await leakedDescriptors(handler), 0, 'descriptors left open');
      // The session that cancelled is still good for another request.
      const r = await h2Get(session)('/clip.mp4', { headers: { range: 'bytes=0-9' } });
      assert.ok(r.body.equals(offsetBytes(0, 10)));
    });
  }
});
