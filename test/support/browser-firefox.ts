import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type KeyInput, type Page } from 'puppeteer-core';
import { guardGroup, killGroup } from './browser-processes.js';
import { EMPTY_INPUT, type EngineBrowser, type EnginePage, FIREFOX, pointIn, pollUntil, withArgument } from './browsers.js';

/** The few key names the interface uses that puppeteer spells otherwise. */
const KEYS: Record<string, string> = { ' ': 'Space' };

/**
 * Firefox's side of EnginePage: Debian's firefox-esr, headless, driven over WebDriver BiDi by
 * puppeteer-core 24 (25 needs Node 22), in a fresh profile. No geckodriver: Firefox speaks BiDi itself.
 */
export async function launchFirefox(): Promise<EngineBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'seekable-firefox-'));
  let browser: Awaited<ReturnType<typeof puppeteer.launch>>;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
      defaultViewport: { width: 1280, height: 800 },
      extraPrefsFirefox: {
        // Let play() start without a click, sound or not, as Chromium's --autoplay-policy flag does.
        'media.autoplay.default': 0,
        'media.autoplay.blocking_policy': 0,
        // A machine with no network: no update, telemetry or safe-browsing requests.
        'app.update.enabled': false,
        'browser.safebrowsing.malware.enabled': false,
        'browser.safebrowsing.phishing.enabled': false,
        'datareporting.policy.dataSubmissionEnabled': false,
      },
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  // puppeteer starts firefox as the leader of its own process group (detached), content processes included.
  const pid = browser.process()?.pid;
  const guard = pid === undefined ? undefined : guardGroup(pid);
  let closed: Promise<void> | undefined;
  return {
    engine: 'firefox',
    openPage: async (url) => {
      const page = await browser.newPage();
      const problems = await watchProblems(page);
      if (url !== undefined) await page.goto(url);
      return firefoxPage(page, problems);
    },
    close: () => {
      closed ??= (async () => {
        // A clean close lets Firefox reap its content processes; the group kill after it is for a hang.
        await Promise.race([browser.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
        if (pid !== undefined) killGroup(pid);
        await guard?.release();
        await rm(profile, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

/** Console errors, uncaught exceptions and, through a script run before the page's, refusals by its CSP. */
async function watchProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  await page.evaluateOnNewDocument(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline code')))",
  );
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: uncaught ${error instanceof Error ? error.message : String(error)}`));
  return problems;
}

function firefoxPage(page: Page, problems: string[]): EnginePage {
  const evaluate = <T>(expression: string, arg?: unknown) => page.evaluate(withArgument(expression, arg)) as Promise<T>;
  return {
    engine: 'firefox',
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    url: async () => page.url(),
    evaluate,
    waitFor: (expression, timeoutMs) => pollUntil(evaluate, expression, timeoutMs),
    click: (selector) => page.click(selector),
    fill: async (selector, text) => {
      // Emptied in the page, announced with an 'input' event as a user's deletion would be, then typed.
      await evaluate(EMPTY_INPUT, selector);
      await page.type(selector, text);
    },
    press: (key) => page.keyboard.press((KEYS[key] ?? key) as KeyInput),
    mouseMove: (point) => page.mouse.move(point.x, point.y),
    mouseDown: () => page.mouse.down(),
    mouseUp: () => page.mouse.up(),
    hover: async (selector, offset) => {
      const point = await pointIn(evaluate, selector, offset);
      await page.mouse.move(point.x, point.y);
    },
    // puppeteer's touchscreen sends WebDriver BiDi pointer actions of type 'touch'.
    touchStart: async (point) => {
      await page.touchscreen.touchStart(point.x, point.y);
    },
    touchMove: (point) => page.touchscreen.touchMove(point.x, point.y),
    touchEnd: () => page.touchscreen.touchEnd(),
    screenshot: async (file) => {
      await page.screenshot({ path: file as `${string}.png` });
    },
    problems: async () => [...problems],
    close: () => page.close(),
  };
}
