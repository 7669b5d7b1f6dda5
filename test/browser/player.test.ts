import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { createApp } from '../../src/app/app.js';
import { chromiumMissing, launchBrowser, PLAY_AND_SEEK, type SeekResult } from '../support/browser.js';
import { startServer, type TestServer } from '../support/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skip = chromiumMissing;
if (skip) console.log(`# browser tests skipped: ${skip}`);

interface Answer {
  path: string;
  range: string | undefined;
  ifRange: string | string[] | undefined;
  status: number | 'aborted before headers';
}

const configs = [
  { name: 'whole-file 206s', maxChunk: undefined },
  // Each 206 holds at most 64 KiB, so the browser cannot have buffered the middle when it seeks there:
  // it has to ask for it with a range of its own, and play from what that range returns.
  { name: '64 KiB 206s', maxChunk: 64 * 1024 },
];

for (const config of configs)
  describe(`a real browser plays and seeks the demo clips (${config.name})`, { skip }, () => {
    let server: TestServer;
    let context: BrowserContext;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    let cacheDir: string;
    const answers: Answer[] = [];

    before(async () => {
      cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-browser-cache-'));
      const app = createApp({ root: path.join(repo, 'demo'), maxChunk: config.maxChunk, cacheDir, posters: false });
      await app.catalog.refresh();
      server = await startServer((req, res) => {
        // The player plays /stream/ (the file, or its faststart copy).
        if (req.url?.startsWith('/stream/')) {
          res.on('close', () =>
            answers.push({
              path: decodeURIComponent(req.url!.slice(8)),
              range: req.headers.range,
              ifRange: req.headers['if-range'],
              // A request the browser aborted before our headers went out still reads statusCode 200.
              status: res.headersSent ? res.statusCode : 'aborted before headers',
            }),
          );
        }
        app(req, res);
      });
      browser = await launchBrowser();
      context = browser.context;
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await rm(cacheDir, { recursive: true, force: true });
    });

    for (const clip of ['Test pattern (H.264).mp4', 'Mandelbrot zoom (VP9).webm']) {
      it(`plays and seeks ${clip}`, { timeout: 60_000 }, async () => {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}/watch/${encodeURIComponent(clip)}`);
        const result = await page.evaluate<SeekResult>(PLAY_AND_SEEK);
        await mkdir(path.join(repo, 'test-output'), { recursive: true });
        await page.screenshot({ path: path.join(repo, 'test-output', `player-${clip.replace(/\W+/g, '-')}-${config.maxChunk ?? 'whole'}.png`) });
        await page.close();

        assert.deepEqual(errors, []);
        assert.ok(Math.abs(result.duration - 12) < 0.2, `duration ${result.duration}`);
        assert.ok(Math.abs(result.afterSeek - result.target) < 0.5, `seeked to ${result.afterSeek}, asked ${result.target}`);
        assert.ok(result.later > result.target + 0.5);
        assert.equal(result.paused, false);

        const mine = answers.filter((a) => a.path === clip);
        if (process.env.SEEKABLE_DEBUG) console.log(JSON.stringify(mine));
        assert.ok(
          mine.some((a) => a.status === 206),
          'the browser fetched the clip',
        );
        assert.ok(
          mine.every((a) => a.range !== undefined && (a.status === 206 || a.status === 'aborted before headers')),
          `every media request was a range, answered 206: ${JSON.stringify(mine)}`,
        );
        if (config.maxChunk !== undefined) {
          const { size } = statSync(path.join(repo, 'demo', clip));
          const starts = mine.map((a) => Number(/^bytes=(\d+)-/.exec(a.range ?? '')?.[1]));
          assert.ok(
            starts.some((start) => start > size / 4 && start < (size * 3) / 4),
            `the seek was served by a range from the middle of the file: ${JSON.stringify(mine)}`,
          );
        }
      });
    }
  });
