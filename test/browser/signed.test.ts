import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app/app.js';
import { chromiumMissing, launchBrowser } from '../support/browser.js';
import { startServer, type TestServer } from '../support/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (chromiumMissing) console.log(`# signed-link browser test skipped: ${chromiumMissing}`);

describe('signed links in a real browser', { skip: chromiumMissing }, () => {
  let base: string;
  let server: TestServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const statuses: number[] = [];

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'seekable-signed-ui-'));
    await copyFile(path.join(repo, 'demo', 'Test pattern (H.264).mp4'), path.join(base, 'clip.mp4'));
    // Links live 4 to 8 s and each 206 holds 64 KiB, so the browser keeps fetching across expiries.
    const app = createApp({
      root: base,
      cacheDir: path.join(base, '.cache'),
      posters: false,
      secrets: ['s'.repeat(16)],
      signTtl: 4,
      maxChunk: 64 * 1024,
    });
    await app.catalog.refresh();
    server = await startServer((req, res) => {
      if (req.url?.startsWith('/stream/')) res.on('close', () => res.headersSent && statuses.push(res.statusCode));
      app(req, res);
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('the player renews its link before it expires and plays on through', { timeout: 60_000 }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/watch/clip.mp4`);
    const result = (await page.evaluate(`(async () => {
      const v = document.getElementById('player');
      const first = v.src;
      v.muted = true;
      await v.play();
      await new Promise((resolve, reject) => {
        const started = performance.now();
        const tick = () => {
          if (v.currentTime > 10.5) resolve();
          else if (performance.now() - started > 30000) reject(new Error('stalled at ' + v.currentTime));
          else setTimeout(tick, 100);
        };
        tick();
      });
      return { first, last: v.src, error: v.error && v.error.code, paused: v.paused };
    })()`)) as { first: string; last: string; error: number | null; paused: boolean };
    await page.close();
    const exp = (url: string) => Number(new URL(url).searchParams.get('exp'));
    assert.ok(exp(result.last) > exp(result.first), `renewed: ${result.first} -> ${result.last}`);
    assert.equal(result.error, null);
    assert.equal(result.paused, false);
    assert.ok(statuses.length > 3 && statuses.every((s) => s === 206), `answers: ${statuses.join(' ')}`);
  });
});
