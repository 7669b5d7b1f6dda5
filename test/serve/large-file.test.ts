import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHandler } from '../../src/serve/handler.js';
import { parseMultipart, request, startServer, type TestServer } from '../support/http.js';
import { offsetBytes, writeOffsetFile } from '../support/offset-file.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('a 1 GiB file whose bytes encode their offsets', () => {
  let dir: string;
  let server: TestServer;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-1g-'));
    await writeOffsetFile(path.join(dir, 'big.mp4'), GiB);
    server = await startServer(createHandler(dir));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true });
  });

  it('a mid-file range at odd offsets is byte-exact', async () => {
    const start = 536_870_915; // 512 MiB + 3: not word-aligned
    const end = start + 3 * MiB + 4;
    const r = await request(`${server.url}/big.mp4`, { headers: { Range: `bytes=${start}-${end}` } });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${GiB}`);
    assert.ok(r.body.equals(offsetBytes(start, end - start + 1)));
  });

  it('an open tail runs to the last byte, compared as it streams', async () => {
    const start = GiB - 96 * MiB - 5;
    const { status, headers, received, mismatchAt } = await new Promise<{
      status: number;
      headers: http.IncomingHttpHeaders;
      received: number;
      mismatchAt: number;
    }>((resolve, reject) => {
      http
        .get(`${server.url}/big.mp4`, { headers: { Range: `bytes=${start}-` }, agent: false }, (res) => {
          let received = 0;
          let mismatchAt = -1;
          res.on('data', (chunk: Buffer) => {
            if (mismatchAt < 0 && !chunk.equals(offsetBytes(start + received, chunk.length))) mismatchAt = start + received;
            received += chunk.length;
          });
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, received, mismatchAt }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    assert.equal(status, 206);
    assert.equal(headers['content-range'], `bytes ${start}-${GiB - 1}/${GiB}`);
    assert.equal(received, GiB - start);
    assert.equal(mismatchAt, -1);
  });

  it('a multipart request across the file is byte-exact in every part', async () => {
    const wanted = [
      [7, 70_006],
      [300 * MiB + 1, 301 * MiB],
      [GiB - 1001, GiB - 1],
    ] as const;
    const r = await request(`${server.url}/big.mp4`, { headers: { Range: `bytes=${wanted.map(([a, b]) => `${a}-${b}`).join(',')}` } });
    assert.equal(r.status, 206);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const parts = parseMultipart(r.body, r.headers['content-type']!);
    assert.equal(parts.length, 3);
    parts.forEach((part, i) => {
      const [a, b] = wanted[i]!;
      assert.equal(part.headers['content-range'], `bytes ${a}-${b}/${GiB}`);
      assert.ok(part.data.equals(offsetBytes(a, b - a + 1)), `part ${i}`);
    });
  });
});
