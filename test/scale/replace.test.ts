import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type App, createApp } from '../../src/app/app.js';
import { createMediaServer } from '../../src/serve/create-server.js';
import { request } from '../support/http.js';
import { nginxMissing, startFront } from '../support/nginx.js';

const MiB = 1024 * 1024;
const MAX_AGE = 2;

/**
 * A file replaced on the nodes (atomically, on each copy, times kept) while the nginx front holds its
 * slices: viewers get the old version until the slices' max-age has passed, then the new one, and a
 * response is never a mix of the two. Slices cached at different times expire at different times;
 * nginx's slice module compares each slice's ETag with the first one's and cuts a response whose
 * slices disagree rather than finish it with bytes of two versions.
 */
describe('a file replaced at the origin, through the nginx front', { skip: nginxMissing }, () => {
  let dir: string;
  const apps: App[] = [];
  const servers: ReturnType<typeof createMediaServer>[] = [];
  let front: Awaited<ReturnType<typeof startFront>>;

  /** Writes `bytes` as `name` in folder a, then copies it to folder b with its times; each by rename, so a node never sees half a file. */
  const publish = async (name: string, bytes: Buffer) => {
    await writeFile(path.join(dir, 'a', '.incoming'), bytes);
    await rename(path.join(dir, 'a', '.incoming'), path.join(dir, 'a', name));
    execFileSync('cp', ['-a', path.join(dir, 'a', name), path.join(dir, 'b', '.incoming')]);
    await rename(path.join(dir, 'b', '.incoming'), path.join(dir, 'b', name));
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-replace-'));
    for (const folder of ['a', 'b']) {
      await mkdir(path.join(dir, folder));
      const app = createApp({
        root: path.join(dir, folder),
        cacheDir: path.join(dir, `cache-${folder}`),
        posters: false,
        cacheControl: `public, max-age=${MAX_AGE}`,
      });
      const server = createMediaServer(app);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      apps.push(app);
      servers.push(server);
    }
    front = await startFront(
      dir,
      servers.map((server) => ({ port: (server.address() as net.AddressInfo).port })),
    );
  });
  after(async () => {
    await front?.nginx.stop();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    for (const app of apps) app.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What one full GET through the front delivered: a whole version (and whether its ETag is that version's), or a cut. */
  const fetchWhole = async (url: string, versions: Record<string, { bytes: Buffer; etag?: string }>) => {
    try {
      const r = await request(url);
      for (const [name, version] of Object.entries(versions)) {
        if (r.body.equals(version.bytes)) return { got: name, etag: r.headers.etag };
      }
      return { got: r.body.length === Object.values(versions)[0]!.bytes.length ? 'a mix' : `${r.body.length} bytes` };
    } catch (err) {
      return { got: `cut (${(err as Error).message})` };
    }
  };

  it('the old version until max-age, then the new one: each response whole with its own ETag, or cut while slices expire', async () => {
    const old = randomBytes(3 * MiB);
    const fresh = randomBytes(3 * MiB);
    await publish('v.mp4', old);
    const url = `${front.url}/media/v.mp4`;
    const cachedAt = Date.now();
    const first = await fetchWhole(url, { old: { bytes: old } });
    assert.equal(first.got, 'old');
    const versions = { old: { bytes: old, etag: first.etag }, fresh: { bytes: fresh } };
    await publish('v.mp4', fresh);

    const seen: string[] = [];
    let freshAt: number | undefined;
    while (freshAt === undefined && Date.now() - cachedAt < (MAX_AGE + 8) * 1000) {
      const askedAt = Date.now() - cachedAt;
      const { got, etag } = await fetchWhole(url, versions);
      seen.push(got);
      // The first GET cached its slices one after another, so they expire one after another: between
      // the first expiry and the last a response would join two versions, and nginx cuts it (the next
      // test shows that on purpose). Before the first expiry only the old version comes, whole.
      const expiring = got.startsWith('cut') && askedAt >= MAX_AGE * 1000 - 100;
      if (!expiring) assert.ok(got === 'old' || got === 'fresh', `a response was ${got} after ${askedAt} ms`);
      if (got === 'old') assert.equal(etag, versions.old.etag, 'old bytes under another ETag');
      else if (got === 'fresh') {
        assert.notEqual(etag, versions.old.etag, 'new bytes under the old ETag');
        freshAt = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(freshAt !== undefined, `never the new version: ${seen.join(', ')}`);
    // Not before the max-age of the slices that were cached (nginx counts from when it stored them).
    assert.ok(freshAt - cachedAt >= MAX_AGE * 1000 - 100, `fresh after ${freshAt - cachedAt} ms`);
  });

  it('slices cached at different times: a response that would mix versions is cut, never completed', async (t) => {
    const old = randomBytes(3 * MiB);
    const fresh = randomBytes(3 * MiB);
    await publish('w.mp4', old);
    const url = `${front.url}/media/w.mp4`;
    // Slice 0 now, slice 2 a second later: they expire a second apart.
    const slice0At = Date.now();
    assert.equal((await request(url, { headers: { Range: 'bytes=0-10' } })).status, 206);
    while (Date.now() - slice0At < 1000) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await request(url, { headers: { Range: `bytes=${2 * MiB}-${2 * MiB + 10}` } })).status, 206);
    await publish('w.mp4', fresh);
    // Between the two expiries: slice 0 is refetched (the new version), slice 2 is still the old one.
    while (Date.now() - slice0At < MAX_AGE * 1000 + 200) await new Promise((resolve) => setTimeout(resolve, 50));
    const outcomes: string[] = [];
    const deadline = Date.now() + (MAX_AGE + 8) * 1000;
    for (;;) {
      const { got } = await fetchWhole(url, { old: { bytes: old }, fresh: { bytes: fresh } });
      outcomes.push(got);
      assert.ok(got === 'old' || got === 'fresh' || got.startsWith('cut') || /^\d+ bytes$/.test(got), `a response was ${got}`);
      if (got === 'fresh' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    t.diagnostic(`responses until the new version: ${outcomes.join('; ')}`);
    assert.equal(outcomes.at(-1), 'fresh');
    if (outcomes.some((o) => o.startsWith('cut'))) assert.match(await front.nginx.errorLog(), /etag mismatch in slice response/);
  });
});
