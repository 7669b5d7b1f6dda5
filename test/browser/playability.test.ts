import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { typeChecks } from '../../src/media/playability.js';
import { chromiumMissing, launchBrowser } from '../support/browser.js';

if (chromiumMissing) console.log(`# playability table check skipped: ${chromiumMissing}`);

/**
 * The playability table against Chromium's own answers: every row's type string asked of
 * canPlayType and MediaSource.isTypeSupported. "plays" must get "maybe" or "probably" (and, for a
 * Media Source byte stream format, isTypeSupported true); "no" must get "" and false; "depends" (the
 * system's decoder) may get either, and the answer is logged. The Firefox and WebKit drivers run the
 * same typeChecks() against their columns.
 */
describe('the playability table agrees with Chromium', { skip: chromiumMissing }, () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  before(async () => {
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  after(async () => {
    await browser?.close();
  });

  it('canPlayType and MediaSource.isTypeSupported, row by row', async () => {
    const checks = typeChecks();
    const answers = (await page.evaluate(`(${JSON.stringify(checks.map((c) => c.type))}).map((type) => ({
      canPlay: document.createElement('video').canPlayType(type),
      mse: typeof MediaSource === 'function' && MediaSource.isTypeSupported(type),
    }))`)) as { canPlay: string; mse: boolean }[];
    const wrong: string[] = [];
    checks.forEach((check, i) => {
      const { canPlay, mse } = answers[i]!;
      const expected = check.expected.chromium;
      const said = `canPlayType "${canPlay}", isTypeSupported ${mse}`;
      if (expected === 'depends') {
        console.log(`${check.row} (${check.type}): depends on the system; this chromium: ${said}`);
        return;
      }
      const plays = expected === 'plays';
      if ((canPlay !== '') !== plays) wrong.push(`${check.row} (${check.type}): the table says ${expected}, ${said}`);
      if (mse !== (plays && check.mse)) wrong.push(`${check.row} (${check.type}): Media Source ${check.mse ? 'format' : 'not a format'}, ${said}`);
    });
    assert.deepEqual(wrong, []);
  });
});
