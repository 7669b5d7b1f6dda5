import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/app/app.js';
import { runFaststart } from '../../src/cli/faststart.js';
import { chromiumMissing, launchBrowser, PLAY_AND_SEEK, type SeekResult, waitForExpression } from '../support/browser.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/http.js';
import { faststartFixtures } from '../media/faststart-fixtures.js';

const skip = chromiumMissing || ffmpegMissing;
if (skip) console.log(`# faststart browser tests skipped: ${skip}`);

/** One media request the server saw: which route, which file, which bytes. */
interface Seen {
  route: string;
  name: string;
  start: number | undefined;
}

/**
 * Where a request for the moov at the end of a file starts: Chromium reads in 32 KiB blocks, so at the
 * block (here rounded to 64 KiB) that holds the moov's first byte.
 */
const tailOf = (moov: { start: number }) => Math.floor(moov.start / 65536) * 65536;

/** The offset and size of the moov box of an MP4 held in memory (top-level boxes, compact headers). */
function moovOf(bytes: Buffer): { start: number; size: number } {
  for (let at = 0; at < bytes.length; at += bytes.readUInt32BE(at)) {
    if (bytes.toString('latin1', at + 4, at + 8) === 'moov') return { start: at, size: bytes.readUInt32BE(at) };
  }
  throw new Error('no moov');
}

describe('a real browser on files whose moov follows their media data', { skip }, () => {
  let root: string;
  let app: App;
  let server: TestServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let original: Buffer;
  const seen: Seen[] = [];

  before(async () => {
    const fixtures = await faststartFixtures();
    root = await mkdtemp(path.join(tmpdir(), 'seekable-faststart-browser-'));
    await copyFile(path.join(fixtures, 'long.mp4'), path.join(root, 'long.mp4'));
    original = await readFile(path.join(root, 'long.mp4'));
    const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
    const config = { input: path.join(fixtures, 'long.mp4'), output: path.join(root, 'fixed.mp4'), inPlace: false, progress: false };
    assert.equal(await runFaststart(config, quiet), 0);
    app = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false, maxChunk: 256 * 1024 });
    await app.catalog.refresh();
    server = await startServer((req, res) => {
      const m = /^\/(media|stream)\/([^?]+)/.exec(req.url ?? '');
      if (m !== null) seen.push({ route: m[1]!, name: decodeURIComponent(m[2]!), start: Number(/^bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1]) });
      app(req, res);
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    app?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('the player starts and seeks the file with no request for its tail (the moov served first, on the fly)', { timeout: 90_000 }, async () => {
    const moov = moovOf(original);
    seen.length = 0;
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/watch/long.mp4`);
    const result = await page.evaluate<SeekResult>(PLAY_AND_SEEK);
    await page.close();
    assert.ok(Math.abs(result.duration - 30) < 0.2, `duration ${result.duration}`);
    assert.ok(Math.abs(result.afterSeek - result.target) < 0.5, `seeked to ${result.afterSeek}, asked ${result.target}`);
    assert.ok(result.later > result.target + 0.5);
    const mine = seen.filter((s) => s.name === 'long.mp4');
    assert.ok(mine.length > 0 && mine.every((s) => s.route === 'stream'), JSON.stringify(mine));
    // The moov was at the end of the file; in the copy those offsets hold the last media data.
    assert.ok(
      mine.every((s) => s.start === undefined || Number.isNaN(s.start) || s.start < tailOf(moov)),
      `a request for the tail: ${JSON.stringify(mine)} (moov at ${moov.start} of ${original.length})`,
    );
    assert.ok(
      mine.some((s) => s.start !== undefined && s.start > original.length / 4),
      `the seek was its own range: ${JSON.stringify(mine)}`,
    );
  });

  it('the same file as it is (/media/) makes the browser ask for its tail: what the check above would catch', { timeout: 90_000 }, async () => {
    const moov = moovOf(original);
    seen.length = 0;
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/media/long.mp4`);
    await waitForExpression(page, "(document.querySelector('video')?.readyState ?? 0) >= 1");
    await page.close();
    const mine = seen.filter((s) => s.name === 'long.mp4');
    assert.ok(
      mine.some((s) => s.start !== undefined && s.start >= tailOf(moov)),
      `the browser asked for the moov at the end: ${JSON.stringify(mine)}`,
    );
  });

  it("plays and seeks the command's output", { timeout: 90_000 }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/watch/fixed.mp4`);
    const result = await page.evaluate<SeekResult>(PLAY_AND_SEEK);
    await page.close();
    assert.ok(Math.abs(result.duration - 30) < 0.2, `duration ${result.duration}`);
    assert.ok(Math.abs(result.afterSeek - result.target) < 0.5, `seeked to ${result.afterSeek}, asked ${result.target}`);
    assert.ok(result.later > result.target + 0.5);
    assert.equal(result.paused, false);
  });
});
