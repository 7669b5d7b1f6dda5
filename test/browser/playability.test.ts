import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Support, typeChecks } from '../../src/media/playability.js';
import { mediaSupport } from '../support/browser-media-support.js';
import { ENGINES, type Engine, type EngineBrowser, type EnginePage, engineMissing, launchEngine } from '../support/browsers.js';

/**
 * The column of the table an engine of ours is checked against: WebKitGTK stands for Safari, except
 * on the rows where the table records that its GStreamer decoders differ from Safari's own (`webkitgtk`).
 */
function expectedOf(engine: Engine, check: ReturnType<typeof typeChecks>[number]): Support {
  if (engine === 'chromium') return check.expected.chromium;
  if (engine === 'firefox') return check.expected.firefox;
  return check.expected.webkitgtk ?? check.expected.safari;
}

/**
 * The playability table against each engine's own answers: every row's type string asked of
 * canPlayType and MediaSource.isTypeSupported. "plays" must get "maybe" or "probably"; "no" must get
 * "" and isTypeSupported false; "depends" (the system's decoder) may get either, and the answer is logged.
 */
for (const engine of ENGINES) {
  const skip = engineMissing(engine);
  if (skip) console.log(`# playability table check in ${engine} skipped: ${skip}`);

  describe(`the playability table agrees with ${engine}`, { skip }, () => {
    let browser: EngineBrowser;
    let page: EnginePage;
    before(async () => {
      browser = await launchEngine(engine);
      page = await browser.openPage('about:blank');
    });
    after(async () => {
      await browser?.close();
    });

    it('canPlayType and MediaSource.isTypeSupported, row by row', async () => {
      const checks = typeChecks();
      const answers = await mediaSupport(
        page,
        checks.map((c) => c.type),
      );
      const wrong: string[] = [];
      for (const check of checks) {
        const { canPlayType, isTypeSupported } = answers[check.type]!;
        const expected = expectedOf(engine, check);
        const said = `canPlayType "${canPlayType}", isTypeSupported ${isTypeSupported}`;
        if (expected === 'depends') {
          console.log(`# ${engine}: ${check.row} (${check.type}) depends on the system; here: ${said}`);
          continue;
        }
        const plays = expected === 'plays';
        if ((canPlayType !== '') !== plays) wrong.push(`${check.row} (${check.type}): the table says ${expected}, ${said}`);
        // One way only: Media Source taking a type the table says the engine does not play would be a
        // contradiction; an engine may play a file it does not take through Media Source (Firefox and
        // audio/mpeg, measured), and WebKitGTK's GStreamer takes byte streams Safari does not.
        if (isTypeSupported === true && !plays) wrong.push(`${check.row} (${check.type}): Media Source takes it, ${said}`);
      }
      assert.deepEqual(wrong, []);
    });
  });
}
