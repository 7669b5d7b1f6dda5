import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or false when they can. */
export const chromiumMissing = existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

/**
 * Debian's chromium, headless, in a fresh profile (Playwright refuses --user-data-dir in args, hence a
 * persistent context). Without the background-networking flags it floods a machine with no network
 * with connection attempts. `ignoreHTTPSErrors` lets it trust a test's self-signed certificate.
 */
export async function launchBrowser(options: { ignoreHTTPSErrors?: boolean } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(path.join(tmpdir(), 'seekable-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until a JavaScript expression is truthy in the page. Playwright's waitForFunction evaluates a
 * string expression with eval() again at each poll, which the pages' Content-Security-Policy forbids
 * (no 'unsafe-eval'); page.evaluate goes through the debugging protocol, which the policy does not govern.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What PLAY_AND_SEEK reports. */
export interface SeekResult {
  duration: number;
  target: number;
  afterSeek: number;
  later: number;
  paused: boolean;
}

/**
 * Runs in the page: seeks the page's first <video> to its middle before playing (so the middle cannot
 * have been read ahead), then plays on from there.
 */
// Runs in the page. A string, not a function: the TypeScript loader would otherwise add helpers to the
// function's source that do not exist in the page.
export const PLAY_AND_SEEK = `(async () => {
  const video = document.querySelector('video');
  const until = (check, what, ms = 15000) => new Promise((resolve, reject) => {
    const started = performance.now();
    const tick = () => {
      if (check()) resolve();
      else if (video.error) reject(new Error('media error ' + video.error.code + ': ' + video.error.message));
      else if (performance.now() - started > ms) reject(new Error('timed out waiting for ' + what));
      else setTimeout(tick, 50);
    };
    tick();
  });
  // Seek before playing, right after the metadata: the middle cannot have been read ahead yet.
  await until(() => video.readyState >= 1, 'metadata');
  const duration = video.duration;
  const target = duration / 2;
  const seeked = new Promise((r) => video.addEventListener('seeked', r, { once: true }));
  video.currentTime = target;
  await seeked;
  // 'seeked' fires even when the seek silently snapped back; the position is what counts.
  const afterSeek = video.currentTime;
  await video.play();
  await until(() => video.currentTime > target + 0.5, 'playback to continue after the seek');
  return { duration, target, afterSeek, later: video.currentTime, paused: video.paused };
})()`;
