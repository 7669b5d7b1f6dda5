import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withAccessLog, type AccessEntry } from '../../src/serve/access-log.js';
import { createHandler } from '../../src/serve/handler.js';
import { request, startServer, waitFor, type TestServer } from '../support/http.js';

describe('access log', () => {
  let dir: string;
  let server: TestServer;
  const entries: AccessEntry[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-log-'));
    await writeFile(path.join(dir, 'a.mp4'), Buffer.alloc(32 * 1024 * 1024, 1));
    server = await startServer(withAccessLog(createHandler(dir), (e) => entries.push(e)));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true });
  });

  it('one entry per request: method, path without the query, status, range, bytes, duration', async () => {
    await request(`${server.url}/a.mp4?exp=123&sig=secret-token`, { headers: { Range: 'bytes=0-99' } });
    await request(`${server.url}/missing.mp4`, { method: 'HEAD' });
    await waitFor(
      () => entries.length,
      (n) => n >= 2,
    );
    const [ranged, missing] = entries;
    assert.equal(ranged!.method, 'GET');
    assert.equal(ranged!.path, '/a.mp4'); // the token stays out of the log
    assert.equal(ranged!.status, 206);
    assert.equal(ranged!.range, 'bytes=0-99');
    assert.ok(ranged!.bytes > 100 && ranged!.bytes < 600, `bytes ${ranged!.bytes}`); // body plus headers
    assert.equal(ranged!.aborted, false);
    assert.ok(ranged!.ms >= 0 && !Number.isNaN(Date.parse(ranged!.time)));
    assert.deepEqual([missing!.method, missing!.status, missing!.range], ['HEAD', 404, undefined]);
  });

  it('a client that goes away mid-body is logged as aborted', async () => {
    entries.length = 0;
    await new Promise<void>((resolve) => {
      const req = http.get(`${server.url}/a.mp4`, { agent: false }, (res) =>
        res.once('data', () => {
          req.destroy();
          resolve();
        }),
      );
      req.on('error', () => {});
    });
    await waitFor(
      () => entries.length,
      (n) => n >= 1,
    );
    assert.equal(entries[0]!.status, 200);
    assert.equal(entries[0]!.aborted, true);
    assert.ok(entries[0]!.bytes < 32 * 1024 * 1024);
  });
});
