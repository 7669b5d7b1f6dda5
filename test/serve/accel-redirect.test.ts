import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import { normalizeAccelPrefix } from '../../src/http/accel-redirect.js';
import { createHandler } from '../../src/serve/handler.js';
import { signQuery } from '../../src/serve/signing.js';
import { request, startServer, type TestServer } from '../support/http.js';

const SECRET = 'a-secret-of-enough-length';

/**
 * What seekable answers with accelRedirect: the decisions (405, 403, 410, 404) as always, then an
 * empty 200 naming the file for nginx. test/scale/offload.test.ts has nginx serve it.
 */
describe('accelRedirect: seekable decides, nginx sends the bytes', () => {
  let root: string;
  let plain: TestServer;
  let signed: TestServer;
  let app: TestServer;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-accel-'));
    await mkdir(path.join(root, 'Trips'));
    await writeFile(path.join(root, 'Trips', 'day 1 100%?#.mp4'), 'video bytes');
    plain = await startServer(createHandler(root, { accelRedirect: '_files/', cacheControl: 'public, max-age=60' }));
    signed = await startServer(createHandler(root, { accelRedirect: '/_files', secrets: [SECRET] }));
    app = await startServer(createApp({ root, accelRedirect: '/internal/media', cacheDir: path.join(root, '.cache'), posters: false }));
  });
  after(async () => {
    for (const server of [plain, signed, app]) await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const key = 'Trips/day 1 100%?#.mp4';
  const urlPath = '/Trips/day%201%20100%25%3F%23.mp4';

  it('an empty 200 with X-Accel-Redirect (each segment percent-encoded), its Content-Type and Cache-Control', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await request(`${plain.url}${urlPath}`, { method, headers: { Range: 'bytes=0-1' } });
      assert.equal(r.status, 200, method);
      assert.equal(r.headers['x-accel-redirect'], `/_files${urlPath}`);
      assert.equal(r.headers['content-type'], 'video/mp4');
      assert.equal(r.headers['cache-control'], 'public, max-age=60');
      assert.equal(r.headers['content-length'], '0');
      assert.equal(r.headers['content-disposition'], undefined);
      assert.equal(r.headers['content-range'], undefined); // ranges are nginx's to answer
      assert.equal(r.body.length, 0);
    }
  });

  it('a download carries its Content-Disposition for nginx to pass on', async () => {
    const r = await request(`${plain.url}${urlPath}?download=1`);
    assert.equal(r.headers['x-accel-redirect'], `/_files${urlPath}`);
    assert.match(
      String(r.headers['content-disposition']),
      /^attachment; filename="day 1 100_\?#\.mp4"; filename\*=UTF-8''day%201%20100%25%3F#\.mp4$/,
    );
  });

  it('what seekable refuses is refused as always, with no X-Accel-Redirect', async () => {
    const refused = [
      [await request(`${plain.url}/missing.mp4`), 404],
      [await request(`${plain.url}${urlPath}`, { method: 'POST' }), 405],
      [await request(`${signed.url}${urlPath}`), 403],
      [await request(`${signed.url}${urlPath}?${signQuery(key, SECRET, { expires: Math.floor(Date.now() / 1000) - 10 })}`), 410],
    ] as const;
    for (const [r, status] of refused) {
      assert.equal(r.status, status);
      assert.equal(r.headers['x-accel-redirect'], undefined);
    }
    const ok = await request(`${signed.url}${urlPath}?${signQuery(key, SECRET, { expires: Math.floor(Date.now() / 1000) + 60 })}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-accel-redirect'], `/_files${urlPath}`);
  });

  it("the app's /media/ route hands files over too; its pages are its own", async () => {
    const r = await request(`${app.url}/media${urlPath}`);
    assert.equal(r.headers['x-accel-redirect'], `/internal/media${urlPath}`);
    const page = await request(`${app.url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers['x-accel-redirect'], undefined);
  });

  it('a prefix is normalized, and one that cannot name a location is refused', () => {
    assert.equal(normalizeAccelPrefix('_files/'), '/_files');
    assert.equal(normalizeAccelPrefix('//a//b/'), '/a/b');
    for (const bad of ['', '/', '/a/../b', '/a?x', '/a b', '/./a']) assert.throws(() => normalizeAccelPrefix(bad), /X-Accel-Redirect prefix/, bad);
    assert.throws(() => createHandler(root, { accelRedirect: '/..' }), /X-Accel-Redirect prefix/);
  });
});
