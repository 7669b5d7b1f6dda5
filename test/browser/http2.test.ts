import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app/app.js';
import { createSecureMediaServer } from '../../src/serve/create-server.js';
import { chromiumMissing, launchBrowser, PLAY_AND_SEEK, type SeekResult } from '../support/browser.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from '../support/tls.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skip = chromiumMissing || opensslMissing;
if (skip) console.log(`# HTTP/2 browser test skipped: ${skip}`);

describe('a real browser plays and seeks over HTTPS with HTTP/2', { skip }, () => {
  let cert: TestCertificate;
  let cacheDir: string;
  let server: Http2SecureServer;
  let url: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  /** The HTTP version of every request for the media's bytes, as the server saw it. */
  const mediaVersions: string[] = [];

  before(async () => {
    cert = await selfSignedCertificate();
    cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-h2-browser-cache-'));
    const app = createApp({ root: path.join(repo, 'demo'), cacheDir, posters: false });
    await app.catalog.refresh();
    server = createSecureMediaServer(cert, (req, res) => {
      if (req.url?.startsWith('/stream/')) mediaVersions.push(req.httpVersion);
      app(req, res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await rm(cacheDir, { recursive: true, force: true });
    if (cert) await rm(cert.dir, { recursive: true, force: true });
  });

  for (const clip of ['Test pattern (H.264).mp4', 'Mandelbrot zoom (VP9).webm']) {
    it(`plays and seeks ${clip} over h2`, { timeout: 60_000 }, async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
      mediaVersions.length = 0;
      await page.goto(`${url}/watch/${encodeURIComponent(clip)}`);
      const protocol = await page.evaluate(`performance.getEntriesByType('navigation')[0].nextHopProtocol`);
      const result = await page.evaluate<SeekResult>(PLAY_AND_SEEK);
      await page.close();

      assert.equal(protocol, 'h2');
      assert.deepEqual(errors, []);
      assert.ok(Math.abs(result.duration - 12) < 0.2, `duration ${result.duration}`);
      assert.ok(Math.abs(result.afterSeek - result.target) < 0.5, `seeked to ${result.afterSeek}, asked ${result.target}`);
      assert.ok(result.later > result.target + 0.5, `played on to ${result.later} from ${result.target}`);
      assert.equal(result.paused, false);
      // The video's own range requests went over HTTP/2 too, not just the page.
      assert.ok(mediaVersions.length > 0);
      assert.deepEqual([...new Set(mediaVersions)], ['2.0']);
    });
  }
});
