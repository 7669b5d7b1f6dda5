import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type App, createApp } from '../../src/app/app.js';
import { ENGINES, type EngineBrowser, type EnginePage, engineMissing, launchEngine, type Point, touchMissing } from '../support/browsers.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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

/** The bar has appeared (its track has loaded) and the video knows its duration. */
const BAR_READY = "document.querySelector('.seekbar') !== null && document.querySelector('video').readyState >= 1";

/** Where a fraction of the seek bar is, from the bar's top-left corner (its vertical middle). */
async function barOffset(page: EnginePage, fraction: number): Promise<Point> {
  const box = await page.evaluate<{ width: number; height: number } | null>(
    "(() => { const bar = document.querySelector('.seekbar'); if (bar === null) return null; const r = bar.getBoundingClientRect(); return { width: r.width, height: r.height }; })()",
  );
  assert.ok(box !== null, 'the seek bar is on the page');
  return { x: box.width * fraction, y: box.height / 2 };
}

/** Where a fraction of the seek bar is in the viewport, with the bar scrolled into view. */
async function barPoint(page: EnginePage, fraction: number): Promise<Point> {
  const offset = await barOffset(page, fraction);
  return page.evaluate<Point>(
    `(offset) => {
      const bar = document.querySelector('.seekbar');
      bar.scrollIntoView({ block: 'center', inline: 'center' });
      const r = bar.getBoundingClientRect();
      return { x: r.left + offset.x, y: r.top + offset.y };
    }`,
    offset,
  );
}

/** Hovers the seek bar at a fraction of its width and says what the preview shows once its frame has loaded. */
async function previewAt(page: EnginePage, fraction: number): Promise<PreviewState> {
  await page.hover('.seekbar', await barOffset(page, fraction));
  await page.waitFor(`(${PREVIEW_STATE}).loaded`);
  return page.evaluate<PreviewState>(PREVIEW_STATE);
}

/**
 * The player's seek-bar previews in each engine: the bar of its own under the video, the frame and time
 * under the pointer, a seek where it is released, renewed signed links, and nothing at all without ffmpeg.
 */
for (const engine of ENGINES) {
  const skip = engineMissing(engine) || ffmpegMissing;
  if (skip) console.log(`# ${engine} previews browser tests skipped: ${skip}`);

  describe(`seek-bar previews in ${engine}`, { skip }, () => {
    let root: string;
    let browser: EngineBrowser;
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
      browser = await launchEngine(engine);
    });
    after(async () => {
      await browser?.close();
      for (const app of apps) app.close();
      for (const server of servers) await server.close();
      if (root !== undefined) await rm(root, { recursive: true, force: true });
    });

    it('hovering two points of the bar shows the frame under the pointer, and a click seeks there', { timeout: 120_000 }, async () => {
      const { url } = await serve({});
      const page = await browser.openPage(`${url}/watch/Clips/day%201.mp4`);
      // The bar appears once the track has loaded: the first request makes the previews.
      await page.waitFor(BAR_READY, 90_000);

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
      await page.screenshot(path.join(repo, 'test-output', `player-previews-${engine}.png`));

      // Leaving the bar hides it; a click seeks to where it was.
      await page.mouseMove({ x: 5, y: 5 });
      await page.waitFor("document.querySelector('.seek-preview').hidden");
      await page.mouseMove(await barPoint(page, 0.5));
      await page.mouseDown();
      await page.mouseUp();
      await page.waitFor("Math.abs(document.querySelector('video').currentTime - 12.5) < 0.5");
      assert.deepEqual(await page.problems(), []);
      await page.close();
    });

    // Real touch input: Chromium's debugging protocol, Firefox's BiDi touch actions (touchMissing).
    it('a touch drag shows the previews under the finger and seeks where it lifts', { timeout: 120_000, skip: touchMissing(engine) }, async () => {
      const { url } = await serve({});
      const page = await browser.openPage(`${url}/watch/Clips/day%201.mp4`);
      await page.waitFor(BAR_READY, 90_000);
      const from = await barPoint(page, 0.2);
      const to = await barPoint(page, 0.6);
      await page.touchStart(from);
      for (let step = 1; step <= 5; step++) {
        await page.touchMove({ x: from.x + ((to.x - from.x) * step) / 5, y: from.y });
      }
      await page.waitFor(`(${PREVIEW_STATE}).loaded && (${PREVIEW_STATE}).time === '0:15'`);
      const dragging = await page.evaluate<PreviewState>(PREVIEW_STATE);
      assert.equal(dragging.hidden, false);
      assert.deepEqual([dragging.frameX, dragging.frameY], ['-960px', '0px']); // 15 s: the keyframe of 14.4 s, the seventh
      await page.touchEnd();
      await page.waitFor("Math.abs(document.querySelector('video').currentTime - 15) < 0.5");
      assert.equal(await page.evaluate("document.querySelector('.seek-preview').hidden"), true, 'a lifted finger hovers nowhere');
      assert.deepEqual(await page.problems(), []);
      await page.close();
    });

    it('with signed links, the previews move to the renewed links with the video', { timeout: 120_000 }, async () => {
      // Links live 4 to 8 s: the page renews them within seconds.
      const { url, requested } = await serve({ secrets: ['s'.repeat(16)], signTtl: 4 });
      const page = await browser.openPage(`${url}/watch/Clips/day%201.mp4`);
      await page.waitFor(BAR_READY, 90_000);
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
      assert.deepEqual(await page.problems(), []);
      await page.close();
    });

    it('without ffmpeg the player plays as before: no bar, no previews request, no console error', { timeout: 60_000 }, async () => {
      const { url, requested } = await serve({ ffmpeg: path.join(root, 'no-such-ffmpeg') });
      const page = await browser.openPage(`${url}/watch/Clips/day%201.mp4`);
      await page.evaluate("document.querySelector('video').play()");
      await page.waitFor("document.querySelector('video').currentTime > 0.5");
      assert.equal(await page.evaluate("document.querySelector('.seekbar')"), null);
      assert.deepEqual(await page.problems(), []);
      await page.close();
      // The player plays /stream/ (the faststart view of the file).
      assert.ok(requested.some((r) => r.startsWith('/stream/')));
      assert.deepEqual(
        requested.filter((r) => r.startsWith('/previews/')),
        [],
      );
    });
  });
}
