import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type App, createApp } from '../../src/app/app.js';
import { runFaststart } from '../../src/cli/faststart.js';
import { playAndSeekScript, type SeekResult } from '../support/browser-play.js';
import { ENGINES, type EngineBrowser, engineMissing, launchEngine } from '../support/browsers.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/http.js';
import { faststartFixtures } from '../media/faststart-fixtures.js';

/** The most the server puts in one 206 (open or closed range), so that the browser must ask again to read on. */
const MAX_CHUNK = 256 * 1024;

/**
 * One media request the server saw: which route, which file, its Range, where that starts (0 with no
 * Range) and where the answer stops (its last byte + 1), undefined for a Range not of the form bytes=N-[M].
 */
interface Seen {
  route: string;
  name: string;
  range: string | undefined;
  start: number | undefined;
  end: number | undefined;
}

/** What the server answers a request for `range` of a file of `size` bytes, as [start, end). */
function answered(range: string | undefined, size: number): { start: number | undefined; end: number | undefined } {
  // No Range: a 200 with the whole file (MAX_CHUNK caps 206s only).
  if (range === undefined) return { start: 0, end: size };
  const m = /^bytes=(\d+)-(\d*)$/.exec(range);
  if (m === null) return { start: undefined, end: undefined };
  const start = Number(m[1]);
  return { start, end: Math.min(start + MAX_CHUNK, m[2] === '' ? size : Number(m[2]) + 1, size) };
}

/**
 * The requests that start somewhere new, leaving out those that carry on where an earlier answer
 * stopped: Firefox reads the copy on to its end in 256 KiB answers (measured), and the last of those
 * may start past the point below without anything being asked for the moov.
 */
const jumps = (mine: Seen[]) => mine.filter((s, i) => !mine.slice(0, i).some((earlier) => earlier.end !== undefined && earlier.end === s.start));

/**
 * Where a request for the moov at the end of a file starts, at the latest: Chromium and Firefox read
 * in 32 KiB blocks, so at the block (here rounded to 64 KiB) that holds the moov's first byte;
 * WebKitGTK asks for the moov's own offset (all measured on /media/ below).
 */
const tailOf = (moov: { start: number }) => Math.floor(moov.start / 65536) * 65536;

/** The offset and size of the moov box of an MP4 held in memory (top-level boxes, compact headers). */
function moovOf(bytes: Buffer): { start: number; size: number } {
  for (let at = 0; at < bytes.length; at += bytes.readUInt32BE(at)) {
    if (bytes.toString('latin1', at + 4, at + 8) === 'moov') return { start: at, size: bytes.readUInt32BE(at) };
  }
  throw new Error('no moov');
}

/**
 * The player on an MP4 whose moov follows its media data, in each engine. What each engine asks, as
 * measured: Chromium and Firefox open with `bytes=0-` and then ask open ranges; WebKitGTK's first
 * request has no Range, and its later ones are open ranges. A request with no Range starts at 0.
 */
