import { existsSync } from 'node:fs';
import { chromiumMissing } from './browser.js';

/** The three browser engines the browser tests run in, all from Debian's packages. */
export type Engine = 'chromium' | 'firefox' | 'webkit';

/** Every engine, in the order the tests run them. */
export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'webkit'];

/** Debian's firefox-esr, driven over WebDriver BiDi by puppeteer-core. */
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** WebKitGTK's test browser, driven by WebKitWebDriver (package webkit2gtk-driver). */
export const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const WEBKIT_WEBDRIVER = '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';

/**
 * Why this engine cannot run here, or false when it can. The tests skip an absent engine with this
 * reason; CI installs all three (.ci/run).
 */
export function engineMissing(engine: Engine): string | false {
  if (engine === 'chromium') return chromiumMissing;
  if (engine === 'firefox') return existsSync(FIREFOX) ? false : `no firefox at ${FIREFOX} (apt-get install firefox-esr, or set FIREFOX_PATH)`;
  const absent = [
    [WEBKIT_WEBDRIVER, 'webkit2gtk-driver'],
    [MINIBROWSER, 'webkit2gtk-driver'],
    [XVFB, 'xvfb'],
  ].filter(([file]) => !existsSync(file as string));
  if (absent.length === 0) return false;
  const packages = [...new Set(absent.map(([, pkg]) => pkg))].join(' ');
  return `no ${absent.map(([file]) => file).join(', ')} (apt-get install ${packages} and the GStreamer plugins, see .ci/run)`;
}

/** The engines installed on this machine. */
export function availableEngines(): Engine[] {
  return ENGINES.filter((engine) => engineMissing(engine) === false);
}

/**
 * Why this engine's driver cannot touch the page with a finger, or false when it can. Chromium: the
 * debugging protocol's Input.dispatchTouchEvent; Firefox: WebDriver BiDi pointer actions of type
 * 'touch'. Each gives pointerdown/move/up of pointerType 'touch' and touchstart/move/end (measured
 * with Chromium 156 and Firefox ESR 153). WebKitGTK's WebKitWebDriver takes the same actions of type
 * 'touch' without error but sends mouse input (pointerType 'mouse', mousedown/mousemove, no touch
 * events; measured with 2.50.6), which would pass a touch test off as a mouse one.
 */
export function touchMissing(engine: Engine): string | false {
  return engine === 'webkit' ? "WebKitGTK's WebDriver turns touch actions into mouse input (pointerType 'mouse', measured with 2.50.6)" : false;
}

/** A point in the page, in CSS pixels. */
export interface Point {
  x: number;
  y: number;
}

/**
 * One tab of an engine, with the same few operations in each. Scripts are strings, not functions: the
 * TypeScript loader adds helpers to a function's source that do not exist in the page.
 */
export interface EnginePage {
  readonly engine: Engine;
  /** Loads a URL and waits for its load event. */
  goto(url: string): Promise<void>;
  /** Reloads and waits for the load event. */
  reload(): Promise<void>;
  /** The page's current URL. */
  url(): Promise<string>;
  /**
   * The value of a JavaScript expression in the page, awaited when it is a promise, as JSON. With an
   * argument, the expression must be a function, called with it: `evaluate('(t) => f(t)', 'x')`.
   */
  evaluate<T>(expression: string, arg?: unknown): Promise<T>;
  /** Waits until the expression is truthy in the page, polling; throws after timeoutMs. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  /** Clicks the centre of the first element the CSS selector matches, as a user would. */
  click(selector: string): Promise<void>;
  /** Empties the input the selector matches and types the text into it, key by key. */
  fill(selector: string, text: string): Promise<void>;
  /** Presses and releases one key: a character, or a name such as 'ArrowLeft', 'Enter', 'Space'. */
  press(key: string): Promise<void>;
  /** Moves the mouse to a point of the viewport. */
  mouseMove(point: Point): Promise<void>;
  /** Presses or releases the left mouse button where the mouse is. */
  mouseDown(): Promise<void>;
  mouseUp(): Promise<void>;
  /**
   * Scrolls the element into view and moves the mouse over it: to `offset` from its top-left corner,
   * else to its centre.
   */
  hover(selector: string, offset?: Point): Promise<void>;
  /**
   * One finger, as real touch input (pointer and touch events of type 'touch'): put down at a point,
   * moved to another, lifted where it is. Throws in an engine that cannot (touchMissing).
   */
  touchStart(point: Point): Promise<void>;
  touchMove(point: Point): Promise<void>;
  touchEnd(): Promise<void>;
  /** Saves a PNG of the viewport. */
  screenshot(file: string): Promise<void>;
  /**
   * What the page logged as errors, threw, or had refused by its Content-Security-Policy. Chromium and
   * Firefox report from before the first script runs; WebKitGTK's driver has no log events, so there
   * it is what happened after the helper first touched each document (see browser-webkit.ts).
   */
  problems(): Promise<string[]>;
  /** Closes the tab. */
  close(): Promise<void>;
}

