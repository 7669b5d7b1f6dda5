import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import type { EntryView } from '../../src/app/entry-json.js';
import { ffmpegMissing, mediaFixtures } from '../support/fixtures.js';
import { request, startServer, type TestServer } from '../support/http.js';

if (ffmpegMissing) console.log(`# library tests skipped: ${ffmpegMissing}`);

describe('the library on real media', { skip: ffmpegMissing }, () => {
  let base: string;
  let server: TestServer;

  before(async () => {
    const fixtures = await mediaFixtures();
    base = await mkdtemp(path.join(tmpdir(), 'seekable-library-'));
    const root = path.join(base, 'videos');
    await mkdir(path.join(root, 'Clips'), { recursive: true });
    await copyFile(path.join(fixtures, 'h264-aac-faststart.mp4'), path.join(root, 'Clips', 'a fast.mp4'));
    await copyFile(path.join(fixtures, 'h264-aac-moov-at-end.mp4'), path.join(root, 'Clips', 'b slow.mp4'));
    await copyFile(path.join(fixtures, 'vp9-opus.webm'), path.join(root, 'zoom.webm'));
    await copyFile(path.join(fixtures, 'aac-only.m4a'), path.join(root, 'tone.m4a'));
    await copyFile(path.join(fixtures, 'random.mp4'), path.join(root, 'noise.mp4'));
    await writeFile(path.join(root, 'zoom.en.srt'), '\uFEFF1\r\n00:00:00,500 --> 00:00:02,000\r\n<i>Hello</i>\r\n');
    await writeFile(path.join(root, 'zoom.fr.vtt'), 'WEBVTT\n\n00:00.500 --> 00:02.000\nBonjour\n');
    const app = createApp({ root, cacheDir: path.join(base, 'cache') });
    await app.catalog.refresh();
    server = await startServer(app);
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true });
  });

  const json = async (p: string) => {
    const r = await request(server.url + p);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    return { status: r.status, body: JSON.parse(r.body.toString()) as unknown };
  };

  it('GET /api/library: every file with its facts and URLs', async () => {
    const { status, body } = await json('/api/library');
    assert.equal(status, 200);
    const { scanning, entries } = body as { scanning: boolean; entries: EntryView[] };
    assert.equal(scanning, false);
    assert.deepEqual(
      entries.map((e) => e.path),
      ['Clips/a fast.mp4', 'Clips/b slow.mp4', 'noise.mp4', 'tone.m4a', 'zoom.webm'],
    );
    const fast = entries[0]!;
    assert.equal(fast.url, '/media/Clips/a%20fast.mp4');
    assert.equal(fast.watchUrl, '/watch/Clips/a%20fast.mp4');
    assert.equal(fast.downloadUrl, '/media/Clips/a%20fast.mp4?download=1');
    assert.match(fast.posterUrl ?? '', /^\/poster\/Clips\/a%20fast\.mp4\?v=[0-9a-f]{16}$/);
    assert.ok(Math.abs(fast.duration! - 4) < 0.05);
    assert.deepEqual([fast.width, fast.height, fast.videoCodec, fast.audioCodec], [320, 240, 'avc1.64000d', 'mp4a.40.2']);
    assert.equal(fast.mime, 'video/mp4; codecs="avc1.64000d, mp4a.40.2"');
    assert.equal(fast.faststart, true);
    assert.equal(entries[1]!.faststart, false);
    assert.match(entries[2]!.error ?? '', /not an MP4 file/);
    assert.equal(entries[2]!.posterUrl, null);
    assert.equal(entries[3]!.kind, 'audio');
    assert.equal(entries[3]!.mime, 'audio/mp4; codecs="mp4a.40.2"');
    assert.deepEqual(entries[4]!.subtitles, [
      { url: '/subtitles/zoom.en.srt', lang: 'en', label: 'English' },
      { url: '/subtitles/zoom.fr.vtt', lang: 'fr', label: 'French' },
    ]);
  });

  it('GET /api/library/<path>: one entry; 404 JSON for unknown paths', async () => {
    const one = await json('/api/library/zoom.webm');
    assert.equal(one.status, 200);
    assert.equal((one.body as EntryView).container, 'webm');
    for (const p of ['/api/library/missing.mp4', '/api/library/zoom.en.srt', '/api/library/..%2fetc%2fpasswd']) {
      const missing = await json(p);
      assert.equal(missing.status, 404, p);
      assert.deepEqual(missing.body, { error: 'not found' });
    }
  });

  it('SRT subtitles are served as WebVTT, VTT as they are', async () => {
    const srt = await request(`${server.url}/subtitles/zoom.en.srt`);
    assert.equal(srt.status, 200);
    assert.equal(srt.headers['content-type'], 'text/vtt; charset=utf-8');
    assert.equal(srt.body.toString(), 'WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\n<i>Hello</i>\n');
    const vtt = await request(`${server.url}/subtitles/zoom.fr.vtt`);
    assert.equal(vtt.headers['content-type'], 'text/vtt; charset=utf-8');
    assert.match(vtt.body.toString(), /Bonjour/);
    assert.equal((await request(`${server.url}/subtitles/zoom.webm`)).status, 404);
  });

  it('posters: a JPEG made lazily, cached for good under a versioned URL, with a validator', async () => {
    const { body } = await json('/api/library/Clips/a%20fast.mp4');
    const url = server.url + (body as EntryView).posterUrl!;
    const first = await request(url);
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-type'], 'image/jpeg');
    assert.deepEqual([...first.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.equal(first.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(first.headers.etag);
    const again = await request(url, { headers: { 'If-None-Match': first.headers.etag! } });
    assert.equal(again.status, 304);
    const stale = await request(`${server.url}/poster/Clips/a%20fast.mp4?v=0000`);
    assert.equal(stale.headers['cache-control'], 'no-cache');
    assert.equal((await request(`${server.url}/poster/noise.mp4`)).status, 404);
    assert.equal((await request(`${server.url}/poster/tone.m4a`)).status, 404);
  });

  it('the library page: folders, durations, resolutions, badges; sort and filter without JavaScript', async () => {
    const html = (await request(`${server.url}/`)).body.toString();
    assert.ok(html.includes('<h2>Clips</h2>'));
    assert.ok(html.includes('<span class="duration">0:04</span>'));
    assert.ok(html.includes('<span class="facts">240p · '));
    const slowCards = html
      .split('<li class="card"')
      .filter((card) => card.includes('Not web-optimized'))
      .map((card) => /<span class="title">([^<]*)</.exec(card)?.[1]);
    assert.deepEqual(slowCards.sort(), ['b slow', 'tone']); // ffmpeg wrote the m4a with its moov at the end too
    assert.ok(html.includes('<img src="/poster/Clips/a%20fast.mp4?v='));
    const titles = (page: string) => [...page.matchAll(/<span class="title">([^<]*)<\/span>/g)].map((m) => m[1]);
    const byDuration = (await request(`${server.url}/?sort=duration`)).body.toString();
    // Sorting orders each folder's section: top folder first (tone 5 s, zoom 3 s, noise unknown), then Clips.
    assert.deepEqual(titles(byDuration), ['tone', 'zoom', 'noise', 'a fast', 'b slow']);
    const filtered = (await request(`${server.url}/?q=SLOW`)).body.toString();
    assert.deepEqual(titles(filtered), ['b slow']);
    assert.ok(filtered.includes('1 of 5 files'));
  });

  it('the player page: poster, subtitle tracks, neighbours in the folder, the not-web-optimized hint', async () => {
    const html = (await request(`${server.url}/watch/Clips/b%20slow.mp4`)).body.toString();
    assert.match(
      html,
      /<video id="player" controls preload="metadata" poster="\/poster\/Clips\/b%20slow\.mp4\?v=[0-9a-f]+" src="\/stream\/Clips\/b%20slow\.mp4">/,
    );
    assert.ok(html.includes('rel="prev" href="/watch/Clips/a%20fast.mp4"'));
    assert.ok(!html.includes('rel="next"'));
    assert.ok(html.includes('-movflags +faststart'));
    const zoom = (await request(`${server.url}/watch/zoom.webm`)).body.toString();
    assert.ok(zoom.includes('<track kind="subtitles" src="/subtitles/zoom.en.srt" label="English" srclang="en">'));
    assert.ok(zoom.includes('<track kind="subtitles" src="/subtitles/zoom.fr.vtt" label="French" srclang="fr">'));
  });
});
