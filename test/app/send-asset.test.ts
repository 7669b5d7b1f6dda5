import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AssetFile } from '../../src/app/assets.js';
import { sendAsset } from '../../src/app/send-asset.js';
import { parseMultipart, request, startServer, type TestServer } from '../support/http.js';

const asset: AssetFile = {
  // Long enough for two distant ranges to stay two parts rather than be merged or answered whole.
  bytes: Buffer.from(`console.log("0123456789");\n${'/* padding */\n'.repeat(200)}// end\n`),
  type: 'text/javascript; charset=utf-8',
  etag: '"0123abcd"',
  mtimeMs: Date.UTC(2026, 0, 1),
};

describe('sendAsset: an in-memory asset with the engine semantics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((req, res) => sendAsset(req, res, asset));
  });
  after(() => server.close());

  it('200 with its type, its tag and the immutable Cache-Control', async () => {
    const r = await request(server.url);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, asset.bytes);
    assert.equal(r.headers['content-type'], asset.type);
    assert.equal(r.headers.etag, asset.etag);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['content-length'], String(asset.bytes.length));
    assert.equal(r.headers['last-modified'], 'Thu, 01 Jan 2026 00:00:00 GMT');
  });

  it('304 for a matching If-None-Match, with no body', async () => {
    const r = await request(server.url, { headers: { 'If-None-Match': asset.etag } });
    assert.equal(r.status, 304);
    assert.equal(r.body.length, 0);
    assert.equal(r.headers.etag, asset.etag);
  });

  it('ranges: one is a 206 of those bytes, several a multipart 206', async () => {
    const one = await request(server.url, { headers: { Range: 'bytes=13-22' } });
    assert.equal(one.status, 206);
    assert.equal(one.headers['content-range'], `bytes 13-22/${asset.bytes.length}`);
    assert.equal(one.body.toString(), '0123456789');
    const two = await request(server.url, { headers: { Range: 'bytes=0-6,-7' } });
    assert.equal(two.status, 206);
    const parts = parseMultipart(two.body, two.headers['content-type']!);
    assert.deepEqual(
      parts.map((p) => p.data.toString()),
      ['console', '// end\n'],
    );
    assert.equal(Number(two.headers['content-length']), two.body.length);
    const none = await request(server.url, { headers: { Range: 'bytes=99999-' } });
    assert.equal(none.status, 416);
  });

  it('HEAD: the headers of GET, no body', async () => {
    const r = await request(server.url, { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], String(asset.bytes.length));
    assert.equal(r.body.length, 0);
  });
});
