import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type App, createApp } from '../../src/app/app.js';
import type { EntryView } from '../../src/app/entry-json.js';
import { previewTarget } from '../../src/app/preview-routes.js';
import { FileSource } from '../../src/source/file/file-source.js';
import type { ListableSource } from '../../src/source/types.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { request, startServer, type TestServer } from '../support/http.js';
import { jpegSize } from '../support/jpeg.js';

if (ffmpegMissing) console.log(`# previews route tests skipped: ${ffmpegMissing}`);

interface Cue {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

const seconds = (t: string) => t.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);

/** The cues of a thumbnails track, strictly: every block after the header must be one. */
function parseTrack(vtt: string): Cue[] {
  assert.ok(vtt.startsWith('WEBVTT\n\n'), 'a WebVTT file');
  return vtt
    .slice('WEBVTT\n\n'.length)
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const m = /^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)#xywh=(\d+),(\d+),(\d+),(\d+)\n?$/.exec(block);
      assert.ok(m !== null, `a thumbnail cue: ${JSON.stringify(block)}`);
      return { start: seconds(m[1]!), end: seconds(m[2]!), url: m[3]!, x: +m[4]!, y: +m[5]!, w: +m[6]!, h: +m[7]! };
    });
}

describe('the previews path names a video and one file of its previews', () => {
  it('"<key>.vtt" is the track, "<key>.<n>.jpg" sheet n; nothing else', () => {
    assert.deepEqual(previewTarget('Trips/day 1.mp4.vtt'), { key: 'Trips/day 1.mp4' });
    assert.deepEqual(previewTarget('Trips/day 1.mp4.12.jpg'), { key: 'Trips/day 1.mp4', sheet: 12 });
    for (const odd of [undefined, '', '.vtt', 'a.mp4', 'a.mp4.0.jpg', 'a.mp4.01.jpg', 'a.mp4.x.jpg', 'a.mp4.12345.jpg', '.1.jpg']) {
      assert.equal(previewTarget(odd), undefined, String(odd));
    }
  });
});

