/**
 * Store and network faults between seekable and an S3-protocol store (s3rver behind a proxy of the
 * test's own that misbehaves on demand): each gets a clear answer or an invisible recovery, never a
 * hang, a body that contradicts its headers, or a socket left open.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { createHandler, type Handler } from '../../src/serve/handler.js';
import type { S3Source } from '../../src/source/s3/s3-source.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { request, startServer, type TestServer, waitFor } from '../support/http.js';
import { offsetBytes } from '../support/offset-file.js';
import { startStore, type TestStore } from '../support/s3.js';

const BIG = 8 * 1024 * 1024;
const big = offsetBytes(0, BIG);
const clip = Buffer.from('a small clip of video bytes');

let store: TestStore;
let proxy: FaultProxy;
let source: S3Source;
let handler: Handler;
let server: TestServer;
const log: string[] = [];

before(async () => {
  store = await startStore();
  await store.put('big.mp4', big);
  await store.put('clip.mp4', clip);
  proxy = await startFaultProxy(store.port);
  source = store.source({ endpoint: proxy.endpoint, connectTimeout: 1000, firstByteTimeout: 1000, stallTimeout: 1000, metadataTtl: 0 });
  handler = createHandler(source, { log: (line) => log.push(line) });
  server = await startServer((req, res) => handler(req, res));
});
after(async () => {
  await server.close();
  source.close();
  await proxy.close();
  await store.close();
});
afterEach(() => {
  proxy.fault = { kind: 'none' };
  log.length = 0;
});

/** A GET that collects what arrives and says whether the response was cut before its Content-Length. */
function download(path: string): Promise<{ status: number; length: number; body: Buffer; cut: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}${path}`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (cut: boolean) =>
        resolve({ status: res.statusCode ?? 0, length: Number(res.headers['content-length']), body: Buffer.concat(chunks), cut });
      res.on('end', () => done(!res.complete));
      res.on('error', () => done(true));
    });
    req.on('error', reject);
  });
}

describe('S3 faults before the headers', () => {
  it('a store that refuses connections: 503 with Retry-After, one log line naming the object', async () => {
    proxy.fault = { kind: 'refuse' };
    const r = await request(`${server.url}/clip.mp4`);
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(log.length, 1);
    assert.match(log[0]!, /s3:\/\/videos\/clip\.mp4/);
  });

  it('a store that never answers: 503 once the first-byte limit passes, not a hang', async () => {
    proxy.fault = { kind: 'silent' };
    const started = Date.now();
    const r = await request(`${server.url}/clip.mp4`);
    assert.equal(r.status, 503);
    assert.ok(Date.now() - started < 5000, 'answered within a few limits');
    assert.match(log[0]!, /did not answer in 1000 ms/);
  });

  it('a throttling store (503 SlowDown): 503 with the Retry-After it asked for', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
    proxy.fault = {
      kind: 'respond',
      response: `HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nRetry-After: 7\r\nContent-Length: ${xml.length}\r\nConnection: close\r\n\r\n${xml}`,
    };
    const r = await request(`${server.url}/clip.mp4`);
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '7');
  });

  it('access denied: 502, and one log line names bucket and key', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    proxy.fault = {
      kind: 'respond',
      response: `HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: ${xml.length}\r\nConnection: close\r\n\r\n${xml}`,
    };
    const r = await request(`${server.url}/clip.mp4`);
    assert.equal(r.status, 502);
    assert.equal(log.length, 1);
    assert.match(log[0]!, /s3:\/\/videos\/clip\.mp4: the store refused access/);
    assert.ok(!log[0]!.includes('S3RVER'), 'no credential in the log');
  });
});

describe('S3 faults of the ranged GET, the object looked up', () => {
  const asked: string[] = [];
  let kept: S3Source;
  let door: TestServer;
  before(async () => {
    kept = store.source({ endpoint: proxy.endpoint, metadataTtl: 60_000, observer: { storeRequest: (op) => asked.push(op) } });
    const keptHandler = createHandler(kept, { log: (line) => log.push(line) });
    door = await startServer((req, res) => keptHandler(req, res));
    assert.equal((await request(`${door.url}/clip.mp4`)).status, 200, 'looked up and read once: HEAD and URL kept');
  });
  after(async () => {
    await door.close();
    kept.close();
  });

  const answer = (status: string, code: string, extra = '') => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>m</Message></Error>`;
    return `HTTP/1.1 ${status}\r\nContent-Type: application/xml\r\n${extra}Content-Length: ${xml.length}\r\nConnection: close\r\n\r\n${xml}`;
  };

  it('ranges one after another share one store connection: a body read to its end goes back to the pool', async () => {
    const before = proxy.connections;
    for (const range of ['bytes=0-1', 'bytes=5-20', 'bytes=3-']) {
      const r = await request(`${door.url}/clip.mp4`, { headers: { Range: range } });
      assert.equal(r.status, 206);
    }
    assert.equal((await request(`${door.url}/clip.mp4`)).body.toString(), clip.toString());
    assert.ok(proxy.connections - before <= 1, `${proxy.connections - before} store connections for 4 answers`);
  });

  it('a GET answered 503 SlowDown: 503 with its Retry-After, and the store is not asked again', async () => {
    asked.length = 0;
    proxy.fault = { kind: 'respond', response: answer('503 Slow Down', 'SlowDown', 'Retry-After: 4\r\n') };
    const r = await request(`${door.url}/clip.mp4`);
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '4');
    assert.deepEqual(asked, ['get']);
  });

  it('a kept URL the store refuses once (credentials rotated) is signed afresh: the viewer sees nothing', async () => {
    asked.length = 0;
    proxy.fault = { kind: 'respond', response: answer('403 Forbidden', 'AccessDenied'), times: 1 };
    const r = await request(`${door.url}/clip.mp4`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), clip.toString());
    assert.deepEqual(asked, ['get', 'presign', 'get']);
    assert.equal(log.length, 0);
  });

  it('a GET refused again with a fresh URL: 502, one log line naming the object, no credential', async () => {
    asked.length = 0;
    proxy.fault = { kind: 'respond', response: answer('403 Forbidden', 'AccessDenied') };
    const r = await request(`${door.url}/clip.mp4`);
    assert.equal(r.status, 502);
    assert.deepEqual(asked, ['get', 'presign', 'get']);
    assert.equal(log.length, 1);
    assert.match(log[0]!, /s3:\/\/videos\/clip\.mp4: the store refused access \(AccessDenied, 403\)/);
    assert.ok(!/S3RVER|X-Amz/i.test(log[0]!), 'no credential or signature in the log');
  });
});

