import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import { CONTENT_SECURITY_POLICY } from '../../src/app/pages.js';
import { request, startServer, type TestServer } from '../support/http.js';

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

/** The URLs of the assets a page links to: stylesheet, icon and scripts. */
function assetLinks(html: string): string[] {
  return [...html.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
}

/** What a CSP without 'unsafe-inline' would refuse, or would leave a page's markup to do. */
function inlineCode(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    const attributes = m[1]!;
    // The entry's JSON is data, not code: a browser does not run a <script type="application/json">.
    if (/\btype="application\/json"/.test(attributes)) continue;
    if (!/\bsrc="/.test(attributes) || m[2]!.trim() !== '') found.push(m[0].slice(0, 80));
  }
  for (const m of html.matchAll(/<style\b|\sstyle=|\son[a-z]+=|javascript:/gi)) found.push(m[0]);
  return found;
}

describe('the pages and the assets they link', () => {
  let root: string;
  let server: TestServer;
  let signed: TestServer;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-page-assets-'));
    await writeFile(path.join(root, 'clip.mp4'), 'mp4 bytes');
    for (const ext of ['mp3', 'flac', 'ogg', 'wav']) await writeFile(path.join(root, `song.${ext}`), `${ext} bytes`);
    const app = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false });
    await app.catalog.refresh();
    server = await startServer(app);
    const signedApp = createApp({ root, cacheDir: path.join(root, '.cache-signed'), posters: false, secrets: ['s'.repeat(16)] });
    await signedApp.catalog.refresh();
    signed = await startServer(signedApp);
  });
  after(async () => {
    await server.close();
    await signed.close();
    await rm(root, { recursive: true, force: true });
  });

  const pages = ['/', '/?q=song', '/watch/clip.mp4', '/watch/song.flac', '/nope', '/watch/missing.mp4'];

  it('every page carries the CSP and has no inline script, style or handler', async () => {
    for (const p of pages) {
      const r = await request(server.url + p);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', p);
      assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, p);
      assert.deepEqual(inlineCode(r.body.toString()), [], p);
    }
    assert.match(CONTENT_SECURITY_POLICY, /(^|; )script-src 'self'(;|$)/);
    assert.match(CONTENT_SECURITY_POLICY, /(^|; )style-src 'self'(;|$)/);
    assert.match(CONTENT_SECURITY_POLICY, /(^|; )object-src 'none'(;|$)/);
    const head = await request(`${server.url}/`, { method: 'HEAD' });
    assert.equal(head.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  });

  it('each page links its stylesheet, its icon and its own script, by hashed URL', async () => {
    const library = assetLinks((await request(`${server.url}/`)).body.toString());
    assert.equal(library.length, 3);
    assert.match(library.join(' '), /\/assets\/style\.[0-9a-f]{8}\.css/);
    assert.match(library.join(' '), /\/assets\/icon\.[0-9a-f]{8}\.svg/);
    assert.match(library.join(' '), /\/assets\/library\.[0-9a-f]{8}\.js/);
    const player = (await request(`${server.url}/watch/clip.mp4`)).body.toString();
    assert.match(player, /<script type="module" src="\/assets\/player\.[0-9a-f]{8}\.js"><\/script>/);
    assert.ok(player.includes('<main class="player" data-entry-api="/api/library/clip.mp4">'));
    const missing = (await request(`${server.url}/nope`)).body.toString();
    assert.ok(!missing.includes('<script'), 'the 404 page needs no script');
    assert.equal(assetLinks(missing).length, 2);
  });

  it('every asset a page links answers 200 with its type, immutable; again with If-None-Match, 304', async () => {
    const urls = new Set<string>();
    for (const p of pages) for (const url of assetLinks((await request(server.url + p)).body.toString())) urls.add(url);
    assert.equal(urls.size, 4, [...urls].join(' '));
    for (const url of urls) {
      const first = await request(server.url + url);
      assert.equal(first.status, 200, url);
      assert.equal(first.headers['content-type'], TYPES[url.slice(url.lastIndexOf('.') + 1)], url);
      assert.equal(first.headers['cache-control'], 'public, max-age=31536000, immutable', url);
      assert.ok(first.body.length > 0, url);
      assert.equal(Number(first.headers['content-length']), first.body.length, url);
      const etag = first.headers.etag;
      assert.match(etag ?? '', /^"[0-9a-f]+"$/, url);
      const again = await request(server.url + url, { headers: { 'If-None-Match': etag! } });
      assert.equal(again.status, 304, url);
      assert.equal(again.body.length, 0, url);
      const part = await request(server.url + url, { headers: { Range: 'bytes=0-9' } });
      assert.equal(part.status, 206, url);
      assert.deepEqual(part.body, first.body.subarray(0, 10), url);
    }
  });

  it('assets need no signed link; unknown asset names are 404', async () => {
    for (const url of assetLinks((await request(`${signed.url}/`)).body.toString())) {
      assert.equal((await request(signed.url + url)).status, 200, url);
    }
    assert.equal((await request(`${server.url}/assets/library.00000000.js`)).status, 404);
    assert.equal((await request(`${server.url}/assets/`)).status, 404);
    // Names are looked up in memory, never resolved against a folder.
    assert.equal((await request(`${server.url}/assets/%2e%2e/package.json`)).status, 404);
  });

  it('cards show the file extension: four songs with one title can be told apart', async () => {
    const html = (await request(`${server.url}/?q=song`)).body.toString();
    const cards = html.split('<li class="card"').slice(1);
    const seen = cards.map((card) => [/<span class="title">([^<]*)</.exec(card)?.[1], /<span class="format">([^<]*)</.exec(card)?.[1]]);
    assert.deepEqual(seen, [
      ['song', 'FLAC'],
      ['song', 'MP3'],
      ['song', 'OGG'],
      ['song', 'WAV'],
    ]);
  });
});
