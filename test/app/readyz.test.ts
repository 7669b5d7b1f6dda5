import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import { FileSource } from '../../src/source/file/file-source.js';
import type { ListableSource } from '../../src/source/types.js';
import { request, startServer, type TestServer } from '../support/http.js';

describe('GET /readyz: whether a load balancer should send this node requests', () => {
  let root: string;
  const servers: TestServer[] = [];
  const serve = async (options: Parameters<typeof createApp>[0]) => {
    const app = createApp({ cacheDir: path.join(root, '.cache'), posters: false, ...options });
    const server = await startServer(app);
    servers.push(server);
    return { app, url: `${server.url}/readyz` };
  };
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-readyz-'));
    await writeFile(path.join(root, 'a.mp4'), 'bytes');
  });
  after(async () => {
    for (const server of servers) await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('503 until the first scan is over (asking starts it), then 200; never cached; /healthz is alive throughout', async () => {
    const { app, url } = await serve({ root });
    const first = await request(url);
    assert.equal(first.status, 503);
    assert.equal(first.body.toString(), 'catalog not listed yet\n');
    assert.equal(first.headers['cache-control'], 'no-store');
    assert.equal((await request(url.replace('readyz', 'healthz'))).status, 200);
    await app.catalog.refresh(); // the scan that request started, or one just like it
    const ready = await request(url);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.toString(), 'ready\n');
    assert.equal(ready.headers['cache-control'], 'no-store');
  });

  it('503 once the app drains for shutdown, while every other route is still answered', async () => {
    const { app, url } = await serve({ root });
    await app.catalog.refresh();
    assert.equal((await request(url)).status, 200);
    app.drain();
    app.drain();
    const draining = await request(url);
    assert.equal(draining.status, 503);
    assert.equal(draining.body.toString(), 'shutting down\n');
    assert.equal((await request(url.replace('readyz', 'media/a.mp4'))).status, 200);
  });

  it('503 when the source cannot list (a store that went away), 200 again when it can', async () => {
    const files = new FileSource(root);
    let reachable = true;
    const source: ListableSource = {
      lookup: (key) => files.lookup(key),
      list: (prefix, options) => (reachable ? files.list(prefix, options) : Promise.reject(new Error('unreachable'))),
    };
    const { app, url } = await serve({ source });
    await app.catalog.refresh();
    assert.equal((await request(url)).status, 200);
    reachable = false;
    const down = await request(url);
    assert.equal(down.status, 503);
    assert.equal(down.body.toString(), 'media source unavailable\n');
    reachable = true;
    assert.equal((await request(url)).status, 200);
    files.close();
  });

  it('503 for as long as no scan has completed (every scan fails)', async () => {
    const source: ListableSource = { lookup: async () => undefined, list: () => Promise.reject(new Error('unreachable')) };
    const { app, url } = await serve({ source });
    await app.catalog.refresh().catch(() => {});
    assert.equal((await request(url)).status, 503);
    assert.equal(app.catalog.listed, false);
  });
});