describe('S3 faults mid-body', () => {
  it('a connection reset mid-body is reopened from the next byte: the body is whole and exact', async () => {
    const before = proxy.connections;
    proxy.fault = { kind: 'reset', after: 300_000, times: 2 };
    const r = await download('/big.mp4');
    assert.equal(r.status, 200);
    assert.equal(r.cut, false);
    assert.ok(r.body.equals(big), 'byte-exact');
    assert.ok(proxy.connections - before >= 3, `reopened (${proxy.connections - before} connections)`);
    assert.equal(log.length, 0, 'nothing to report');
  });

  it('a body that stalls is reopened after the stall limit', async () => {
    proxy.fault = { kind: 'stall', after: 500_000 };
    const r = await download('/big.mp4');
    assert.equal(r.cut, false);
    assert.ok(r.body.equals(big), 'byte-exact');
  });

  it('a client that goes away aborts the store request and frees its socket at once', async () => {
    const idle = proxy.open;
    proxy.fault = { kind: 'slow', bytesPerSecond: 256 * 1024 };
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${server.url}/big.mp4`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    });
    assert.equal(
      await waitFor(
        () => source.openRequests,
        (n) => n === 0,
      ),
      0,
      'no store body open',
    );
    assert.ok(
      (await waitFor(
        () => proxy.open,
        (n) => n <= idle,
      )) <= idle,
      'the store connection is gone',
    );
  });
});

describe('S3 objects replaced', () => {
  it('before the headers: the new version is answered, with its own validators', async () => {
    const kept = store.source({ metadataTtl: 60_000 });
    const door = createHandler(kept);
    const local = await startServer((req, res) => door(req, res));
    try {
      await store.put('replaced.mp4', 'first version');
      const first = await request(`${local.url}/replaced.mp4`);
      assert.equal(first.body.toString(), 'first version');
      await store.put('replaced.mp4', 'the second version, longer');
      const second = await request(`${local.url}/replaced.mp4`);
      assert.equal(second.status, 200);
      assert.equal(second.body.toString(), 'the second version, longer');
      assert.notEqual(second.headers.etag, first.headers.etag);
      assert.equal(second.headers['content-length'], String('the second version, longer'.length));
    } finally {
      await local.close();
      kept.close();
    }
  });

  it('mid-body: the connection is cut, and no byte of the new version is sent', async () => {
    await store.put('moving.mp4', big);
    const carried = proxy.carried;
    proxy.fault = { kind: 'stall', after: 1_000_000 };
    const pending = download('/moving.mp4');
    await waitFor(
      () => proxy.carried - carried,
      (n) => n >= 1_000_000,
    );
    const next = Buffer.alloc(BIG, 0xee);
    await store.put('moving.mp4', next);
    proxy.release();
    const r = await pending;
    assert.equal(r.cut, true, `cut before its Content-Length: ${JSON.stringify({ ...r, body: r.body.length, log })}`);
    assert.ok(r.body.length < BIG);
    assert.ok(r.body.equals(big.subarray(0, r.body.length)), 'only bytes of the version its headers named');
  });
});
