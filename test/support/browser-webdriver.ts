/**
 * The few W3C WebDriver (classic, HTTP) commands the WebKit engine needs, written with fetch: no
 * client library, since WebKitWebDriver speaks the standard protocol and nothing more is used.
 */

/** An error the driver answered with: its W3C error code and message. */
export class WebDriverError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`WebDriver ${code}: ${message}`);
  }
}

/** Sends one command to a driver at `base` and returns its `value`. */
export async function webDriverCommand<T>(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  // WebKitWebDriver refuses a POST without a JSON body ("Invalid JSON in request body"), even where
  // the command takes no parameters (refresh): a POST always carries at least {}.
  const payload = method === 'POST' ? JSON.stringify(body ?? {}) : undefined;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: payload,
  });
  const answer = (await response.json()) as { value: T & { error?: string; message?: string } };
  if (!response.ok) throw new WebDriverError(answer.value?.error ?? String(response.status), answer.value?.message ?? '');
  return answer.value;
}

/** Polls the driver's /status until it answers ready, or throws after timeoutMs. */
export async function waitUntilReady(base: string, timeoutMs: number, exited: () => string | false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = await webDriverCommand<{ ready?: boolean }>(base, 'GET', '/status');
      if (status.ready !== false) return;
    } catch {
      // Not listening yet.
    }
    const gone = exited();
    if (gone !== false) throw new Error(gone);
    if (Date.now() > deadline) throw new Error(`the WebDriver server at ${base} was not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The session's view of one element: the W3C element reference key. */
export const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
