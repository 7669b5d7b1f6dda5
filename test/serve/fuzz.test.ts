import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHandler } from '../../src/serve/handler.js';
import { request, startMediaServer } from '../support/http.js';

// npm test runs a bounded fuzz; SEEKABLE_LONG=1 runs 20,000 cases.
const CASES = process.env.SEEKABLE_LONG ? 20_000 : 2_000;
const SEED = Number(process.env.SEEKABLE_FUZZ_SEED ?? 20261121);

/** A small seeded generator (mulberry32), so a failing case can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  return { next, int, pick };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'get', 'G\u00c9T', '', 'GET GET', 'PROPFIND'];
const PATHS = [
  '/a.mp4',
  '/a.mp4?download=1',
  '/missing.mp4',
  '/',
  '*',
  'http://x/a.mp4',
  '/%',
  '/..%2f..%2fetc%2fpasswd',
  '/a.mp4%00',
  `/${'x'.repeat(9000)}`,
  '/\u00e9t\u00e9.mp4',
  '',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', '', 'http/1.1'];
const HEADERS = [
  'Host: x',
  'Range: bytes=0-1',
  'Range: bytes=-500',
  'Range: bytes=0-1,5-6,100-',
  'Range: bytes=999999999999999999999-',
  `Range: bytes=${Array.from({ length: 400 }, (_, i) => `${i}-${i}`).join(',')}`,
  'Range: items=0-1',
  'Range: bytes=5-2',
  'If-Range: "nope"',
  'If-Range: Sun, 06 Nov 1994 08:49:37 GMT',
  'If-Match: *',
  'If-None-Match: W/"x", "y"',
  'If-Modified-Since: garbage',
  'If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT',
  'Content-Length: 5',
  'Content-Length: -1',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked',
  'Connection: keep-alive',
  'Expect: 100-continue',
  `X-Long: ${'a'.repeat(20_000)}`,
  'X-Binary: \u0000\u0001\u00ff',
  'Bad Header Name: x',
  ':nothing',
  'NoColon',
];

/** One request: a plausible one, then mutated (bytes flipped, inserted, cut, duplicated). */
function makeCase(r: ReturnType<typeof rng>): Buffer {
  // Host and Connection: close in the base request, so most cases reach our handler rather than stopping
  // at Node's parser; mutations still break them often enough.
  // Mostly well-formed GET and HEAD with range and conditional headers, so most cases get past the
  // parser into our code; the junk methods, versions and header lines are the minority.
  const method = r.next() < 0.75 ? r.pick(['GET', 'HEAD']) : r.pick(METHODS);
  const version = r.next() < 0.8 ? 'HTTP/1.1' : r.pick(VERSIONS);
  const lines = [`${method} ${r.pick(PATHS)} ${version}`, 'Host: x', 'Connection: close'];
  for (let i = r.int(6); i > 0; i--) lines.push(r.next() < 0.8 ? r.pick(HEADERS.slice(1, 14)) : r.pick(HEADERS));
  if (r.next() < 0.3) lines.push(lines[r.int(lines.length)]!); // repeated header
  let text = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const mutations = r.next() < 0.5 ? 0 : 1 + r.int(4);
  for (let m = 0; m < mutations; m++) {
    const at = r.int(text.length);
    const kind = r.int(5);
    if (kind === 0) text[at] = r.int(256);
    else if (kind === 1) text = Buffer.concat([text.subarray(0, at), Buffer.from([r.int(256), r.int(256)]), text.subarray(at)]);
    else if (kind === 2)
      text = text.subarray(0, at); // cut short: the server must time out, not hang
    else if (kind === 3) text = Buffer.concat([text.subarray(0, at), text.subarray(at + 1 + r.int(10))]);
    else text = Buffer.concat([text, text]); // pipelined twice
  }
  return text;
}

describe(`fuzzing a live server with ${CASES} requests (seed ${SEED})`, () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startMediaServer>>;
  let port: number;
  const logs: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-fuzz-'));
    await writeFile(path.join(dir, 'a.mp4'), Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251)));
    // Short timeouts bound every case: a cut-short request or a kept-alive connection ends within ~1 s.
    server = await startMediaServer(createHandler(dir, { log: (l) => logs.push(l) }), { headersTimeout: 500, keepAliveTimeout: 500 });
    port = server.port;
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true });
  });

  /**
   * Sends one case and returns everything the server wrote before it closed the connection, or 'hung'.
   * No half-close: Node's server takes a client's FIN as an abort of what it has not answered yet.
   */
  function send(data: Buffer): Promise<Buffer | 'hung'> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        resolve('hung');
      }, 5000);
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
      socket.on('connect', () => socket.write(data));
    });
  }

  it('every case gets well-formed responses or a closed connection, never a hang or a 5xx', { timeout: 300_000 }, async () => {
    const r = rng(SEED);
    const cases = Array.from({ length: CASES }, () => makeCase(r));
    const statuses = new Map<string, number>();
    let closedSilently = 0;
    for (let i = 0; i < cases.length; i += 250) {
      const batch = cases.slice(i, i + 250);
      const replies = await Promise.all(batch.map(send));
      replies.forEach((reply, j) => {
        const sent = JSON.stringify(batch[j]!.toString('latin1').slice(0, 200));
        assert.notEqual(reply, 'hung', `case ${i + j} hung: ${sent}`);
        if (reply === 'hung' || reply.length === 0) {
          closedSilently++;
          return;
        }
        // Every response on the connection: a status line, headers, and a body of its stated length.
        let rest = reply;
        while (rest.length > 0) {
          const end = rest.indexOf('\r\n\r\n');
          assert.ok(end > 0, `case ${i + j}: headers never ended: ${sent}`);
          const head = rest.subarray(0, end).toString('latin1');
          const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1];
          assert.ok(status !== undefined, `case ${i + j}: not a status line: ${JSON.stringify(head.slice(0, 80))} for ${sent}`);
          assert.ok(!status.startsWith('5'), `case ${i + j}: ${status} for ${sent}`);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          rest = rest.subarray(end + 4);
          if (/\r\ntransfer-encoding: chunked/i.test(head)) {
            // Node's own answers to unparsable requests: chunked, usually empty.
            for (;;) {
              const line = rest.indexOf('\r\n');
              const size = parseInt(rest.subarray(0, line).toString('latin1'), 16);
              assert.ok(line > 0 && Number.isFinite(size), `case ${i + j}: bad chunk for ${sent}`);
              rest = rest.subarray(line + 2 + size + 2);
              if (size === 0) break;
            }
            continue;
          }
          const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
          // A HEAD answer states the GET body's length and sends none: the next response starts at once.
          const bodyless = status === '304' || status.startsWith('1') || rest.subarray(0, 9).toString('latin1') === 'HTTP/1.1 ' || rest.length === 0;
          if (!bodyless) {
            assert.ok(rest.length >= length, `case ${i + j}: body shorter than its Content-Length for ${sent}`);
            rest = rest.subarray(length);
          }
        }
      });
    }
    console.log(
      `# fuzz: ${CASES} cases, ${closedSilently} closed without an answer, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
    assert.deepEqual(logs, []);
    assert.deepEqual(server.unexpected, []);
    // Still correct afterwards.
    const after = await request(`http://127.0.0.1:${port}/a.mp4`, { headers: { Range: 'bytes=250-253' } });
    assert.equal(after.status, 206);
    assert.deepEqual([...after.body], [250, 0, 1, 2]);
  });
});
