import { writeFile } from 'node:fs/promises';
import { freePort, type GroupProcess, startGroup, startXvfb } from './browser-processes.js';
import { ELEMENT_KEY, waitUntilReady, webDriverCommand } from './browser-webdriver.js';
import {
  EMPTY_INPUT,
  type EngineBrowser,
  type EnginePage,
  MINIBROWSER,
  PROBLEM_CATCHER,
  type Point,
  pointIn,
  pollUntil,
  touchMissing,
  withArgument,
} from './browsers.js';

/**
 * An async script for WebDriver's execute/async: evaluates the expression, awaits it, and hands back
 * its value or its error wrapped, so that a rejection reads as the page's error and not as a timeout.
 */
function asyncScript(expression: string): string {
  return `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${expression})).then(
  (value) => done({ value: value === undefined ? null : value }),
  (error) => done({ error: String((error && error.stack) || error) }),
);`;
}

/**
 * WebKit's side of EnginePage: WebKitGTK's MiniBrowser, driven by WebKitWebDriver over plain W3C
 * WebDriver, on an Xvfb display of its own (WebKitGTK has no headless mode). It plays media through
 * GStreamer. One session per test file; each page is a window of that session.
 *
 * WebDriver classic has no log events, and MiniBrowser does not write console messages in automation
 * mode (its --enable-write-console-messages-to-stdout is ignored there, measured with 2.50.6), so
 * problems() comes from PROBLEM_CATCHER, run on each document the first time the helper touches it.
 */
