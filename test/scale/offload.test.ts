import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signQuery } from '../../src/serve/signing.js';
import { request } from '../support/http.js';
import { deployConfig, freePort, nginxMissing, type RunningNginx, type SeekableNode, startNginx, startNode } from '../support/nginx.js';

const SECRET = 'an-offload-test-secret';
const KEY = 'Trips/day 1 (100%).mp4';
const PATH = '/media/Trips/day%201%20(100%25).mp4';

/**
 * deploy/nginx/seekable-offload.conf, as shipped, with a seekable node started with --accel-redirect
 * and --secret: seekable authorises each request, nginx sends the bytes (sendfile) and answers ranges.
 */
describe('offload: seekable authorises, nginx sends the file (deploy/nginx/seekable-offload.conf)', { skip: nginxMissing }, () => {
  let dir: string;
  let node: SeekableNode;
  let nginx: RunningNginx;
  let front: string;
  const video = randomBytes(3 * 1024 * 1024 + 17);
  const signed = (expires: number) => `${front}${PATH}?${signQuery(KEY, SECRET, { expires })}`;
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-offload-'));
    const media = path.join(dir, 'media');
    await mkdir(path.join(media, 'Trips'), { recursive: true });
    await writeFile(path.join(media, KEY), video);
    node = await startNode(media, path.join(dir, 'cache'), ['--accel-redirect', '/_seekable_files', '--secret', SECRET]);
    const port = await freePort();
    const site = await deployConfig('seekable-offload.conf', [
      ['server 127.0.0.1:8081', `server 127.0.0.1:${node.port}`],
      ['listen 8090', `listen 127.0.0.1:${port}`],
      ['alias /srv/videos/', `alias ${media}/`],
    ]);
    nginx = await startNginx(dir, site, [port]);
    front = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await nginx?.stop();
    node?.cli.child.kill('SIGTERM');
    await node?.cli.exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('a signed link gets the bytes from nginx, with ranges, conditionals and HEAD', async () => {
    const url = signed(now() + 600);
    const full = await request(url);
    assert.equal(full.status, 200);
    assert.ok(full.body.equals(video));
    assert.equal(full.headers['content-type'], 'video/mp4'); // seekable's, kept by nginx
    assert.equal(full.headers['cache-control'], 'public, max-age=3600');
    assert.equal(full.headers['x-accel-redirect'], undefined); // nginx never shows it to the client
    for (const [range, start, end] of [
      ['bytes=0-1', 0, 1],
      ['bytes=1000000-', 1000000, video.length - 1],
      ['bytes=-500', video.length - 500, video.length - 1],
    ] as const) {
      const r = await request(url, { headers: { Range: range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${video.length}`);
      assert.ok(r.body.equals(video.subarray(start, end + 1)), range);
    }
    assert.equal((await request(url, { headers: { 'If-None-Match': String(full.headers.etag) } })).status, 304);
    const head = await request(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(video.length));
    // One range at a time (max_ranges 1): several get the whole file.
    const several = await request(url, { headers: { Range: 'bytes=0-1,10-11' } });
    assert.equal(several.status, 200);
    assert.ok(several.body.equals(video));
    const download = await request(`${url}&download=1`);
    assert.match(String(download.headers['content-disposition']), /^attachment; filename="day 1 \(100_\)\.mp4"/);
    // The bytes came from nginx: the node's access log shows its empty answers only.
    const answers = node.accessLog().filter((entry) => entry.path === PATH);
    assert.ok(answers.length >= 8 && answers.every((entry) => entry.status === 200 && entry.bytes < 1000));
  });

  it("an unsigned, forged or expired link gets seekable's 403 or 410 and no bytes; the internal location is not reachable", async () => {
    const unsigned = await request(`${front}${PATH}`);
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.body.toString(), 'Forbidden: a valid signed link is needed\n');
    const forged = await request(signed(now() + 600).replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`));
    assert.equal(forged.status, 403);
    const expired = await request(signed(now() - 10), { headers: { Range: 'bytes=0-1' } });
    assert.equal(expired.status, 410);
    assert.equal(expired.body.toString(), 'Gone: this link has expired\n');
    for (const r of [unsigned, forged, expired]) assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal((await request(`${front}/_seekable_files/Trips/day%201%20(100%25).mp4`)).status, 404);
    const missing = await request(`${front}/media/none.mp4?${signQuery('none.mp4', SECRET, { expires: now() + 600 })}`);
    assert.equal(missing.status, 404);
  });
});
