import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request, waitFor } from '../support/http.js';
import { nginxMissing, type SeekableNode, startFront, startNode } from '../support/nginx.js';

const MiB = 1024 * 1024;

/**
 * deploy/nginx/seekable.conf, as shipped, in front of two seekable nodes that serve copies of one
 * folder: what a viewer gets through the cache is what the nodes would have answered.
 */
describe('two seekable nodes behind the nginx cache (deploy/nginx/seekable.conf)', { skip: nginxMissing }, () => {
  let dir: string;
  let nodes: SeekableNode[];
  let front: Awaited<ReturnType<typeof startFront>>;
  const files: Record<string, Buffer> = {
    'movie.mp4': randomBytes(24 * MiB + 12345), // 25 slices, the last one short
    'short.mp4': randomBytes(300_000), // less than a slice
    'repeat.mp4': randomBytes(3 * MiB),
    'crowd.mp4': randomBytes(8 * MiB),
    'validators.mp4': randomBytes(2 * MiB),
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-front-'));
    const original = path.join(dir, 'a');
    await mkdir(original);
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(original, name), bytes);
    // The second node serves a copy made with the times kept to the nanosecond (cp -a): same size and
    // mtime, same validators. (Node's fs.cp keeps them to the millisecond only: the ETags would differ.)
    execFileSync('cp', ['-a', original, path.join(dir, 'b')]);
    nodes = [await startNode(original, path.join(dir, 'cache-a')), await startNode(path.join(dir, 'b'), path.join(dir, 'cache-b'))];
    front = await startFront(dir, nodes);
  });
  after(async () => {
    await front?.nginx.stop();
    for (const node of nodes ?? []) node.cli.child.kill('SIGTERM');
    for (const node of nodes ?? []) await node.cli.exited;
    await rm(dir, { recursive: true, force: true });
  });

  /** Bytes the nodes put on the wire for `file` (access log: headers included). */
  const originBytes = (file: string) =>
    nodes.flatMap((node) => node.accessLog()).reduce((sum, entry) => sum + (entry.path === `/media/${file}` ? entry.bytes : 0), 0);

  it('random, open and suffix ranges and full GETs are byte-exact', async () => {
    const movie = files['movie.mp4']!;
    const size = movie.length;
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const cases: [string, number, number][] = []; // Range header, first and last byte expected
    for (let i = 0; i < 60; i++) {
      const start = random(size);
      const end = Math.min(size - 1, start + random(3 * MiB));
      cases.push([`bytes=${start}-${end}`, start, end]);
    }
    for (let i = 0; i < 10; i++) {
      const start = size - 1 - random(4 * MiB);
      cases.push([`bytes=${start}-`, start, size - 1]);
      const length = 1 + random(2 * MiB);
      cases.push([`bytes=-${length}`, size - length, size - 1]);
    }
    cases.push([`bytes=0-0`, 0, 0], [`bytes=${size - 1}-`, size - 1, size - 1], [`bytes=${MiB - 1}-${MiB}`, MiB - 1, MiB]);
    for (const [range, start, end] of cases) {
      const r = await request(`${front.url}/media/movie.mp4`, { headers: { Range: range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
      assert.ok(r.body.equals(movie.subarray(start, end + 1)), `${range}: bytes differ`);
    }
    for (const name of ['movie.mp4', 'short.mp4']) {
      const r = await request(`${front.url}/media/${name}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-length'], String(files[name]!.length));
      assert.ok(r.body.equals(files[name]!), `${name}: bytes differ`);
    }
    const short = await request(`${front.url}/media/short.mp4`, { headers: { Range: 'bytes=1000-' } });
    assert.equal(short.status, 206);
    assert.ok(short.body.equals(files['short.mp4']!.subarray(1000)));
    // Several ranges: nginx answers them through the cache with the whole file (a 200, as §14.2 allows).
    const multi = await request(`${front.url}/media/movie.mp4`, { headers: { Range: 'bytes=0-9,2000000-2000009' } });
    assert.equal(multi.status, 200);
    assert.ok(multi.body.equals(movie));
  });

  it('a repeated range is a cache HIT; the origin sent each slice once', async () => {
    const url = `${front.url}/media/repeat.mp4`;
    const first = await request(url, { headers: { Range: 'bytes=100-200' } });
    assert.equal(first.headers['x-cache-status'], 'MISS');
    for (let i = 0; i < 3; i++) {
      const again = await request(url, { headers: { Range: 'bytes=100-200' } });
      assert.equal(again.headers['x-cache-status'], 'HIT');
      assert.ok(again.body.equals(files['repeat.mp4']!.subarray(100, 201)));
    }
    // Another range in the same slice is a hit too: the slice is what is cached.
    assert.equal((await request(url, { headers: { Range: 'bytes=5000-6000' } })).headers['x-cache-status'], 'HIT');
    const fetched = await waitFor(
      () => nodes.flatMap((node) => node.accessLog()).filter((entry) => entry.path === '/media/repeat.mp4'),
      (entries) => entries.length >= 1,
    );
    assert.deepEqual(
      fetched.map((entry) => entry.range),
      ['bytes=0-1048575'],
    );
  });

  it('N viewers of the same file: the origin sends about one copy', async (t) => {
    const viewers = 12;
    const crowd = files['crowd.mp4']!;
    const replies = await Promise.all(Array.from({ length: viewers }, () => request(`${front.url}/media/crowd.mp4`)));
    for (const r of replies) assert.ok(r.status === 200 && r.body.equals(crowd), 'a viewer got other bytes');
    const delivered = viewers * crowd.length;
    const origin = await waitFor(
      () => originBytes('crowd.mp4'),
      (bytes) => bytes >= crowd.length,
    );
    t.diagnostic(`origin bytes / delivered bytes = ${origin} / ${delivered} = ${(origin / delivered).toFixed(4)} (${viewers} viewers)`);
    assert.ok(origin >= crowd.length, 'the origin sent less than the file');
    // One copy plus the headers of its 8 slices; a slice fetched twice would add a whole MiB.
    assert.ok(origin < crowd.length + 64 * 1024, `the origin sent ${origin} bytes for a ${crowd.length}-byte file`);
  });

  it('validators are the same whichever node answers, so If-Range, If-None-Match and If-Modified-Since work through the cache', async () => {
    const heads = await Promise.all(nodes.map((node) => request(`${node.base}/media/validators.mp4`, { method: 'HEAD' })));
    const etag = heads[0]!.headers.etag!;
    const lastModified = heads[0]!.headers['last-modified']!;
    assert.equal(heads[1]!.headers.etag, etag);
    assert.equal(heads[1]!.headers['last-modified'], lastModified);

    const url = `${front.url}/media/validators.mp4`;
    const full = await request(url);
    assert.equal(full.headers.etag, etag);
    assert.equal(full.headers['last-modified'], lastModified);
    assert.equal((await request(url, { headers: { 'If-None-Match': etag } })).status, 304);
    assert.equal((await request(url, { headers: { 'If-Modified-Since': lastModified } })).status, 304);
    assert.equal((await request(url, { headers: { 'If-None-Match': '"something-else"' } })).status, 200);
    const holds = await request(url, { headers: { Range: 'bytes=10-19', 'If-Range': etag } });
    assert.equal(holds.status, 206);
    assert.ok(holds.body.equals(files['validators.mp4']!.subarray(10, 20)));
    const byDate = await request(url, { headers: { Range: 'bytes=10-19', 'If-Range': lastModified } });
    assert.equal(byDate.status, 206);
    const stale = await request(url, { headers: { Range: 'bytes=10-19', 'If-Range': '"an-older-version"' } });
    assert.equal(stale.status, 200);
    assert.ok(stale.body.equals(files['validators.mp4']!));
  });
});
