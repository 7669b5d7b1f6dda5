import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { playAndSeekScript, type SeekResult } from './browser-play.js';

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

export type { SeekResult };

/**
 * Runs in the page: seeks the page's first <video> to its middle before playing (so the middle cannot
 * have been read ahead), then plays on from there (playAndSeekScript, which every engine's tests use).
 */
export const PLAY_AND_SEEK = playAndSeekScript();
