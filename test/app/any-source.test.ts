import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import type { EntryView } from '../../src/app/entry-json.js';
import { ShortReadError } from '../../src/source/errors.js';
import type { ListableSource, ListPage, RangeReader, Resource } from '../../src/source/types.js';
import { ffmpegMissing, mediaFixtures } from '../support/fixtures.js';
import { parseMultipart, request, startServer, type TestServer } from '../support/http.js';

/**
 * A listable source written here, against the contract alone: objects in memory, listed two to a page,
 * read only through the promise-returning read() (no fast path, no local path, no rewrite check), as
 * an object store would be. Every read is counted, to show the app reads through it.
 */
class MemorySource implements ListableSource {
  reads = 0;
  constructor(private readonly objects: Map<string, { bytes: Buffer; mtimeMs: number }>) {}

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<ListPage> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const from = options.cursor === undefined ? 0 : keys.indexOf(options.cursor) + 1;
    const page = keys.slice(from, from + Math.min(2, options.limit ?? 2));
    const files = page.map((key) => ({ key, size: this.objects.get(key)!.bytes.length, mtimeMs: this.objects.get(key)!.mtimeMs }));
    return from + page.length < keys.length ? { files, next: page[page.length - 1] } : { files };
  }

  async lookup(key: string): Promise<Resource | undefined> {
    const object = this.objects.get(key);
    if (object === undefined) return undefined;
    const { bytes, mtimeMs } = object;
    return {
      size: bytes.length,
      mtimeMs,
      readRange: (start, end): RangeReader => {
        let pos = start;
        return {
          read: async (buffer, length) => {
            this.reads++;
            const n = Math.min(length, end - pos + 1, bytes.length - pos);
            if (n <= 0) throw new ShortReadError(`object ended at byte ${pos}`);
            bytes.copy(buffer, 0, pos, pos + n);
            pos += n;
            return n;
          },
          close() {},
        };
      },
      release() {},
    };
  }
}

if (ffmpegMissing) console.log(`# in-memory source tests skipped: ${ffmpegMissing}`);

