import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import type { EntryView } from '../../src/app/entry-json.js';
import { createHandler } from '../../src/serve/handler.js';
import { signQuery } from '../../src/serve/signing.js';
import { request, startServer, type TestServer } from '../support/http.js';

describe('signed links', () => {
  let root: string;
  let app: TestServer;
  let handler: TestServer;
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-signed-'));
    await mkdir(path.join(root, 'clips'));
    await writeFile(path.join(root, 'clips', 'a.mp4'), '0123456789');
    await writeFile(path.join(root, 'clips', 'a.en.vtt'), 'WEBVTT\n');
    await writeFile(path.join(root, 'clips-private.mp4'), 'private');
    const seekable = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false, secrets: ['new', 'old'] });
    await seekable.catalog.refresh();
    app = await startServer(seekable);
    handler = await startServer(createHandler(root, { secrets: ['new'] }));
  });
  after(async () => {
    await app.close();
    await handler.close();
    await rm(root, { recursive: true });
  });

  it('without a token: 403, the same for files that exist and files that do not', async () => {
    const there = await request(`${app.url}/media/clips/a.mp4`);
    const missing = await request(`${app.url}/media/clips/nope.mp4`);
    assert.equal(there.status, 403);
    assert.equal(missing.status, 403);
    assert.equal(there.body.toString(), missing.body.toString());
    assert.equal(there.headers['cache-control'], 'no-store');
    for (const p of ['/subtitles/clips/a.en.vtt', '/poster/clips/a.mp4']) assert.equal((await request(app.url + p)).status, 403, p);
  });

  it('the API hands out signed links that work, ranges included', async () => {
    const { entries } = JSON.parse((await request(`${app.url}/api/library`)).body.toString()) as { entries: EntryView[] };
    const a = entries.find((e) => e.path === 'clips/a.mp4')!;
    assert.match(a.url, /^\/media\/clips\/a\.mp4\?exp=\d+&sig=[\w-]{43}$/);
    assert.ok(a.expires! >= now() + 3600 && a.expires! <= now() + 7200, `expires ${a.expires}`);
    const r = await request(app.url + a.url, { headers: { Range: 'bytes=2-4' } });
    assert.equal(r.status, 206);
    assert.equal(r.body.toString(), '234');
    const dl = await request(app.url + a.downloadUrl);
    assert.equal(dl.headers['content-disposition'], 'attachment; filename="a.mp4"');
    assert.equal((await request(app.url + a.subtitles[0]!.url)).status, 200);
    // The player page carries the same links.
    const page = (await request(`${app.url}/watch/clips/a.mp4`)).body.toString();
    assert.ok(page.includes(`src="${a.streamUrl.replace(/&/g, '&#38;')}"`));
    assert.match(a.streamUrl, /^\/stream\/clips\/a\.mp4\?exp=\d+&sig=[\w-]{43}$/);
  });

  it('an expired link: 410; a token for another file or tampered: 403', async () => {
    const expired = signQuery('clips/a.mp4', 'new', { expires: now() - 5 });
    assert.equal((await request(`${app.url}/media/clips/a.mp4?${expired}`)).status, 410);
    const other = signQuery('clips/a.mp4', 'new', { expires: now() + 60 });
    assert.equal((await request(`${app.url}/media/clips-private.mp4?${other}`)).status, 403);
    const forged = other.replace(/exp=\d+/, `exp=${now() + 999_999}`);
    assert.equal((await request(`${app.url}/media/clips/a.mp4?${forged}`)).status, 403);
  });

  it('a folder token opens the folder, not a sibling whose name starts the same', async () => {
    const folder = signQuery('', 'new', { expires: now() + 60, prefix: 'clips/' });
    assert.equal((await request(`${app.url}/media/clips/a.mp4?${folder}`)).status, 200);
    assert.equal((await request(`${app.url}/subtitles/clips/a.en.vtt?${folder}`)).status, 200);
    assert.equal((await request(`${app.url}/media/clips-private.mp4?${folder}`)).status, 403);
  });

  it('key rotation: links signed with the old secret still open', async () => {
    const old = signQuery('clips/a.mp4', 'old', { expires: now() + 60 });
    assert.equal((await request(`${app.url}/media/clips/a.mp4?${old}`)).status, 200);
    assert.equal((await request(`${handler.url}/clips/a.mp4?${old}`)).status, 403); // that one accepts only "new"
  });

  it('createHandler checks tokens too, for library users', async () => {
    assert.equal((await request(`${handler.url}/clips/a.mp4`)).status, 403);
    const ok = signQuery('clips/a.mp4', 'new', { expires: now() + 60 });
    assert.equal((await request(`${handler.url}/clips/a.mp4?${ok}`)).status, 200);
  });

  it('pages and the API stay open: signing guards the bytes (put auth in front of the pages)', async () => {
    assert.equal((await request(`${app.url}/`)).status, 200);
    assert.equal((await request(`${app.url}/api/library`)).status, 200);
  });
});
