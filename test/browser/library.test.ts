import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createApp } from '../../src/app/app.js';
import { chromiumMissing, launchBrowser, waitForExpression } from '../support/browser.js';
import { ffmpegMissing, mediaFixtures } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const output = path.join(repo, 'test-output');
const skip = chromiumMissing || ffmpegMissing;
if (skip) console.log(`# library browser tests skipped: ${skip}`);

const XSS = '<img src=x onerror=alert(1)>';

describe('the library and player in a real browser', { skip }, () => {
  let base: string;
  let server: TestServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const dialogs: string[] = [];
  /** What the pages logged as errors, threw, or had refused by their Content-Security-Policy. */
  const problems: string[] = [];

  before(async () => {
    const fixtures = await mediaFixtures();
    base = await mkdtemp(path.join(tmpdir(), 'seekable-ui-'));
    const root = path.join(base, 'Videos');
    await mkdir(path.join(root, 'Demo'), { recursive: true });
    for (const clip of ['Test pattern (H.264).mp4', 'Mandelbrot zoom (VP9).webm']) {
      await copyFile(path.join(repo, 'demo', clip), path.join(root, 'Demo', clip));
    }
    await writeFile(path.join(root, 'Demo', 'Mandelbrot zoom (VP9).en.srt'), '1\r\n00:00:00,000 --> 00:00:11,000\r\nA <i>zoom</i> into the set\r\n');
    await copyFile(path.join(fixtures, 'h264-aac-moov-at-end.mp4'), path.join(root, 'Slow start.mp4'));
    await copyFile(path.join(fixtures, 'h264-aac-faststart.mp4'), path.join(root, `${XSS}.mp4`));
    await copyFile(path.join(fixtures, 'aac-only.m4a'), path.join(root, 'Tone.m4a'));
    await copyFile(path.join(fixtures, 'hevc-aac.mp4'), path.join(root, 'Phone clip (HEVC).mp4'));
    const app = createApp({ root, cacheDir: path.join(base, 'cache') });
    await app.catalog.refresh();
    server = await startServer(app);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // Chromium logs a CSP violation as a console error too; the event says which directive refused what.
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline code')))",
    );
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${page.url()}: uncaught ${error.message}`));
    await mkdir(output, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await rm(base, { recursive: true, force: true });
  });

  const cards = () =>
    page.$$eval('.card:not([hidden])', (els) =>
      els.map((el) => ({
        title: el.querySelector('.title')!.textContent,
        duration: el.querySelector('.duration')?.textContent ?? null,
      })),
    );

  it('lists the videos with their durations, posters, and the hostile name as text', { timeout: 60_000 }, async () => {
    await page.goto(`${server.url}/`);
    // Posters are made on first request; wait until every <img> has loaded one.
    await waitForExpression(page, '[...document.querySelectorAll(".thumb img")].every((i) => i.complete && i.naturalWidth > 0)', 30_000);
    assert.deepEqual(await cards(), [
      { title: XSS, duration: '0:04' },
      { title: 'Phone clip (HEVC)', duration: '0:02' },
      { title: 'Slow start', duration: '0:04' },
      { title: 'Tone', duration: '0:05' },
      { title: 'Mandelbrot zoom (VP9)', duration: '0:12' },
      { title: 'Test pattern (H.264)', duration: '0:12' },
    ]);
    assert.equal(await page.$$eval('img[src="x"]', (els) => els.length), 0);
    assert.equal(await page.$$eval('.thumb img', (els) => els.length), 5);
    // Asked with canPlayType on the file's codec string: this chromium has no HEVC decoder.
    const unplayable = await page.$$eval('.card', (els) =>
      els.filter((el) => el.textContent!.includes('May not play in this browser')).map((el) => el.querySelector('.title')!.textContent),
    );
    assert.deepEqual(unplayable, ['Phone clip (HEVC)']);
    assert.deepEqual(dialogs, []);
    await page.screenshot({ path: path.join(output, 'library.png'), fullPage: true });
  });

  it('the filter narrows the grid as you type', async () => {
    await page.fill('input[name=q]', 'zoom');
    assert.deepEqual(
      (await cards()).map((c) => c.title),
      ['Mandelbrot zoom (VP9)'],
    );
    assert.equal(await page.textContent('.count'), '1 of 6 files');
    await page.fill('input[name=q]', '');
    assert.equal((await cards()).length, 6);
  });

  it('clicking a card opens the player, which plays and seeks', { timeout: 60_000 }, async () => {
    await page.click('text=Test pattern (H.264)');
    await page.waitForURL('**/watch/Demo/Test%20pattern%20(H.264).mp4');
    const at = (await page.evaluate(`(async () => {
      const v = document.getElementById('player');
      await new Promise((r) => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r, { once: true }));
      v.muted = true;
      await v.play();
      const seeked = new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      v.currentTime = 6;
      await seeked;
      const t0 = v.currentTime;
      await new Promise((r) => setTimeout(r, 700));
      v.pause();
      return { t0, t1: v.currentTime };
    })()`)) as { t0: number; t1: number };
    assert.ok(Math.abs(at.t0 - 6) < 0.5, `seeked to ${at.t0}`);
    assert.ok(at.t1 > at.t0, 'playing on after the seek');
    await page.screenshot({ path: path.join(output, 'player.png') });
  });

  it('after a reload, the player offers to resume where you stopped', async () => {
    await page.reload();
    await page.waitForSelector('#notice:not([hidden]) #resume', { timeout: 10_000 });
    assert.match((await page.textContent('#notice')) ?? '', /You stopped at 0:0[67]/);
    await page.click('#resume');
    const t = (await page.evaluate('document.getElementById("player").currentTime')) as number;
    assert.ok(t > 5.5, `resumed at ${t}`);
    await page.evaluate('document.getElementById("player").pause()');
  });

  it('a sidecar SRT becomes a subtitle track with cues', { timeout: 30_000 }, async () => {
    await page.goto(`${server.url}/watch/Demo/Mandelbrot%20zoom%20(VP9).webm`);
    const cues = await page.evaluate(`(async () => {
      const track = document.querySelector('track');
      track.track.mode = 'showing';
      if (track.readyState !== 2) await new Promise((r, j) => { track.addEventListener('load', r, { once: true }); track.addEventListener('error', () => j(new Error('track failed to load')), { once: true }); });
      return { label: track.track.label, language: track.track.language, texts: [...track.track.cues].map((c) => c.text) };
    })()`);
    assert.deepEqual(cues, { label: 'English', language: 'en', texts: ['A <i>zoom</i> into the set'] });
  });

  it('a file this browser cannot play says so, with the reason and a download link', async () => {
    await page.goto(`${server.url}/watch/Phone%20clip%20(HEVC).mp4`);
    await page.waitForSelector('#notice:not([hidden])');
    const text = (await page.textContent('#notice')) ?? '';
    assert.match(text, /This browser cannot play this file: it does not support hvc1\./);
    assert.equal(await page.getAttribute('#notice a', 'href'), '/media/Phone%20clip%20(HEVC).mp4?download=1');
    await page.screenshot({ path: path.join(output, 'player-unplayable.png') });
  });

  it('the keyboard drives the player', async () => {
    await page.goto(`${server.url}/watch/Demo/Test%20pattern%20(H.264).mp4?t=2`);
    await waitForExpression(page, 'document.getElementById("player").readyState >= 1');
    await waitForExpression(page, 'Math.abs(document.getElementById("player").currentTime - 2) < 0.3');
    await page.keyboard.press('l');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('>');
    await page.keyboard.press('m');
    // The speed menu follows the rate through the 'ratechange' event, which arrives a task later.
    await waitForExpression(page, 'document.getElementById("speed").value === "1.25"');
    const state = (await page.evaluate(
      '(() => { const v = document.getElementById("player"); return { t: v.currentTime, rate: v.playbackRate, muted: v.muted, speed: document.getElementById("speed").value }; })()',
    )) as { t: number; rate: number; muted: boolean; speed: string };
    assert.ok(Math.abs(state.t - 7) < 0.5, `at ${state.t} after ?t=2, +10, -5`);
    assert.equal(state.rate, 1.25);
    assert.equal(state.speed, '1.25');
    assert.equal(state.muted, true);
  });

  it('a poster that fails to load leaves its card the icon, not a broken image', { timeout: 30_000 }, async () => {
    // A page of its own: the failed requests are console errors, which the next test must not see.
    const other = await browser.context.newPage();
    try {
      await other.setViewportSize({ width: 1280, height: 3000 }); // every card on screen: no lazy image left waiting
      await other.route('**/poster/**', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'No poster\n' }));
      await other.goto(`${server.url}/`);
      await waitForExpression(other, 'document.querySelectorAll(".thumb img").length === 0', 10_000);
      assert.equal(await other.$$eval('.card .thumb .icon', (els) => els.length), 6);
    } finally {
      await other.close();
    }
  });

  it('no page logged an error, threw, or had anything refused by its Content-Security-Policy', () => {
    assert.deepEqual(problems, []);
  });
});