describe('the whole app on an in-memory listable source (nothing above the source assumes files)', { skip: ffmpegMissing }, () => {
  let server: TestServer;
  let source: MemorySource;
  let cacheDir: string;
  let movie: Buffer;

  before(async () => {
    const fixtures = await mediaFixtures();
    movie = await readFile(path.join(fixtures, 'h264-aac-faststart.mp4'));
    const objects = new Map<string, { bytes: Buffer; mtimeMs: number }>([
      ['Trips/movie.mp4', { bytes: movie, mtimeMs: 1_700_000_000_000 }],
      ['Trips/movie.en.srt', { bytes: Buffer.from('1\n00:00:00,500 --> 00:00:02,000\nHello\n'), mtimeMs: 1_700_000_000_000 }],
      ['Trips/movie.fr.vtt', { bytes: Buffer.from('WEBVTT\n\n00:00.500 --> 00:02.000\nBonjour\n'), mtimeMs: 1_700_000_000_000 }],
      ['zoom.webm', { bytes: await readFile(path.join(fixtures, 'vp9-opus.webm')), mtimeMs: 1_700_000_000_000 }],
      ['tone.mp3', { bytes: await readFile(path.join(fixtures, 'vbr.mp3')), mtimeMs: 1_700_000_000_000 }],
    ]);
    source = new MemorySource(objects);
    // The cache directory holds the catalog's probe results and the posters, never media.
    cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-memory-cache-'));
    const app = createApp({ source, cacheDir });
    await app.catalog.refresh();
    server = await startServer(app);
  });
  after(async () => {
    await server.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('the catalog lists every page of the listing and probes through the source', async () => {
    const r = await request(`${server.url}/api/library`);
    const { entries } = JSON.parse(r.body.toString()) as { entries: EntryView[] };
    assert.deepEqual(
      entries.map((e) => e.path),
      ['tone.mp3', 'Trips/movie.mp4', 'zoom.webm'], // the catalog's order: by name, as people sort
    );
    const mp4 = entries[1]!;
    assert.ok(Math.abs(mp4.duration! - 4) < 0.05);
    assert.equal(mp4.videoCodec, 'avc1.64000d');
    assert.deepEqual(
      mp4.subtitles.map((s) => s.url),
      ['/subtitles/Trips/movie.en.srt', '/subtitles/Trips/movie.fr.vtt'],
    );
    assert.equal(entries[2]!.container, 'webm');
    assert.ok(source.reads > 0);
    // A source with no id keeps no catalog cache: two of them would overwrite each other's.
    assert.deepEqual(
      (await readdir(cacheDir)).filter((f) => f.startsWith('catalog-')),
      [],
    );
    const one = await request(`${server.url}/api/library/zoom.webm`);
    assert.equal(one.status, 200);
  });

  it('/media/: whole, ranges and multipart, byte-exact; a download; 416; 304', async () => {
    const url = `${server.url}/media/Trips/movie.mp4`;
    const whole = await request(url);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(movie));
    const range = await request(url, { headers: { Range: 'bytes=1000-70999' } });
    assert.equal(range.status, 206);
    assert.equal(range.headers['content-range'], `bytes 1000-70999/${movie.length}`);
    assert.ok(range.body.equals(movie.subarray(1000, 71000)));
    const suffix = await request(url, { headers: { Range: 'bytes=-500' } });
    assert.ok(suffix.body.equals(movie.subarray(movie.length - 500)));
    const multi = await request(url, { headers: { Range: 'bytes=0-99,50000-50099,-10' } });
    assert.equal(multi.status, 206);
    const parts = parseMultipart(multi.body, multi.headers['content-type']!);
    assert.deepEqual(
      parts.map((p) => p.data),
      [movie.subarray(0, 100), movie.subarray(50000, 50100), movie.subarray(movie.length - 10)],
    );
    const download = await request(`${url}?download=1`, { headers: { Range: 'bytes=0-1' } });
    assert.match(download.headers['content-disposition'] ?? '', /^attachment; filename="movie.mp4"/);
    assert.equal((await request(url, { headers: { Range: `bytes=${movie.length}-` } })).status, 416);
    assert.equal((await request(url, { headers: { 'If-None-Match': whole.headers.etag! } })).status, 304);
    assert.equal((await request(`${server.url}/media/missing.mp4`)).status, 404);
  });

  it('the library and player pages', async () => {
    const library = (await request(`${server.url}/`)).body.toString();
    assert.ok(library.includes('href="/watch/Trips/movie.mp4"'));
    assert.ok(library.includes('href="/watch/zoom.webm"'));
    const watch = await request(`${server.url}/watch/Trips/movie.mp4`);
    assert.equal(watch.status, 200);
    assert.ok(watch.body.toString().includes('src="/stream/Trips/movie.mp4"'));
    assert.ok(watch.body.toString().includes('<track kind="subtitles" src="/subtitles/Trips/movie.en.srt"'));
  });

  it('subtitles: SRT converted, VTT as it is', async () => {
    const srt = await request(`${server.url}/subtitles/Trips/movie.en.srt`);
    assert.equal(srt.headers['content-type'], 'text/vtt; charset=utf-8');
    assert.equal(srt.body.toString(), 'WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.000\nHello\n');
    const vtt = await request(`${server.url}/subtitles/Trips/movie.fr.vtt`);
    assert.match(vtt.body.toString(), /Bonjour/);
  });

  it('a poster made by ffmpeg from bytes fed through the source, with no file to read', async () => {
    const { posterUrl } = JSON.parse((await request(`${server.url}/api/library/Trips/movie.mp4`)).body.toString()) as EntryView;
    const poster = await request(server.url + posterUrl!);
    assert.equal(poster.status, 200);
    assert.equal(poster.headers['content-type'], 'image/jpeg');
    assert.deepEqual([...poster.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  });

  it("the pages' assets: every script, stylesheet and icon a page links to answers", async () => {
    const html = (await request(`${server.url}/watch/Trips/movie.mp4`)).body.toString();
    const assets = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.equal(assets.length, 3); // icon, stylesheet, player script
    for (const asset of assets) assert.equal((await request(server.url + asset)).status, 200, asset);
  });

  it('/healthz asks the source', async () => {
    const r = await request(`${server.url}/healthz`);
    assert.equal(r.status, 200);
  });
});