/** An engine started once for a test file. */
export interface EngineBrowser {
  readonly engine: Engine;
  /** A new tab, at `url` when given. */
  openPage(url?: string): Promise<EnginePage>;
  /** Ends the browser and every process it started; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts an engine. Call it once per test file (in `before`) and close it in `after`: starting takes
 * seconds (Firefox 4-6 s, WebKitGTK about 4 s on the 2-core test machine). Every process it starts is
 * ended by close(), and by a guard even when the test process dies first (browser-processes.ts).
 */
export async function launchEngine(engine: Engine): Promise<EngineBrowser> {
  const reason = engineMissing(engine);
  if (reason !== false) throw new Error(reason);
  if (engine === 'chromium') return (await import('./browser-chromium.js')).launchChromium();
  if (engine === 'firefox') return (await import('./browser-firefox.js')).launchFirefox();
  return (await import('./browser-webkit.js')).launchWebKit();
}

/**
 * The expression for `evaluate(expression, arg)`: the function called with the argument, which
 * crosses into the page as JSON.
 */
export function withArgument(expression: string, arg: unknown): string {
  return arg === undefined ? expression : `(${expression})(${JSON.stringify(arg)})`;
}

/**
 * waitFor over any page's evaluate: polls every 50 ms until the expression is truthy. An evaluation
 * that fails (the document is being replaced by a navigation) counts as not yet; the last error is
 * in the timeout's message.
 */
export async function pollUntil(evaluate: (expression: string) => Promise<unknown>, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await evaluate(expression)) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Where hover() moves the mouse: the element is scrolled to the middle of the viewport first, then
 * the point is read from its box in viewport coordinates.
 */
export async function pointIn(evaluate: (expression: string) => Promise<unknown>, selector: string, offset?: Point): Promise<Point> {
  const box = (await evaluate(
    withArgument(
      `(selector) => {
        const element = document.querySelector(selector);
        if (element === null) return null;
        element.scrollIntoView({ block: 'center', inline: 'center' });
        const r = element.getBoundingClientRect();
        return { x: r.left, y: r.top, width: r.width, height: r.height };
      }`,
      selector,
    ),
  )) as { x: number; y: number; width: number; height: number } | null;
  if (box === null) throw new Error(`no element matches ${selector}`);
  return offset === undefined ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : { x: box.x + offset.x, y: box.y + offset.y };
}

/** Run with a selector: empties that input and says so with an 'input' event, as a user's deletion would. */
export const EMPTY_INPUT =
  "(selector) => { const input = document.querySelector(selector); input.value = ''; input.dispatchEvent(new Event('input', { bubbles: true })); }";

/**
 * Listens, in the page, for what `problems()` reports, recording it in an array on window. Chromium and
 * Firefox run it before the page's own scripts; WebKit's page runs it on each document it touches.
 */
export const PROBLEM_CATCHER = `(() => {
  if (window.__seekableProblems) return;
  const found = (window.__seekableProblems = []);
  const note = (text) => found.push(location.href + ': ' + text);
  const error = console.error.bind(console);
  console.error = (...args) => { note(args.map(String).join(' ')); error(...args); };
  window.addEventListener('error', (e) => note('uncaught ' + (e.message || (e.target && e.target.outerHTML) || 'error')), true);
  window.addEventListener('unhandledrejection', (e) => note('unhandled rejection ' + String(e.reason)));
  document.addEventListener('securitypolicyviolation', (e) => note('CSP violation: ' + e.violatedDirective + ' refused ' + (e.blockedURI || 'inline code')));
})()`;
