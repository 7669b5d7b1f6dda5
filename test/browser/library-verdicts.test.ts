import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import type { EntryView } from '../../src/app/entry-json.js';
import { ENGINES, type Engine, type EngineBrowser, engineMissing, launchEngine } from '../support/browsers.js';
import { ffmpegMissing, mediaFixtures } from '../support/fixtures.js';
import { startServer, type TestServer } from '../support/http.js';
import { VERDICT_FIXTURES, verdictFixtures } from '../support/verdict-fixtures.js';

interface CardView {
  title: string;
  duration: string | null;
  badges: { text: string; title: string }[];
  reason: string | null;
}

const MAY_NOT_PLAY = 'May not play in this browser';

/**
 * The files each engine does not play, with the reason the library gives, from the playability table
 * (src/media/playability.ts) for that engine: WebKitGTK's column is `webkitgtk ?? safari`, and its
 * GStreamer plays Ogg, Theora, AVI and MPEG-4 Part 2 (`webkitgtk`), and AC-3 (Safari's column), so it
 * is left with none of them. Matroska plays in all three (WebKitGTK: `webkitgtk`).
 */
const UNPLAYABLE: Record<Engine, [title: string, reason: string][]> = {
  chromium: [
    ['Old clip (Theora)', 'Theora: no browser shows the picture'],
    ['Camcorder', 'AVI: no browser plays it; MPEG-4 Part 2 video: no browser plays it'],
    ['Broadcast (AC-3)', 'AC-3 audio: Safari only (elsewhere the picture plays in silence)'],
  ],
  firefox: [
    ['Old clip (Theora)', 'Theora: no browser shows the picture'],
    ['Camcorder', 'AVI: no browser plays it; MPEG-4 Part 2 video: no browser plays it'],
    ['Broadcast (AC-3)', 'AC-3 audio: Safari only (elsewhere the picture plays in silence)'],
  ],
  webkit: [],
};

/**
 * The library as a new user's files show it in each engine: each of the files it once described
 * wrongly gets the badge that is true of it in the viewing engine, with its reason, and no other.
 */
