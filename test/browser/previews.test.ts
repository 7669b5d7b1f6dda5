import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { type App, createApp } from '../../src/app/app.js';
import { chromiumMissing, launchBrowser, waitForExpression } from '../support/browser.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skip = chromiumMissing || ffmpegMissing;
if (skip) console.log(`# previews browser tests skipped: ${skip}`);

/** What the player's preview shows: its time label, the sheet and the offset of the frame in it, where it stands. */
interface PreviewState {
  hidden: boolean;
  time: string;
  src: string;
  loaded: boolean;
  frameX: string;
  frameY: string;
  left: number;
}

/** Where a fraction of the seek bar is on the page (its vertical middle). */
async function barPoint(page: Page, fraction: number): Promise<{ x: number; y: number }> {
  const box = await page.locator('.seekbar').boundingBox();
  assert.ok(box !== null, 'the seek bar is on the page');
  return { x: box.x + box.width * fraction, y: box.y + box.height / 2 };
}

/** What the preview shows now (read in the page). */
const PREVIEW_STATE = `(() => {
  const preview = document.querySelector('.seek-preview');
  const image = document.querySelector('.seek-preview-image');
  return {
    hidden: preview.hidden,
    time: document.querySelector('.seek-preview-time').textContent,
    src: image.src,
    loaded: image.complete && image.naturalWidth > 0,
    frameX: image.style.left,
    frameY: image.style.top,
    left: parseFloat(preview.style.left),
  };
})()`;

/** The page-level helper: hovers the seek bar at a fraction of its width and says what the preview shows once its frame has loaded. */
async function previewAt(page: Page, fraction: number): Promise<PreviewState> {
  const { x, y } = await barPoint(page, fraction);
  await page.mouse.move(x, y, { steps: 4 });
  await waitForExpression(page, `(${PREVIEW_STATE}).loaded`);
  return page.evaluate<PreviewState>(PREVIEW_STATE);
}

