import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import { request, startServer, type TestServer } from '../support/http.js';

const XSS = '<img src=x onerror=alert(1)>.mp4';

describe('seekable serve: the app', () => {
  let root: string;
  let server: TestServer;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-app-'));
    await mkdir(path.join(root, 'Trips'));
    await writeFile(path.join(root, 'b.webm'), 'webm bytes');
    await writeFile(path.join(root, 'Trips', 'Zürich & "more".mp4'), 'mp4 bytes');
    await writeFile(path.join(root, XSS), 'xss bytes');
    await writeFile(path.join(root, 'song.mp3'), 'mp3 bytes');
    await writeFile(path.join(root, 'notes.txt'), 'not media');
    await writeFile(path.join(root, '.secret.mp4'), 'hidden');
    const app = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false });
    await app.catalog.refresh();
    server = await startServer(app);
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('the library page lists the media, escaped, and nothing else', async () => {
    const r = await request(`${server.url}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const html = r.body.toString();
    assert.ok(html.includes('href="/watch/b.webm"'));
    assert.ok(html.includes('href="/watch/Trips/Z%C3%BCrich%20%26%20%22more%22.mp4"'));
    assert.ok(html.includes('<span class="title">Zürich &#38; &#34;more&#34;</span>'));
    assert.ok(html.includes('<h2>Trips</h2>'));
    assert.ok(html.includes('href="/watch/song.mp3"'));
    assert.ok(!html.includes('<img src=x'), 'a file name became markup');
    assert.ok(html.includes('<span class="title">&#60;img src=x onerror=alert(1)&#62;</span>'));
    assert.ok(!html.includes('notes.txt'));
    assert.ok(!html.includes('.secret'));
    // Without posters, a card shows the browser's own frame, loaded by the page script when on screen.
    assert.ok(html.includes('<video muted preload="none" tabindex="-1" data-src="/media/Trips/Z%C3%BCrich%20%26%20%22more%22.mp4#t=1">'));
    assert.ok(!html.includes('<img src="/poster/'));
    // These files hold no real media: they are listed, marked unreadable, and the page still renders.
    assert.ok(html.includes('class="badge bad" title="not a Matroska/WebM file (no EBML header)"'));
  });

  it('the player page has a <video> whose src is the /stream/ URL', async () => {
    const r = await request(`${server.url}/watch/Trips/Z%C3%BCrich%20%26%20%22more%22.mp4`);
    assert.equal(r.status, 200);
    const html = r.body.toString();
    assert.match(html, /<video id="player" controls preload="metadata" src="\/stream\/Trips\/Z%C3%BCrich%20%26%20%22more%22\.mp4">/);
    assert.ok(html.includes('href="/media/Trips/Z%C3%BCrich%20%26%20%22more%22.mp4?download=1"'));
    const media = await request(`${server.url}/media/Trips/Z%C3%BCrich%20%26%20%22more%22.mp4`, { headers: { Range: 'bytes=0-2' } });
    assert.equal(media.status, 206);
    assert.equal(media.body.toString(), 'mp4');
  });

  it('the player page escapes a hostile name', async () => {
    const r = await request(`${server.url}/watch/${encodeURIComponent(XSS)}`);
    assert.equal(r.status, 200);
    const html = r.body.toString();
    assert.ok(!html.includes('<img src=x'));
    assert.ok(html.includes(`src="/stream/${encodeURIComponent(XSS)}"`));
  });

  it('an audio file gets an <audio> player', async () => {
    const r = await request(`${server.url}/watch/song.mp3`);
    assert.match(r.body.toString(), /<audio id="player" controls/);
  });

  it('player pages exist only for media the source would serve', async () => {
    for (const p of ['/watch/missing.mp4', '/watch/notes.txt', '/watch/.secret.mp4', '/watch/..%2fetc%2fpasswd', '/watch/%']) {
      assert.equal((await request(`${server.url}${p}`)).status, 404, p);
    }
  });

  it('/media/ serves downloads and refuses what the source refuses', async () => {
    const d = await request(`${server.url}/media/b.webm?download=1`);
    assert.equal(d.headers['content-disposition'], 'attachment; filename="b.webm"');
    assert.equal((await request(`${server.url}/media/.secret.mp4`)).status, 404);
    assert.equal((await request(`${server.url}/media/`)).status, 404);
  });

  it('unknown routes are 404 pages, other methods 405', async () => {
    const r = await request(`${server.url}/nope`);
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /Not found/);
    const post = await request(`${server.url}/`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  it('HEAD of a page has its headers and no body', async () => {
    const r = await request(`${server.url}/`, { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.ok(Number(r.headers['content-length']) > 0);
    assert.equal(r.body.length, 0);
  });

  it('a file added while the server runs is on the very next page load once the listing is stale', { timeout: 10_000 }, async () => {
    assert.ok(!(await request(`${server.url}/`)).body.toString().includes('added later'));
    await writeFile(path.join(root, 'added later.mp4'), 'new bytes');
    await new Promise((resolve) => setTimeout(resolve, 2100)); // the listing is stale after 2 s
    assert.ok((await request(`${server.url}/`)).body.toString().includes('href="/watch/added%20later.mp4"'));
    const api = JSON.parse((await request(`${server.url}/api/library`)).body.toString()) as { entries: { path: string }[] };
    assert.ok(api.entries.some((e) => e.path === 'added later.mp4'));
  });

  it('/healthz is ok while the folder is there, 503 when it is gone', async () => {
    const ok = await request(`${server.url}/healthz`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'ok\n');
    const gone = await mkdtemp(path.join(tmpdir(), 'seekable-gone-'));
    const other = await startServer(createApp({ root: gone, cacheDir: path.join(tmpdir(), 'seekable-gone-cache'), posters: false }));
    try {
      await rm(gone, { recursive: true });
      assert.equal((await request(`${other.url}/healthz`)).status, 503);
    } finally {
      await other.close();
    }
  });
});
