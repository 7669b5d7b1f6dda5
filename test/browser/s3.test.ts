/**
 * Chromium plays and seeks videos from an S3 bucket (s3rver on loopback): through seekable, and in
 * redirect mode from the store itself, where the presigned link expires mid-film and the player
 * reloads through the player's own route, which hands it a fresh one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import type { S3Source } from '../../src/source/s3/s3-source.js';
import { chromiumMissing, launchBrowser, PLAY_AND_SEEK, type SeekResult } from '../support/browser.js';
import { ffmpegMissing, testPatternVideo } from '../support/fixtures.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { startServer, type TestServer } from '../support/http.js';
import { startStore, type TestStore } from '../support/s3.js';

const skip = chromiumMissing || ffmpegMissing;
if (skip) console.log(`# S3 browser tests skipped: ${skip}`);

describe('Chromium plays from a bucket', { skip }, () => {
  let dir: string;
  let store: TestStore;
  let proxy: FaultProxy;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const started: { source: S3Source; server: TestServer }[] = [];

  /** The app on the bucket, in redirect mode or not; counts the requests its /stream/ route (the player's) answers. */
  async function serve(redirect: { expiresIn: number } | false, media: string[]) {
    const source = store.source({ redirect, endpoint: proxy.endpoint });
    const app = createApp({ source, cacheDir: path.join(dir, `cache-${started.length}`), posters: false });
    await app.catalog.refresh();
    const server = await startServer((req, res) => {
      if (req.url?.startsWith('/stream/')) media.push(String(req.headers.range));
      app(req, res);
    });
    started.push({ source, server });
    return server;
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-s3-browser-'));
    store = await startStore();
    proxy = await startFaultProxy(store.port);
    // 40 s, lossless: about 7 MB; with the store slowed to 1 MB/s in redirect mode, a late seek needs
    // a new request after the link expired.
    const film = path.join(dir, 'film.mp4');
    testPatternVideo(film, 40, ['-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-movflags', '+faststart']);
    await store.put('film.mp4', await readFile(film), 'video/mp4');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    for (const { source, server } of started) {
      await server.close();
      source.close();
    }
    await proxy?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('plays and seeks through seekable, with 206s from the bucket', { timeout: 60_000 }, async () => {
    const media: string[] = [];
    const server = await serve(false, media);
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/watch/film.mp4`);
    const result = (await page.evaluate(PLAY_AND_SEEK)) as SeekResult;
    assert.ok(Math.abs(result.afterSeek - result.target) < 1, `the seek held: ${JSON.stringify(result)}`);
    assert.ok(result.later > result.target + 0.5);
    assert.ok(
      media.some((range) => range.startsWith('bytes=') && range !== 'bytes=0-'),
      `a range past the start: ${media.join(' ')}`,
    );
    await page.close();
  });

  it('in redirect mode the store carries the bytes, and an expired link is renewed through the player route', { timeout: 90_000 }, async () => {
    const media: string[] = [];
    const server = await serve({ expiresIn: 2 }, media);
    proxy.fault = { kind: 'slow', bytesPerSecond: 1024 * 1024 };
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/watch/film.mp4`);
    const result = (await page.evaluate(`(async () => {
      const v = document.getElementById('player');
      v.muted = true;
      const until = (check, what, ms = 30000) => new Promise((resolve, reject) => {
        const started = performance.now();
        const tick = () => {
          if (check()) resolve();
          else if (performance.now() - started > ms) reject(new Error('timed out waiting for ' + what + ' at ' + v.currentTime + (v.error ? ' error ' + v.error.code : '')));
          else setTimeout(tick, 50);
        };
        tick();
      });
      await v.play();
      await until(() => v.currentTime > 1, 'playback');
      const first = v.currentSrc;
      // The link lives 2 s: wait it out, then seek where nothing was read yet.
      await new Promise((r) => setTimeout(r, 3500));
      v.currentTime = 35;
      await until(() => v.currentTime > 35.5 && !v.paused, 'playback after the late seek');
      return { first, later: v.currentTime, notice: document.getElementById('notice').hidden };
    })()`)) as { first: string; later: number; notice: boolean };
    assert.ok(result.later > 35.5);
    assert.equal(result.notice, true, 'no error shown');
    proxy.fault = { kind: 'none' };
    assert.ok(media.length >= 2, `the player's route was asked again for a fresh link (${media.length} requests)`);
    await page.close();
  });
});
