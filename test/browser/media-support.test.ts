import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mediaSupport } from '../support/browser-media-support.js';
import { ENGINES, type EngineBrowser, type EnginePage, engineMissing, launchEngine } from '../support/browsers.js';

const H264_AAC = 'video/mp4; codecs="avc1.64001f, mp4a.40.2"';
const VP9_OPUS = 'video/webm; codecs="vp9, opus"';
const HEVC = 'video/mp4; codecs="hvc1.1.6.L93.B0"';
const THEORA = 'video/ogg; codecs="theora"';
const MATROSKA = 'video/x-matroska';

/**
 * What each engine answers canPlayType, as measured on Debian 12 (chromium, firefox-esr 153 with
 * libavcodec59, WebKitGTK 2.50 with the GStreamer plugins of .ci/run). Debian's chromium has no HEVC
 * decoder; Firefox dropped Theora; WebKitGTK plays whatever GStreamer can.
 */
const EXPECTED = {
  chromium: { [H264_AAC]: 'probably', [VP9_OPUS]: 'probably', [HEVC]: '', [THEORA]: '', [MATROSKA]: 'maybe' },
  firefox: { [H264_AAC]: 'probably', [VP9_OPUS]: 'probably', [HEVC]: 'probably', [THEORA]: '', [MATROSKA]: 'maybe' },
  webkit: { [H264_AAC]: 'probably', [VP9_OPUS]: 'probably', [HEVC]: 'probably', [THEORA]: 'probably', [MATROSKA]: 'maybe' },
} as const;

for (const engine of ENGINES) {
  const skip = engineMissing(engine);
  if (skip) console.log(`# ${engine} media support tests skipped: ${skip}`);

  describe(`${engine} says which media it can play`, { skip }, () => {
    let browser: EngineBrowser;
    let page: EnginePage;
    before(async () => {
      browser = await launchEngine(engine);
      page = await browser.openPage('about:blank');
    });
    after(async () => {
      await browser?.close();
    });

    it('answers canPlayType for each type as measured', async () => {
      const answers = await mediaSupport(page, Object.keys(EXPECTED[engine]));
      assert.deepEqual(Object.fromEntries(Object.entries(answers).map(([type, answer]) => [type, answer.canPlayType])), EXPECTED[engine]);
    });

    it('answers MediaSource.isTypeSupported: yes for what it plays with codecs, no for what it cannot decode', async () => {
      const answers = await mediaSupport(page, [H264_AAC, VP9_OPUS, THEORA]);
      assert.equal(answers[H264_AAC]?.isTypeSupported, true);
      assert.equal(answers[VP9_OPUS]?.isTypeSupported, true);
      // Ogg is no MediaSource container anywhere, even where <video> plays Theora.
      assert.equal(answers[THEORA]?.isTypeSupported, false);
      assert.equal((await mediaSupport(page, [HEVC]))[HEVC]?.isTypeSupported, EXPECTED[engine][HEVC] === 'probably');
    });

    it('keys the answers by the type strings, in the order asked', async () => {
      const types = [MATROSKA, H264_AAC, 'video/not-a-type'];
      const answers = await mediaSupport(page, types);
      assert.deepEqual(Object.keys(answers), types);
      assert.deepEqual(answers['video/not-a-type'], { canPlayType: '', isTypeSupported: false });
    });
  });
}