for (const engine of ENGINES) {
  const skip = engineMissing(engine) || ffmpegMissing;
  if (skip) console.log(`# ${engine} faststart browser tests skipped: ${skip}`);

  describe(`${engine} on files whose moov follows their media data`, { skip }, () => {
    let root: string;
    let app: App;
    let server: TestServer;
    let browser: EngineBrowser;
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
      app = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false, maxChunk: MAX_CHUNK });
      await app.catalog.refresh();
      server = await startServer((req, res) => {
        const m = /^\/(media|stream)\/([^?]+)/.exec(req.url ?? '');
        if (m !== null) {
          const name = decodeURIComponent(m[2]!);
          const size = name === 'long.mp4' ? original.length : Number.POSITIVE_INFINITY;
          seen.push({ route: m[1]!, name, range: req.headers.range, ...answered(req.headers.range, size) });
        }
        app(req, res);
      });
      browser = await launchEngine(engine);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      app?.close();
      if (root !== undefined) await rm(root, { recursive: true, force: true });
    });

    /** Opens the player on a file, plays and seeks it to its middle, and returns what it reported. */
    const watch = async (file: string) => {
      const page = await browser.openPage(`${server.url}/watch/${file}`);
      try {
        const result = await page.evaluate<SeekResult>(playAndSeekScript());
        assert.deepEqual(await page.problems(), []);
        return result;
      } finally {
        await page.close();
      }
    };

    it('the player starts and seeks the file with no request for its tail (the moov served first, on the fly)', { timeout: 90_000 }, async () => {
      const moov = moovOf(original);
      seen.length = 0;
      const result = await watch('long.mp4');
      const mine = seen.filter((s) => s.name === 'long.mp4');
      if (process.env.SEEKABLE_DEBUG) console.log(engine, '/stream/', JSON.stringify(mine), 'moov at', moov.start, 'of', original.length);
      assert.ok(Math.abs(result.duration - 30) < 0.2, `duration ${result.duration}`);
      assert.ok(Math.abs(result.afterSeek - result.target) < 0.5, `seeked to ${result.afterSeek}, asked ${result.target}`);
      assert.ok(result.later > result.target + 0.5);
      assert.equal(result.paused, false);
      assert.ok(mine.length > 0 && mine.every((s) => s.route === 'stream'), JSON.stringify(mine));
      if (engine === 'webkit') assert.equal(mine[0]?.range, undefined, `WebKitGTK's first request has no Range: ${JSON.stringify(mine)}`);
      else assert.equal(mine[0]?.range, 'bytes=0-', `${engine} opens with bytes=0-: ${JSON.stringify(mine)}`);
      // Every start is known (bytes=N- or bytes=N-M, no suffix range), so the checks below see them all.
      assert.ok(
        mine.every((s) => s.start !== undefined),
        `only open ranges: ${JSON.stringify(mine)}`,
      );
      // The moov was at the end of the file; in the copy those offsets hold the last media data, which
      // a browser may read on into, but has no reason to jump to.
      assert.ok(
        jumps(mine).every((s) => s.start! < tailOf(moov)),
        `a request for the tail: ${JSON.stringify(mine)} (moov at ${moov.start} of ${original.length})`,
      );
      assert.ok(
        jumps(mine).some((s) => s.start! > original.length / 4),
        `the seek was its own range: ${JSON.stringify(mine)}`,
      );
    });

    it('the same file as it is (/media/) makes the browser ask for its tail: what the check above would catch', { timeout: 90_000 }, async () => {
      const moov = moovOf(original);
      seen.length = 0;
      const page = await browser.openPage(`${server.url}/media/long.mp4`);
      try {
        await page.waitFor("(document.querySelector('video')?.readyState ?? 0) >= 1", 60_000);
      } finally {
        await page.close();
      }
      // Measured: each engine's first request is the navigation to the media document (no Range); then
      // Chromium asks bytes=<32 KiB block of the moov>-<last byte>, Firefox bytes=<that block>-, and
      // WebKitGTK bytes=<moov>-, each before it reads on from the start of the mdat.
      const mine = seen.filter((s) => s.name === 'long.mp4');
      if (process.env.SEEKABLE_DEBUG) console.log(engine, '/media/', JSON.stringify(mine), 'moov at', moov.start, 'of', original.length);
      assert.ok(
        jumps(mine).some((s) => s.start !== undefined && s.start >= tailOf(moov)),
        `the browser asked for the moov at the end: ${JSON.stringify(mine)}`,
      );
    });

    it("plays and seeks the command's output", { timeout: 90_000 }, async () => {
      const result = await watch('fixed.mp4');
      assert.ok(Math.abs(result.duration - 30) < 0.2, `duration ${result.duration}`);
      assert.ok(Math.abs(result.afterSeek - result.target) < 0.5, `seeked to ${result.afterSeek}, asked ${result.target}`);
      assert.ok(result.later > result.target + 0.5);
      assert.equal(result.paused, false);
    });
  });
}
