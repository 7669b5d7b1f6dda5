import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createApp, type App } from '../../src/app/app.js';
import { chromiumMissing, launchBrowser, PLAY_AND_SEEK, type SeekResult } from '../support/browser.js';
import { startServer, type TestServer } from '../support/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skip = chromiumMissing;
if (skip) console.log(`# mounted-app browser tests skipped: ${skip}`);

describe('the app mounted under /videos/ in Express, in a real browser, under its CSP', { skip }, () => {
  let server: TestServer;
  let app: App;
  let cacheDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const requested: string[] = [];

  before(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-mounted-'));
    app = createApp({ root: path.join(repo, 'demo'), cacheDir, posters: false });
    await app.catalog.refresh();
    const outer = express();
    outer.use((req, _res, next) => {
      requested.push(req.url);
      next();
    });
    outer.use('/videos', app);
    server = await startServer(outer);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    app?.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('goes from the library to the player, plays and seeks, with no console error or CSP violation', { timeout: 60_000 }, async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline code')))",
    );
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`uncaught ${error.message}`));
    const library = await page.goto(`${server.url}/videos/`);
    assert.ok(library?.headers()['content-security-policy']?.includes("script-src 'self'"));
    await page.click('a[href="/videos/watch/Test%20pattern%20(H.264).mp4"]');
    await page.waitForURL(`${server.url}/videos/watch/Test%20pattern%20(H.264).mp4`);
    const result = await page.evaluate<SeekResult>(PLAY_AND_SEEK);
    await page.close();
    assert.ok(Math.abs(result.afterSeek - result.target) < 0.5, `seeked to ${result.afterSeek}, asked ${result.target}`);
    assert.ok(result.later > result.target + 0.5);
    assert.deepEqual(problems, []);
    // Everything the pages asked for was under the mount: media, assets, the icon.
    assert.ok(requested.some((u) => u.startsWith('/videos/stream/')));
    assert.ok(requested.some((u) => u.startsWith('/videos/assets/')));
    assert.deepEqual(
      requested.filter((u) => !u.startsWith('/videos/')),
      [],
    );
  });
});
