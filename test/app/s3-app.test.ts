/**
 * `seekable serve s3://...` as a user runs it, and the app on an S3Source, against a real
 * S3-protocol server (s3rver) on loopback: library, API, player, media bytes, posters made by
 * ffmpeg reading ranges over HTTP, subtitles, the catalog's scan in small ranged reads, its cache
 * kept by key and ETag, and /healthz following the store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import type { EntryView } from '../../src/app/entry-json.js';
import type { S3Source, StoreOperation } from '../../src/source/s3/s3-source.js';
import { runCli, startCli } from '../support/cli.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { ffmpegMissing, mediaFixtures, testPatternVideo } from '../support/fixtures.js';
import { request, startServer, type TestServer } from '../support/http.js';
import { CREDENTIALS, startStore, type TestStore } from '../support/s3.js';

if (ffmpegMissing) console.log(`# S3 app tests skipped: ${ffmpegMissing}`);

const VIDEOS = ['h264-aac-faststart.mp4', 'h264-aac-moov-at-end.mp4', 'vp9-opus.webm'];

describe('the app on an S3 bucket', { skip: ffmpegMissing }, () => {
  let store: TestStore;
  let proxy: FaultProxy;
  let source: S3Source;
  let server: TestServer;
  let cacheDir: string;
  let mediaDir: string;
  let fixtures: string;
  let stored = 0;
  const asked: StoreOperation[] = [];
  let scanCarried = 0;

  before(async () => {
    fixtures = await mediaFixtures();
    mediaDir = await mkdtemp(path.join(tmpdir(), 'seekable-s3-media-'));
    store = await startStore();
    // A long one with its moov at the end, where a scan that downloads would show.
    const long = path.join(mediaDir, 'long-moov-at-end.mp4');
    testPatternVideo(long, 20, ['-preset', 'veryfast', '-b:v', '2M']);
    for (const [name, file] of [...VIDEOS.map((v) => [v, path.join(fixtures, v)]), ['long-moov-at-end.mp4', long]]) {
      const bytes = await readFile(file!);
      stored += bytes.length;
      await store.put(`films/${name}`, bytes);
    }
    await store.put('films/vp9-opus.en.srt', '1\n00:00:00,500 --> 00:00:02,000\nHello\n');
    proxy = await startFaultProxy(store.port);
    source = store.source({ endpoint: proxy.endpoint, prefix: 'films', observer: { storeRequest: (op) => asked.push(op as StoreOperation) } });
    cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-s3-cache-'));
    const app = createApp({ source, cacheDir });
    const before = proxy.carried;
    await app.catalog.refresh();
    scanCarried = proxy.carried - before;
    server = await startServer(app);
  });
  after(async () => {
    await server?.close();
    source?.close();
    await proxy?.close();
    await store?.close();
    await rm(cacheDir, { recursive: true, force: true });
    await rm(mediaDir, { recursive: true, force: true });
  });

  it('the catalog lists the bucket and probes each video with small ranged reads, no HEAD and no download', async () => {
    const { entries } = JSON.parse((await request(`${server.url}/api/library`)).body.toString()) as { entries: EntryView[] };
    assert.deepEqual(entries.map((e) => e.path).sort(), ['long-moov-at-end.mp4', ...VIDEOS].sort());
    const atEnd = entries.find((e) => e.path === 'h264-aac-moov-at-end.mp4')!;
    assert.equal(atEnd.faststart, false);
    assert.ok(Math.abs(atEnd.duration! - 4) < 0.05, 'the moov at the end was found');
    assert.equal(entries.find((e) => e.path === 'vp9-opus.webm')!.subtitles[0]?.url, '/subtitles/vp9-opus.en.srt');
    assert.ok(scanCarried < stored / 4, `the scan read ${scanCarried} of ${stored} bytes`);
    assert.ok(asked.filter((op) => op === 'get').length <= (VIDEOS.length + 1) * 3, `a few ranged reads per video: ${asked.join(' ')}`);
    assert.equal(asked.filter((op) => op === 'head').length, 0, `the listing stands in for a HEAD per object: ${asked.join(' ')}`);
    assert.equal(
      asked.filter((op) => op === 'presign').length,
      VIDEOS.length + 1,
      `one URL signed per video, whatever its reads: ${asked.join(' ')}`,
    );
  });

  it('keeps the catalog cache by key and ETag: a restart probes nothing', async () => {
    assert.equal((await readdir(cacheDir)).filter((f) => f.startsWith('catalog-')).length, 1);
    const gets: StoreOperation[] = [];
    const again = store.source({ endpoint: proxy.endpoint, prefix: 'films', observer: { storeRequest: (op) => gets.push(op as StoreOperation) } });
    const app = createApp({ source: again, cacheDir });
    await app.catalog.refresh();
    assert.equal(app.catalog.get('vp9-opus.webm')?.container, 'webm');
    assert.deepEqual(
      gets.filter((op) => op !== 'list'),
      [],
    );
    again.close();
  });

  it('serves /media/ byte-exact with ranges, and the pages', async () => {
    const movie = await readFile(path.join(fixtures, 'h264-aac-moov-at-end.mp4'));
    const range = await request(`${server.url}/media/h264-aac-moov-at-end.mp4`, { headers: { Range: 'bytes=100-50099' } });
    assert.equal(range.status, 206);
    assert.ok(range.body.equals(movie.subarray(100, 50100)));
    assert.equal((await request(`${server.url}/`)).status, 200);
    const watch = await request(`${server.url}/watch/vp9-opus.webm`);
    assert.equal(watch.status, 200);
    assert.ok(watch.body.toString().includes('/media/vp9-opus.webm'));
  });

  it('makes posters with ffmpeg reading ranges over HTTP, never the whole object', async () => {
    const { entries } = JSON.parse((await request(`${server.url}/api/library`)).body.toString()) as { entries: EntryView[] };
    for (const name of ['h264-aac-moov-at-end.mp4', 'vp9-opus.webm']) {
      const entry = entries.find((e) => e.path === name)!;
      const carried = proxy.carried;
      const poster = await request(`${server.url}${entry.posterUrl}`);
      assert.equal(poster.status, 200, name);
      assert.equal(poster.headers['content-type'], 'image/jpeg');
      assert.ok(poster.body.subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), 'a JPEG');
      assert.ok(proxy.carried - carried > 0, 'read from the store');
    }
  });

  it('converts SRT subtitles from the bucket', async () => {
    const r = await request(`${server.url}/subtitles/vp9-opus.en.srt`);
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /^WEBVTT/);
  });

  it('/healthz follows the store', async () => {
    assert.equal((await request(`${server.url}/healthz`)).status, 200);
    proxy.fault = { kind: 'refuse' };
    try {
      assert.equal((await request(`${server.url}/healthz`)).status, 503);
    } finally {
      proxy.fault = { kind: 'none' };
    }
    assert.equal((await request(`${server.url}/healthz`)).status, 200);
  });
});

describe('seekable serve s3://', () => {
  let store: TestStore;
  let cacheDir: string;
  const env = () => ({ AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, XDG_CACHE_HOME: cacheDir });

  before(async () => {
    store = await startStore();
    await store.put('shelf/clip.mp4', 'clip bytes in a bucket');
    cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-s3-cli-'));
  });
  after(async () => {
    await store.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('serves a bucket prefix with credentials from the environment', async () => {
    const cli = startCli(['serve', 's3://videos/shelf', '--s3-endpoint', store.endpoint, '--s3-path-style', '--port', '0', '--no-posters'], env());
    try {
      const [, url] = await cli.waitForStderr(/serving s3:\/\/videos\/shelf at (http:\/\/\S+)/);
      const bytes = await request(`${url}media/clip.mp4`, { headers: { Range: 'bytes=0-3' } });
      assert.equal(bytes.status, 206);
      assert.equal(bytes.body.toString(), 'clip');
    } finally {
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });

  for (const [args, message] of [
    [['serve', 's3://No_Such'], /'No_Such' is not a bucket name/],
    [['serve', '.', '--s3-path-style'], /--s3-path-style is for s3:\/\/<bucket> targets/],
    [['serve', 's3://videos', '--s3-endpoint', 'ftp://x'], /--s3-endpoint must be like http:\/\/host:port/],
  ] as const) {
    it(`refuses ${args.join(' ')}`, async () => {
      const r = await runCli([...args], env());
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
    });
  }

  it('names a bucket the store does not have, and exits', async () => {
    const r = await runCli(['serve', 's3://missing-bucket', '--s3-endpoint', store.endpoint, '--s3-path-style', '--port', '0'], env());
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no such bucket/);
  });
});