describe('seek-bar previews over HTTP', { skip: ffmpegMissing }, () => {
  let root: string;
  const servers: TestServer[] = [];
  const apps: App[] = [];

  /** The app on `root` (or on a source) under /videos, on a server of its own. */
  async function serve(options: Parameters<typeof createApp>[0]): Promise<string> {
    const app = createApp({ basePath: '/videos', cacheDir: path.join(root, `.cache-${apps.length}`), ...options });
    apps.push(app);
    await app.catalog.refresh();
    const server = await startServer(app);
    servers.push(server);
    return server.url;
  }

  const entryOf = async (url: string, key: string) =>
    JSON.parse((await request(`${url}/videos/api/library/${key.split('/').map(encodeURIComponent).join('/')}`)).body.toString()) as EntryView;

  /**
   * The entry once its previews URL is there: a page waits at most 200 ms for the check that ffmpeg
   * runs, started with the app, and a loaded machine can take longer than that to start a process.
   */
  async function entryWithPreviews(url: string, key: string): Promise<EntryView> {
    for (const deadline = Date.now() + 20_000; ; ) {
      const entry = await entryOf(url, key);
      if (entry.previewsUrl !== null || Date.now() > deadline) return entry;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-previews-app-'));
    await mkdir(path.join(root, 'Clips'));
    // 25 s with a keyframe every 2.4 s (60 frames at 25 fps), so cue times are keyframe times, not the layout's 2 s.
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=25'];
    const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=25'];
    const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0'];
    const out = (name: string) => path.join(root, 'Clips', name);
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...src,
      ...tone,
      ...h264,
      '-c:a',
      'aac',
      '-movflags',
      '+faststart',
      out('day 1.mp4'),
    ]);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...tone, '-c:a', 'aac', out('song.m4a')]);
  });
  after(async () => {
    for (const app of apps) app.close();
    for (const server of servers) await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('the track: cues from 0 to the end, back to back, at the keyframes’ real times, immutable under its version', async () => {
    const url = await serve({ root });
    const entry = await entryWithPreviews(url, 'Clips/day 1.mp4');
    assert.match(entry.previewsUrl ?? '', /^\/videos\/previews\/Clips\/day%201\.mp4\.vtt\?v=[0-9a-f]{16}$/);
    const r = await request(url + entry.previewsUrl);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/vtt; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(r.headers.etag ?? '', /^"[\w-]{27}"$/);
    const cues = parseTrack(r.body.toString());
    assert.equal(cues[0]!.start, 0);
    for (let i = 1; i < cues.length; i++) assert.equal(cues[i]!.start, cues[i - 1]!.end, `cue ${i} starts where ${i - 1} ends`);
    assert.ok(Math.abs(cues[cues.length - 1]!.end - entry.duration!) < 0.001, `the last cue ends at the duration ${entry.duration}`);
    // Keyframes every 2.4 s: 0, 2.4, 4.8, ... 24.
    assert.deepEqual(
      cues.slice(1).map((c) => c.start),
      Array.from({ length: 10 }, (_, i) => Math.round((i + 1) * 2.4 * 1000) / 1000),
    );
    const version = new URL(entry.previewsUrl!, url).searchParams.get('v');
    for (const cue of cues) assert.equal(cue.url, `/videos/previews/Clips/day%201.mp4.1.jpg?v=${version}`);

    // Revalidation: 304 on its ETag.
    const again = await request(url + entry.previewsUrl, { headers: { 'If-None-Match': r.headers.etag! } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    // An old version's URL still answers, but must not be kept: its sheets point at the current version.
    const stale = await request(`${url}/videos/previews/Clips/day%201.mp4.vtt?v=0000`);
    assert.equal(stale.status, 200);
    assert.equal(stale.headers['cache-control'], 'no-cache');
    assert.ok(stale.body.toString().includes(`.1.jpg?v=${version}#`));
  });

  it('the sheet: a JPEG of the size the cues say, immutable, with a validator', async () => {
    const url = await serve({ root });
    const entry = await entryWithPreviews(url, 'Clips/day 1.mp4');
    const cues = parseTrack((await request(url + entry.previewsUrl)).body.toString());
    const sheet = await request(url + cues[0]!.url);
    assert.equal(sheet.status, 200);
    assert.equal(sheet.headers['content-type'], 'image/jpeg');
    assert.equal(sheet.headers['cache-control'], 'public, max-age=31536000, immutable');
    // 11 frames of 160 × 90 on a sheet of 10 columns and 2 rows (a 25 s video has room for 13).
    assert.deepEqual(
      cues.map((c) => [c.x, c.y, c.w, c.h]),
      Array.from({ length: 11 }, (_, i) => [(i % 10) * 160, Math.floor(i / 10) * 90, 160, 90]),
    );
    assert.deepEqual(jpegSize(sheet.body), { width: 1600, height: 180 });
    const revalidated = await request(url + cues[0]!.url, { headers: { 'If-None-Match': sheet.headers.etag! } });
    assert.equal(revalidated.status, 304);
    const head = await request(url + cues[0]!.url, { method: 'HEAD' });
    assert.equal(head.headers['content-length'], String(sheet.body.length));
    assert.equal((await request(`${url}/videos/previews/Clips/day%201.mp4.1.jpg?v=0000`)).headers['cache-control'], 'no-cache');
  });

  it('404 for what has no previews: audio, a missing file, a sheet past the last, a name that is no previews file', async () => {
    const url = await serve({ root });
    assert.equal((await entryOf(url, 'Clips/song.m4a')).previewsUrl, null);
    for (const p of [
      'Clips/song.m4a.vtt',
      'Clips/nope.mp4.vtt',
      'Clips/day%201.mp4.2.jpg',
      'Clips/day%201.mp4',
      'Clips/day%201.mp4.vtt.txt',
      '%E0%A4%A.vtt',
    ]) {
      const r = await request(`${url}/videos/previews/${p}`);
      assert.equal(r.status, 404, p);
    }
    assert.equal((await request(`${url}/previews/Clips/day%201.mp4.vtt`)).status, 404, 'outside the base path');
    assert.equal((await request(`${url}/videos/previews/Clips/day%201.mp4.vtt`, { method: 'POST' })).status, 405);
  });

  it('without ffmpeg, or with previews off: no previews URL, and the route says 404', async () => {
    for (const options of [{ ffmpeg: path.join(root, 'no-such-ffmpeg') }, { previews: false }, { posters: false }]) {
      const url = await serve({ root, ...options });
      assert.equal((await entryOf(url, 'Clips/day 1.mp4')).previewsUrl, null, JSON.stringify(options));
      const r = await request(`${url}/videos/previews/Clips/day%201.mp4.vtt`);
      assert.equal(r.status, 404, JSON.stringify(options));
      assert.equal(r.body.toString(), 'No previews\n');
    }
    // Posters off, previews on: previews still come.
    const url = await serve({ root, posters: false, previews: true });
    const entry = await entryWithPreviews(url, 'Clips/day 1.mp4');
    assert.equal(entry.posterUrl, null);
    assert.equal((await request(url + entry.previewsUrl)).status, 200);
  });

  it('signed links: the track and its sheets open with the link the API hands out, and nothing opens without it', async () => {
    const url = await serve({ root, secrets: ['a secret of some length'] });
    const entry = await entryWithPreviews(url, 'Clips/day 1.mp4');
    assert.match(entry.previewsUrl ?? '', /^\/videos\/previews\/Clips\/day%201\.mp4\.vtt\?v=[0-9a-f]{16}&exp=\d+&sig=[\w-]{43}$/);
    const track = await request(url + entry.previewsUrl);
    assert.equal(track.status, 200);
    const sheetUrl = parseTrack(track.body.toString())[0]!.url;
    assert.match(sheetUrl, /^\/videos\/previews\/Clips\/day%201\.mp4\.1\.jpg\?v=[0-9a-f]{16}&exp=\d+&sig=[\w-]{43}$/);
    assert.equal((await request(url + sheetUrl)).status, 200);
    for (const p of ['Clips/day%201.mp4.vtt', 'Clips/day%201.mp4.1.jpg', 'Clips/nope.mp4.vtt', 'not-a-previews-name']) {
      const r = await request(`${url}/videos/previews/${p}`);
      assert.equal(r.status, 403, p);
    }
    // A token for another file does not open this one's previews.
    const other = (await entryOf(url, 'Clips/song.m4a')).url.split('?')[1];
    assert.equal((await request(`${url}/videos/previews/Clips/day%201.mp4.vtt?${other}`)).status, 403);
  });

  it('a source without local paths: ffmpeg reads the bytes through the source', async () => {
    const files = new FileSource(root);
    // The same files, without localPath: as an object store would be.
    const source: ListableSource = { list: (prefix, options) => files.list(prefix, options), lookup: (key, options) => files.lookup(key, options) };
    try {
      const url = await serve({ source });
      const entry = await entryWithPreviews(url, 'Clips/day 1.mp4');
      const cues = parseTrack((await request(url + entry.previewsUrl)).body.toString());
      assert.equal(cues.length, 11);
      assert.equal((await request(url + cues[10]!.url)).status, 200);
    } finally {
      files.close();
    }
  });
});