describe('seek-bar previews in a real browser', { skip }, () => {
  let root: string;
  let context: BrowserContext;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const apps: App[] = [];
  const servers: TestServer[] = [];

  /** The app on a server of its own: its URL, and the request targets it has seen. */
  async function serve(options: Partial<Parameters<typeof createApp>[0]>): Promise<{ url: string; requested: string[] }> {
    const requested: string[] = [];
    const app = createApp({ root, cacheDir: path.join(root, `.cache-${apps.length}`), ...options });
    apps.push(app);
    await app.catalog.refresh();
    const server = await startServer((req, res) => {
      requested.push(req.url ?? '');
      app(req, res);
    });
    servers.push(server);
    return { url: server.url, requested };
  }

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-previews-browser-'));
    await mkdir(path.join(root, 'Clips'));
    // 25 s, a keyframe every 2.4 s: the frames shown are those of 0, 2.4, 4.8, ... 24 s.
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=25'];
    const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0'];
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...src,
      ...h264,
      '-movflags',
      '+faststart',
      path.join(root, 'Clips', 'day 1.mp4'),
    ]);
    browser = await launchBrowser();
    context = browser.context;
  });
  after(async () => {
    await browser?.close();
    for (const app of apps) app.close();
    for (const server of servers) await server.close();
    await rm(root, { recursive: true, force: true });
  });

  /** A fresh page that records script errors and console errors. */
  async function open(url: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    return { page, errors };
  }

  it('hovering two points of the bar shows the frame under the pointer, and a click seeks there', { timeout: 120_000 }, async () => {
    const { url } = await serve({});
    const { page, errors } = await open(`${url}/watch/Clips/day%201.mp4`);
    // The bar appears once the track has loaded: the first request makes the previews.
    await waitForExpression(page, "document.querySelector('.seekbar') !== null && document.querySelector('video').readyState >= 1", 90_000);

    const early = await previewAt(page, 0.25); // 6.25 s: the keyframe of 4.8 s, the third frame
    const late = await previewAt(page, 0.75); // 18.75 s: the keyframe of 16.8 s, the eighth frame
    assert.equal(early.hidden, false);
    assert.equal(early.time, '0:06');
    assert.equal(late.time, '0:18');
    assert.match(early.src, /\/previews\/Clips\/day%201\.mp4\.1\.jpg\?v=[0-9a-f]{16}$/);
    assert.deepEqual([early.frameX, early.frameY], ['-320px', '0px']);
    assert.deepEqual([late.frameX, late.frameY], ['-1120px', '0px']);
    assert.ok(late.left > early.left, `the preview follows the pointer: ${early.left} then ${late.left}`);
    await mkdir(path.join(repo, 'test-output'), { recursive: true });
    await page.screenshot({ path: path.join(repo, 'test-output', 'player-previews.png') });

    // Leaving the bar hides it; a click seeks to where it was.
    await page.mouse.move(5, 5);
    assert.equal(await page.evaluate("document.querySelector('.seek-preview').hidden"), true);
    const { x, y } = await barPoint(page, 0.5);
    await page.mouse.click(x, y);
    await waitForExpression(page, "Math.abs(document.querySelector('video').currentTime - 12.5) < 0.5");
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('a touch drag shows the previews under the finger and seeks where it lifts', { timeout: 120_000 }, async () => {
    const { url } = await serve({});
    const { page, errors } = await open(`${url}/watch/Clips/day%201.mp4`);
    await waitForExpression(page, "document.querySelector('.seekbar') !== null && document.querySelector('video').readyState >= 1", 90_000);
    // Real touch input, through the debugging protocol (Playwright's touchscreen only taps).
    const cdp = await context.newCDPSession(page);
    const from = await barPoint(page, 0.2);
    const to = await barPoint(page, 0.6);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from] });
    for (let step = 1; step <= 5; step++) {
      const point = { x: from.x + ((to.x - from.x) * step) / 5, y: from.y };
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point] });
    }
    await waitForExpression(page, `(${PREVIEW_STATE}).loaded && (${PREVIEW_STATE}).time === '0:15'`);
    const dragging = await page.evaluate<PreviewState>(PREVIEW_STATE);
    assert.equal(dragging.hidden, false);
    assert.deepEqual([dragging.frameX, dragging.frameY], ['-960px', '0px']); // 15 s: the keyframe of 14.4 s, the seventh
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await waitForExpression(page, "Math.abs(document.querySelector('video').currentTime - 15) < 0.5");
    assert.equal(await page.evaluate("document.querySelector('.seek-preview').hidden"), true, 'a lifted finger hovers nowhere');
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('with signed links, the previews move to the renewed links with the video', { timeout: 120_000 }, async () => {
    // Links live 4 to 8 s: the page renews them within seconds.
    const { url, requested } = await serve({ secrets: ['s'.repeat(16)], signTtl: 4 });
    const { page, errors } = await open(`${url}/watch/Clips/day%201.mp4`);
    await waitForExpression(page, "document.querySelector('.seekbar') !== null && document.querySelector('video').readyState >= 1", 90_000);
    const exp = (link: string) => new URL(link, url).searchParams.get('exp');
    const first = await previewAt(page, 0.3);
    const tracks = () => requested.filter((r) => r.startsWith('/previews/') && r.includes('.vtt?'));
    for (const deadline = Date.now() + 30_000; new Set(tracks().map(exp)).size < 2 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(new Set(tracks().map(exp)).size >= 2, `the track was asked for again with a renewed link: ${tracks().join(' ')}`);
    // The page reads the renewed track when it arrives: hover until the preview shows a sheet from it.
    let later = first;
    for (let i = 0, deadline = Date.now() + 30_000; exp(later.src) === exp(first.src) && Date.now() < deadline; i++) {
      later = await previewAt(page, i % 2 === 0 ? 0.6 : 0.5);
    }
    assert.notEqual(exp(later.src), exp(first.src));
    assert.ok(tracks().map(exp).includes(exp(later.src)), 'a sheet of a track the page asked for');
    assert.equal(later.loaded, true, 'the sheet opens with the renewed link');
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('without ffmpeg the player plays as before: no bar, no previews request, no console error', { timeout: 60_000 }, async () => {
    const { url, requested } = await serve({ ffmpeg: path.join(root, 'no-such-ffmpeg') });
    const { page, errors } = await open(`${url}/watch/Clips/day%201.mp4`);
    await page.evaluate("document.querySelector('video').play()");
    await waitForExpression(page, "document.querySelector('video').currentTime > 0.5");
    assert.equal(await page.evaluate("document.querySelector('.seekbar')"), null);
    await page.close();
    assert.deepEqual(errors, []);
    assert.ok(requested.some((r) => r.startsWith('/media/')));
    assert.deepEqual(
      requested.filter((r) => r.startsWith('/previews/')),
      [],
    );
  });
});