for (const engine of ENGINES) {
  const skip = engineMissing(engine) || ffmpegMissing;
  if (skip) console.log(`# ${engine} library badge tests skipped: ${skip}`);

  describe(`library badges tell the truth, in ${engine}`, { skip }, () => {
    let base: string;
    let server: TestServer;
    let browser: EngineBrowser;
    let cards: Map<string, CardView>;

    before(async () => {
      const fixtures = await verdictFixtures();
      base = await mkdtemp(path.join(tmpdir(), 'seekable-verdicts-ui-'));
      const root = path.join(base, 'Videos');
      await copyDir(fixtures, root);
      await copyFile(path.join(await mediaFixtures(), 'h264-aac-moov-at-end.mp4'), path.join(root, "Slow start (Anna's).mp4"));
      const app = createApp({ root, cacheDir: path.join(base, 'cache'), posters: false });
      await app.catalog.refresh();
      server = await startServer(app);
      browser = await launchEngine(engine);
      // goto waits for the load event, which comes after the library's module script has run and added
      // the badges that depend on this browser.
      const page = await browser.openPage(`${server.url}/`);
      const list = await page.evaluate<CardView[]>(
        `[...document.querySelectorAll('.card')].map((el) => ({
          title: el.querySelector('.title').textContent ?? '',
          duration: el.querySelector('.duration')?.textContent ?? null,
          badges: [...el.querySelectorAll('.badge')].map((b) => ({ text: b.textContent ?? '', title: b.getAttribute('title') ?? '' })),
          reason: el.querySelector('.badges .reason')?.textContent ?? null,
        }))`,
      );
      assert.deepEqual(await page.problems(), []);
      await page.close();
      cards = new Map(list.map((card) => [card.title, card]));
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      if (base !== undefined) await rm(base, { recursive: true, force: true });
    });

    const card = (title: string) => {
      const found = cards.get(title);
      assert.ok(found !== undefined, `no card ${title} among ${[...cards.keys()].join(', ')}`);
      return found;
    };
    const texts = (title: string) => card(title).badges.map((b) => b.text);
    const unplayable = new Map(UNPLAYABLE[engine]);

    it('every file is listed, the AVI too', () => {
      assert.deepEqual(
        [...cards.keys()].sort(),
        [...VERDICT_FIXTURES.map((name) => name.slice(0, name.lastIndexOf('.'))), "Slow start (Anna's)"].sort(),
      );
    });

    it(`H.264/AAC in Matroska, which ${engine} plays: no badge, and typed video/x-matroska`, async () => {
      assert.deepEqual(texts('H.264 in Matroska'), []);
      const entry = (await (await fetch(`${server.url}/api/library/H.264%20in%20Matroska.mkv`)).json()) as EntryView;
      assert.equal(entry.mime, 'video/x-matroska; codecs="avc1.64000d, mp4a.40.2"');
      assert.deepEqual(entry.playability?.safari, { verdict: 'no', reasons: ['MKV: not in Safari'] });
    });

    it('an MP4 cut in its mdat: Truncated, with what plays, not Unreadable, and the length that plays', () => {
      const cut = card('Cut download');
      assert.deepEqual(texts('Cut download'), ['Truncated']);
      assert.match(cut.badges[0]!.title, /^The file ends early \(a download or recording that stopped\): it plays the first 1\.\d s of 4\.0 s\.$/);
      assert.equal(cut.duration, '0:02');
    });

    it('a WebM holding 5 % of its data: Truncated, and not its full length', () => {
      assert.deepEqual(texts('Cut recording'), ['Truncated']);
      assert.equal(card('Cut recording').duration, '0:00');
    });

    it(`Theora, AVI and AC-3: "${MAY_NOT_PLAY}" where ${engine} does not play them, with the reason from the table; no badge where it does`, () => {
      for (const title of ['Old clip (Theora)', 'Camcorder', 'Broadcast (AC-3)']) {
        const reason = unplayable.get(title);
        assert.deepEqual(texts(title), reason === undefined ? [] : [MAY_NOT_PLAY], title);
        assert.equal(card(title).reason, reason ?? null, title);
      }
      if (unplayable.has('Camcorder')) {
        assert.match(card('Camcorder').badges[0]!.title, /\nTo convert it: ffmpeg -i Camcorder\.avi -c:v libx264 -c:a aac Camcorder\.mp4$/);
      }
    });

    // What backs "no badge" in WebKitGTK, measured: all three play their picture there (320x240, the
    // time running); its sound is not checked here (AC-3 rests on canPlayType, playability.test.ts).
    // In Chromium and Firefox every one of them is badged, and there is nothing to play.
    const played = ['Old clip (Theora).ogv', 'Camcorder.avi', 'Broadcast (AC-3).mp4'].filter(
      (file) => !unplayable.has(file.slice(0, file.lastIndexOf('.'))),
    );
    for (const file of played) {
      it(`${file}, unbadged in ${engine}, plays its picture there`, { timeout: 60_000 }, async () => {
        const player = await browser.openPage(`${server.url}/watch/${encodeURIComponent(file)}`);
        try {
          await player.evaluate("(() => { const v = document.querySelector('video'); v.muted = true; return v.play(); })()");
          await player.waitFor("(() => { const v = document.querySelector('video'); return v.error !== null || v.currentTime >= 1; })()", 30_000);
          const state = await player.evaluate<{ error: number | null; width: number; frames: number }>(
            "(() => { const v = document.querySelector('video'); return { error: v.error && v.error.code, width: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames }; })()",
          );
          assert.deepEqual({ error: state.error, width: state.width }, { error: null, width: 320 });
          assert.ok(state.frames > 0, `frames decoded: ${state.frames}`);
        } finally {
          await player.close();
        }
      });
    }

    it('"Not web-optimized" explains itself and names the command, quoted for a shell', () => {
      const slow = card("Slow start (Anna's)");
      assert.deepEqual(texts("Slow start (Anna's)"), ['Not web-optimized']);
      assert.match(slow.badges[0]!.title, /^The index \(moov\) is at the end of the file: .* starts slower and seeks more\./);
      assert.ok(slow.badges[0]!.title.endsWith(`seekable faststart 'Slow start (Anna'\\''s).mp4'`), slow.badges[0]!.title);
    });

    it("a cut file's player page says how much of it plays", async () => {
      const other = await browser.openPage(`${server.url}/watch/Cut%20download.mp4`);
      try {
        const notices = await other.evaluate<string[]>(`[...document.querySelectorAll('.notice.bad')].map((el) => el.textContent)`);
        assert.equal(notices.length, 1);
        assert.match(notices[0]!, /^This file ends early \(a download or recording that stopped\): it plays the first 1\.\d s of 4\.0 s\.$/);
      } finally {
        await other.close();
      }
    });

    it('a file that plays everywhere has no badge', () => {
      assert.deepEqual(texts('Fine'), []);
    });
  });
}

/** Copies the fixtures folder's media files (not its marker) into `to`. */
async function copyDir(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) if (!name.startsWith('.')) await copyFile(path.join(from, name), path.join(to, name));
}
