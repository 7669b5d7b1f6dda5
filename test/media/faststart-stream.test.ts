import assert from 'node:assert/strict';
import { copyFile, link, mkdtemp, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/app/app.js';
import { type FaststartConfig, runFaststart } from '../../src/cli/faststart.js';
import { signQuery } from '../../src/serve/signing.js';
import { bufferResource } from '../../src/source/buffer-resource.js';
import type { ListableSource } from '../../src/source/types.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { parseMultipart, request, startServer, type TestServer } from '../support/http.js';
import { faststartFixtures } from './faststart-fixtures.js';

const quiet = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;

/** The bytes `seekable faststart` writes for a file: what /stream/ must serve for it, byte for byte. */
async function commandOutput(input: string, output: string): Promise<void> {
  const config: FaststartConfig = { input, output, inPlace: false, progress: false };
  assert.equal(await runFaststart(config, quiet), 0);
}

async function readAt(file: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

describe('/stream/: the faststart copy served on the fly', { skip: ffmpegMissing }, () => {
  let fixtures: string;
  let root: string;
  let expected: string;
  let app: App;
  let server: TestServer;
  let plain: Buffer;
  let rewritten: Buffer;

  before(async () => {
    fixtures = await faststartFixtures();
    root = await mkdtemp(path.join(tmpdir(), 'seekable-stream-'));
    expected = await mkdtemp(path.join(tmpdir(), 'seekable-stream-expected-'));
    for (const name of ['plain.mp4', 'tracks.mp4', 'quicktime.mov', 'faststart.mp4', 'fragmented.mp4', 'truncated.mp4', 'subtitles.srt']) {
      await copyFile(path.join(fixtures, name), path.join(root, name));
    }
    // 4 GiB, sparse: linked, not copied.
    await link(path.join(fixtures, 'co64.mp4'), path.join(root, 'co64.mp4'));
    for (const name of ['plain.mp4', 'tracks.mp4', 'quicktime.mov', 'co64.mp4'])
      await commandOutput(path.join(root, name), path.join(expected, name));
    plain = await readFile(path.join(root, 'plain.mp4'));
    rewritten = await readFile(path.join(expected, 'plain.mp4'));
    app = createApp({ root, cacheDir: path.join(expected, 'cache'), posters: false });
    await app.catalog.refresh();
    server = await startServer(app);
  });
  after(async () => {
    await server?.close();
    app?.close();
    await rm(root, { recursive: true, force: true });
    await rm(expected, { recursive: true, force: true });
  });

  it('serves exactly the bytes the command writes, with a validator of its own; /media/ keeps the original', async () => {
    for (const name of ['plain.mp4', 'tracks.mp4', 'quicktime.mov']) {
      const stream = await request(`${server.url}/stream/${name}`);
      const media = await request(`${server.url}/media/${name}`);
      assert.equal(stream.status, 200);
      assert.ok(stream.body.equals(await readFile(path.join(expected, name))), `${name}: the command's bytes`);
      assert.ok(media.body.equals(await readFile(path.join(root, name))), `${name}: the original bytes`);
      assert.ok(!stream.body.equals(media.body));
      assert.equal(stream.headers['content-length'], String(stream.body.length));
      assert.equal(stream.headers['accept-ranges'], 'bytes');
      assert.equal(stream.headers['content-type'], media.headers['content-type']);
      assert.equal(stream.headers['last-modified'], media.headers['last-modified']);
      assert.match(stream.headers.etag!, /^"[^"]+-fs1"$/);
      assert.equal(stream.headers.etag, `${media.headers.etag!.slice(0, -1)}-fs1"`);
    }
    const download = await request(`${server.url}/media/plain.mp4?download=1`);
    assert.ok(download.body.equals(plain));
    assert.match(String(download.headers['content-disposition']), /^attachment/);
  });

  it('answers ranges, suffixes and multipart from the copy, across the moov and the media data', async () => {
    const size = rewritten.length;
    const moovEnd = 32 + rewritten.readUInt32BE(32);
    for (const [range, start, end] of [
      ['bytes=0-1', 0, 1],
      ['bytes=20-5000', 20, 5000],
      [`bytes=${moovEnd - 10}-${moovEnd + 100}`, moovEnd - 10, moovEnd + 100],
      ['bytes=-700', size - 700, size - 1],
      [`bytes=${size - 10}-`, size - 10, size - 1],
    ] as const) {
      const r = await request(`${server.url}/stream/plain.mp4`, { headers: { range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${size}`);
      assert.ok(r.body.equals(rewritten.subarray(start, end + 1)), range);
    }
    const multi = await request(`${server.url}/stream/plain.mp4`, { headers: { range: 'bytes=0-99,4000-4500,-50' } });
    assert.equal(multi.status, 206);
    const parts = parseMultipart(multi.body, String(multi.headers['content-type']));
    assert.deepEqual(
      parts.map((p) => p.headers['content-range']),
      [`bytes 0-99/${size}`, `bytes 4000-4500/${size}`, `bytes ${size - 50}-${size - 1}/${size}`],
    );
    assert.ok(parts[0]!.data.equals(rewritten.subarray(0, 100)));
    assert.ok(parts[1]!.data.equals(rewritten.subarray(4000, 4501)));
    assert.ok(parts[2]!.data.equals(rewritten.subarray(size - 50)));
    const past = await request(`${server.url}/stream/plain.mp4`, { headers: { range: `bytes=${size}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], `bytes */${size}`);
  });

  it("honours If-Range, If-None-Match and HEAD on the copy's own validator, not the file's", async () => {
    const url = `${server.url}/stream/plain.mp4`;
    const first = await request(url, { method: 'HEAD' });
    assert.equal(first.status, 200);
    assert.equal(first.body.length, 0);
    assert.equal(first.headers['content-length'], String(rewritten.length));
    const etag = first.headers.etag!;
    const original = (await request(`${server.url}/media/plain.mp4`, { method: 'HEAD' })).headers.etag!;
    const resumed = await request(url, { headers: { range: 'bytes=100-199', 'if-range': etag } });
    assert.equal(resumed.status, 206);
    assert.ok(resumed.body.equals(rewritten.subarray(100, 200)));
    const stale = await request(url, { headers: { range: 'bytes=100-199', 'if-range': original } });
    assert.equal(stale.status, 200, "the file's ETag names other bytes: the whole copy");
    assert.ok(stale.body.equals(rewritten));
    const byDate = await request(url, { headers: { range: 'bytes=100-199', 'if-range': String(first.headers['last-modified']) } });
    assert.equal(byDate.status, 206);
    const cached = await request(url, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(cached.headers.etag, etag);
    assert.equal((await request(url, { headers: { 'if-none-match': original } })).status, 200);
    assert.equal((await request(url, { headers: { 'if-match': original } })).status, 412);
  });

  it("serves /media/'s very bytes and validator for files that need no rewrite or cannot have one", async () => {
    for (const name of ['faststart.mp4', 'fragmented.mp4', 'truncated.mp4', 'subtitles.srt']) {
      const stream = await request(`${server.url}/stream/${name}`);
      const media = await request(`${server.url}/media/${name}`);
      assert.equal(stream.status, 200, name);
      assert.ok(stream.body.equals(media.body), name);
      assert.equal(stream.headers.etag, media.headers.etag, name);
    }
    assert.equal((await request(`${server.url}/stream/missing.mp4`)).status, 404);
    assert.equal((await request(`${server.url}/stream/%E0%A4%A.mp4`)).status, 404);
    assert.equal((await request(`${server.url}/stream/plain.mp4`, { method: 'POST' })).status, 405);
  });

  it('serves ranges of a copy over 4 GiB (co64) as the command writes them', async () => {
    const out = path.join(expected, 'co64.mp4');
    const head = await request(`${server.url}/stream/co64.mp4`, { method: 'HEAD' });
    const total = Number(head.headers['content-length']);
    assert.ok(total > 2 ** 32);
    assert.equal(total, (await stat(out)).size);
    for (const [start, end] of [
      [0, 65_535],
      [total - 200_000, total - 1],
      [2 ** 32 - 1000, 2 ** 32 + 1000],
    ] as const) {
      const r = await request(`${server.url}/stream/co64.mp4`, { headers: { range: `bytes=${start}-${end}` } });
      assert.equal(r.status, 206);
      assert.ok(r.body.equals(await readAt(out, start, end - start + 1)), `${start}-${end}`);
    }
  });

  it('plays /stream/ on the player page', async () => {
    const watch = await request(`${server.url}/watch/plain.mp4`);
    assert.ok(watch.body.toString().includes('<video id="player" controls preload="metadata" src="/stream/plain.mp4">'));
    const api = JSON.parse((await request(`${server.url}/api/library/plain.mp4`)).body.toString()) as { url: string; streamUrl: string };
    assert.deepEqual([api.url, api.streamUrl], ['/media/plain.mp4', '/stream/plain.mp4']);
  });

  it('makes a new copy for a new version of the file', async () => {
    const before = (await request(`${server.url}/stream/tracks.mp4`, { method: 'HEAD' })).headers.etag;
    await utimes(path.join(root, 'tracks.mp4'), new Date(), new Date(Date.now() + 5000));
    const after = await request(`${server.url}/stream/tracks.mp4`);
    assert.notEqual(after.headers.etag, before);
    assert.ok(after.body.equals(await readFile(path.join(expected, 'tracks.mp4'))));
  });
});

describe('/stream/ with signed links', { skip: ffmpegMissing }, () => {
  const secret = 's'.repeat(16);
  let root: string;
  let app: App;
  let server: TestServer;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-stream-signed-'));
    await copyFile(path.join(await faststartFixtures(), 'plain.mp4'), path.join(root, 'plain.mp4'));
    app = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false, secrets: [secret] });
    await app.catalog.refresh();
    server = await startServer(app);
  });
  after(async () => {
    await server?.close();
    app?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('needs a valid token, checked before any lookup, and the player page hands one out', async () => {
    assert.equal((await request(`${server.url}/stream/plain.mp4`)).status, 403);
    assert.equal((await request(`${server.url}/stream/nothing.mp4`)).status, 403);
    const query = signQuery('plain.mp4', secret, { expires: Math.floor(Date.now() / 1000) + 60 });
    const ok = await request(`${server.url}/stream/plain.mp4?${query}`, { headers: { range: 'bytes=36-39' } });
    assert.equal(ok.status, 206);
    assert.equal(ok.body.toString('latin1'), 'moov');
    const expired = signQuery('plain.mp4', secret, { expires: Math.floor(Date.now() / 1000) - 1 });
    assert.equal((await request(`${server.url}/stream/plain.mp4?${expired}`)).status, 410);
    const watch = (await request(`${server.url}/watch/plain.mp4`)).body.toString();
    const src = /<video id="player"[^>]* src="([^"]+)"/.exec(watch)![1]!.replaceAll('&#38;', '&');
    assert.match(src, /^\/stream\/plain\.mp4\?exp=\d+&sig=/);
    assert.equal((await request(`${server.url}${src}`)).status, 200);
  });
});

describe('/stream/ on any listable source', { skip: ffmpegMissing }, () => {
  it('makes the copy from the source alone, without a file', async () => {
    const fixtures = await faststartFixtures();
    const bytes = await readFile(path.join(fixtures, 'plain.mp4'));
    const expectedDir = await mkdtemp(path.join(tmpdir(), 'seekable-stream-memory-'));
    const source: ListableSource = {
      async list() {
        return { files: [{ key: 'clip.mp4', size: bytes.length, mtimeMs: 1_700_000_000_000 }] };
      },
      async lookup(key) {
        return key === 'clip.mp4' ? bufferResource(bytes, { mtimeMs: 1_700_000_000_000 }) : undefined;
      },
    };
    const app = createApp({ source, cacheDir: path.join(expectedDir, 'cache'), posters: false });
    const server = await startServer(app);
    try {
      await commandOutput(path.join(fixtures, 'plain.mp4'), path.join(expectedDir, 'clip.mp4'));
      const r = await request(`${server.url}/stream/clip.mp4`);
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(await readFile(path.join(expectedDir, 'clip.mp4'))));
    } finally {
      await server.close();
      app.close();
      await rm(expectedDir, { recursive: true, force: true });
    }
  });

  it("answers a source's failure while reading the moov with 500, and releases the lookup", async () => {
    const bytes = await readFile(path.join(await faststartFixtures(), 'plain.mp4'));
    let released = 0;
    const logged: string[] = [];
    const source: ListableSource = {
      async list() {
        return { files: [{ key: 'clip.mp4', size: bytes.length, mtimeMs: 1_700_000_000_000 }] };
      },
      async lookup() {
        return {
          ...bufferResource(bytes, { mtimeMs: 1_700_000_000_000 }),
          readRange: () => {
            throw new Error('the store is down');
          },
          release: () => released++,
        };
      },
    };
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-stream-failing-'));
    const app = createApp({ source, cacheDir, posters: false, log: (line) => logged.push(line) });
    const server = await startServer(app);
    try {
      assert.equal((await request(`${server.url}/stream/clip.mp4`)).status, 500);
      assert.equal(released, 1);
      assert.match(logged.join('\n'), /the store is down/);
    } finally {
      await server.close();
      app.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
