import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { type EngineBrowser, type EnginePage, type Point, pointIn, pollUntil, withArgument } from './browsers.js';

/** Chromium calls the space bar 'Space' and takes every other name the interface uses as is. */
const KEYS: Record<string, string> = { ' ': 'Space' };

/** Chromium's side of EnginePage: playwright-core over Debian's chromium (browser.ts). */
export async function launchChromium(): Promise<EngineBrowser> {
  const browser = await launchBrowser();
  return {
    engine: 'chromium',
    openPage: async (url) => {
      const page = await browser.context.newPage();
      const problems = watchProblems(page);
      if (url !== undefined) await page.goto(url);
      return chromiumPage(page, problems);
    },
    close: () => browser.close(),
  };
}

/** Console errors, uncaught exceptions and, through an init script, refusals by the page's CSP. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  // Chromium logs a CSP violation as a console error too; the event says which directive refused what.
  void page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline code')))",
  );
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: uncaught ${error.message}`));
  return problems;
}

function chromiumPage(page: Page, problems: string[]): EnginePage {
  const evaluate = <T>(expression: string, arg?: unknown) => page.evaluate(withArgument(expression, arg)) as Promise<T>;
  // Real touch input goes through the debugging protocol: Playwright's touchscreen only taps.
  let cdp: Promise<CDPSession> | undefined;
  const touch = async (type: 'touchStart' | 'touchMove' | 'touchEnd', touchPoints: Point[]) => {
    cdp ??= page.context().newCDPSession(page);
    await (await cdp).send('Input.dispatchTouchEvent', { type, touchPoints });
  };
  return {
    engine: 'chromium',
    goto: async (url) => {
      await page.goto(url);
    },
    reload: async () => {
      await page.reload();
    },
    url: async () => page.url(),
    evaluate,
    // Not page.waitForFunction: it evaluates the string with eval() at each poll, which the pages'
    // Content-Security-Policy forbids; page.evaluate goes through the debugging protocol instead.
    waitFor: (expression, timeoutMs) => pollUntil(evaluate, expression, timeoutMs),
    click: (selector) => page.click(selector),
    fill: (selector, text) => page.fill(selector, text),
    press: (key) => page.keyboard.press(KEYS[key] ?? key),
    mouseMove: (point) => page.mouse.move(point.x, point.y),
    mouseDown: () => page.mouse.down(),
    mouseUp: () => page.mouse.up(),
    hover: async (selector, offset) => {
      const point = await pointIn(evaluate, selector, offset);
      await page.mouse.move(point.x, point.y);
    },
    touchStart: (point) => touch('touchStart', [point]),
    touchMove: (point) => touch('touchMove', [point]),
    touchEnd: () => touch('touchEnd', []),
    screenshot: async (file) => {
      await page.screenshot({ path: file });
    },
    problems: async () => [...problems],
    close: () => page.close(),
  };
}
