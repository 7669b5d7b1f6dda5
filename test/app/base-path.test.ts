import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createApp, type App } from '../../src/app/app.js';
import type { EntryView } from '../../src/app/entry-json.js';
import { request, startServer, type TestServer } from '../support/http.js';

/** Every URL a page links to or loads: href, src, action, and the player's data-entry-api. */
function urlsOf(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src|action|data-entry-api|data-src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&#38;/g, '&'));
}

for (const mount of ['Express app.use', 'basePath behind a proxy'] as const) {
  describe(`the app under /videos/ (${mount})`, () => {
    let root: string;
    let server: TestServer;
    let app: App;

    before(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'seekable-base-'));
      await mkdir(path.join(root, 'Trips'));
      await writeFile(path.join(root, 'Trips', 'day 1.mp4'), Buffer.alloc(4000, 3));
      await writeFile(path.join(root, 'Trips', 'day 2.mp4'), 'two');
      await writeFile(path.join(root, 'Trips', 'day 1.srt'), '1\n00:00:00,000 --> 00:00:01,000\nHi\n');
      const cacheDir = path.join(root, '.cache');
      if (mount === 'Express app.use') {
        app = createApp({ root, cacheDir, posters: false });
        const outer = express();
        outer.use('/videos', app);
        outer.use((_req, res) => {
          res.status(404).send('the outer app');
        });
        server = await startServer(outer);
      } else {
        app = createApp({ root, cacheDir, posters: false, basePath: '/videos/' });
        server = await startServer(app);
      }
      await app.catalog.refresh();
    });
    after(async () => {
      app.close();
      await server.close();
      await rm(root, { recursive: true, force: true });
    });

    it('every link, script, stylesheet and form of every page is under /videos/', async () => {
      for (const page of ['/videos/', '/videos/watch/Trips/day%201.mp4', '/videos/watch/missing.mp4']) {
        const r = await request(server.url + page);
        assert.ok(r.status === 200 || r.status === 404, `${page}: ${r.status}`);
        const urls = urlsOf(r.body.toString());
        assert.ok(urls.length >= 3, `${page} links to ${urls}`);
        for (const url of urls) assert.ok(url.startsWith('/videos/'), `${page} links to ${url}`);
      }
    });

    it('what the pages link to answers there: media with ranges, assets, subtitles, API', async () => {
      const watch = (await request(`${server.url}/videos/watch/Trips/day%201.mp4`)).body.toString();
      for (const url of urlsOf(watch)) {
        if (url.endsWith('/') || url.includes('/watch/')) continue; // pages, checked above
        const r = await request(server.url + url, { headers: { Range: 'bytes=0-1' } });
        assert.ok(r.status === 200 || r.status === 206, `${url}: ${r.status}`);
      }
      const media = await request(`${server.url}/videos/media/Trips/day%201.mp4`, { headers: { Range: 'bytes=10-19' } });
      assert.equal(media.status, 206);
      assert.ok(media.body.equals(Buffer.alloc(10, 3)));
      const { entries } = JSON.parse((await request(`${server.url}/videos/api/library`)).body.toString()) as { entries: EntryView[] };
      assert.deepEqual(
        entries.map((e) => [e.url, e.watchUrl, e.downloadUrl]),
        [
          ['/videos/media/Trips/day%201.mp4', '/videos/watch/Trips/day%201.mp4', '/videos/media/Trips/day%201.mp4?download=1'],
          ['/videos/media/Trips/day%202.mp4', '/videos/watch/Trips/day%202.mp4', '/videos/media/Trips/day%202.mp4?download=1'],
        ],
      );
      assert.equal(entries[0]!.subtitles[0]!.url, '/videos/subtitles/Trips/day%201.srt');
      assert.equal((await request(`${server.url}/videos/healthz`)).status, 200);
    });

    it('nothing answers outside /videos/', async () => {
      for (const p of ['/', '/media/Trips/day%201.mp4', '/healthz', '/videosx/']) {
        const r = await request(server.url + p);
        assert.equal(r.status, 404, p);
        if (mount === 'Express app.use') assert.equal(r.body.toString(), 'the outer app', p);
      }
    });
  });
}