export async function launchWebKit(): Promise<EngineBrowser> {
  const started: GroupProcess[] = [];
  const stopAll = async () => {
    for (const process of started.reverse()) await process.stop();
  };
  let base: string;
  let session: string;
  let firstWindow: string;
  try {
    const xvfb = await startXvfb();
    started.push(xvfb.process);
    const port = await freePort();
    const driver = startGroup('WebKitWebDriver', [`--port=${port}`, '--host=local'], {
      env: { ...process.env, DISPLAY: xvfb.display },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(driver);
    let stderr = '';
    driver.child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    base = `http://127.0.0.1:${port}`;
    await waitUntilReady(base, 20_000, () =>
      driver.child.exitCode !== null || driver.child.signalCode !== null
        ? `WebKitWebDriver exited (${driver.child.exitCode ?? driver.child.signalCode}): ${stderr}`
        : false,
    );
    const created = await webDriverCommand<{ sessionId: string }>(base, 'POST', '/session', {
      capabilities: {
        alwaysMatch: {
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', '--autoplay-policy=allow'] },
          // The tests' own timeouts govern a slow script: the driver's 30 s default would cut a long seek short.
          timeouts: { script: 600_000, pageLoad: 60_000, implicit: 0 },
        },
      },
    });
    session = created.sessionId;
    firstWindow = await webDriverCommand<string>(base, 'GET', `/session/${session}/window`);
    await webDriverCommand(base, 'POST', `/session/${session}/window/rect`, { width: 1280, height: 800 });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const command = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) =>
    webDriverCommand<T>(base, method, `/session/${session}${path}`, body);
  let current = firstWindow;
  let firstWindowTaken = false;
  /** The session's commands go to one window at a time: switch before each page's command. */
  const switchTo = async (handle: string) => {
    if (current === handle) return;
    await command('POST', '/window', { handle });
    current = handle;
  };
  let closed: Promise<void> | undefined;
  return {
    engine: 'webkit',
    openPage: async (url) => {
      let handle = firstWindow;
      if (firstWindowTaken) {
        // New Window needs the current window open (WebDriver: else "no such window", measured after
        // a second page was closed while the first stayed): the first window always is.
        await switchTo(firstWindow);
        handle = (await command<{ handle: string }>('POST', '/window/new', { type: 'window' })).handle;
      }
      firstWindowTaken = true;
      const page = webkitPage(handle, command, switchTo, async () => {
        // The session's last window stays open: closing it would end the session.
        if (handle === firstWindow) {
          firstWindowTaken = false;
          await switchTo(handle);
          await command('POST', '/url', { url: 'about:blank' });
        } else {
          await switchTo(handle);
          await command('DELETE', '/window');
          current = '';
        }
      });
      if (url !== undefined) await page.goto(url);
      return page;
    },
    close: () => {
      closed ??= (async () => {
        // Deleting the session quits MiniBrowser cleanly (the driver reaps it); the group kill is for a hang.
        await Promise.race([command('DELETE', '').catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
        await stopAll();
      })();
      return closed;
    },
  };
}

/** WebKitGTK's driver gives no real touch input: see touchMissing. */
const noTouch = async () => {
  throw new Error(touchMissing('webkit') || 'no touch');
};

type Command = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<T>;

function webkitPage(handle: string, command: Command, switchTo: (handle: string) => Promise<void>, closeWindow: () => Promise<void>): EnginePage {
  /** What the documents this page left recorded, harvested before each navigation the helper makes. */
  const earlier: string[] = [];
  const run = async <T>(expression: string): Promise<T> => {
    await switchTo(handle);
    const result = await command<{ value?: T; error?: string }>('POST', '/execute/async', {
      script: asyncScript(`(${PROBLEM_CATCHER}, ${expression})`),
      args: [],
    });
    if (result.error !== undefined) throw new Error(`in the page: ${result.error}`);
    return result.value as T;
  };
  const evaluate = <T>(expression: string, arg?: unknown) => run<T>(withArgument(expression, arg));
  const harvest = async () => {
    earlier.push(...(await run<string[]>('window.__seekableProblems.splice(0)').catch(() => [])));
  };
  const element = async (selector: string): Promise<string> => {
    await switchTo(handle);
    const found = await command<Record<string, string>>('POST', '/element', { using: 'css selector', value: selector });
    return found[ELEMENT_KEY] as string;
  };
  const pointer = (actions: unknown[]) =>
    command('POST', '/actions', { actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions }] });
  const mouseMove = async (point: Point) => {
    await switchTo(handle);
    await pointer([{ type: 'pointerMove', duration: 0, origin: 'viewport', x: Math.round(point.x), y: Math.round(point.y) }]);
  };
  return {
    engine: 'webkit',
    goto: async (url) => {
      await harvest();
      await command('POST', '/url', { url });
      await run('0');
    },
    reload: async () => {
      await harvest();
      await command('POST', '/refresh');
      await run('0');
    },
    url: async () => {
      await switchTo(handle);
      return command<string>('GET', '/url');
    },
    evaluate,
    waitFor: (expression, timeoutMs) => pollUntil(evaluate, expression, timeoutMs),
    click: async (selector) => {
      // A click may leave the document: what it recorded is taken first.
      await harvest();
      await command('POST', `/element/${await element(selector)}/click`, {});
    },
    fill: async (selector, text) => {
      await evaluate(EMPTY_INPUT, selector);
      if (text !== '') await command('POST', `/element/${await element(selector)}/value`, { text });
    },
    // A key as the page's listeners receive it, dispatched in the page: WebKitWebDriver's key actions
    // hung the driver for good once in CI (the keyboard test timed out, then every later command of
    // the session got no answer for 300 s). What is tested is the player's keydown handling, not
    // WebKit's input pipeline, which Chromium and Firefox still drive with real key actions.
    press: async (key) => {
      await evaluate(
        `(key) => (document.activeElement ?? document.body).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))`,
        key,
      );
    },
    mouseMove,
    mouseDown: async () => {
      await switchTo(handle);
      await pointer([{ type: 'pointerDown', button: 0 }]);
    },
    mouseUp: async () => {
      await switchTo(handle);
      await pointer([{ type: 'pointerUp', button: 0 }]);
    },
    hover: async (selector, offset) => mouseMove(await pointIn(evaluate, selector, offset)),
    touchStart: noTouch,
    touchMove: noTouch,
    touchEnd: noTouch,
    screenshot: async (file) => {
      await switchTo(handle);
      const png = await command<string>('GET', '/screenshot');
      await writeFile(file, Buffer.from(png, 'base64'));
    },
    problems: async () => [...earlier, ...(await run<string[]>('window.__seekableProblems.slice()'))],
    close: async () => {
      await harvest();
      await closeWindow();
    },
  };
}
