import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repo } from '../support/cli.js';
import { request } from '../support/http.js';

const clip = 'Test%20pattern%20(H.264).mp4';

/**
 * The Fetch door's examples on Node. They import seekable/fetch, the compiled package, as an app
 * would: built first. examples/bun.ts and examples/deno.ts run in test/doors/doors.test.ts.
 */
describe('the Fetch door examples', () => {
  before(() => promisify(execFile)('npm', ['run', 'build'], { cwd: repo }));

  it('examples/hono.ts serves a 206 on Node through @hono/node-server', async () => {
    const child = spawn(path.join(repo, 'node_modules/.bin/tsx'), ['examples/hono.ts'], {
      cwd: repo,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = line.toString().trim();
      assert.match(url, new RegExp(`/media/${clip.replace(/[()]/g, '\\$&')}$`));
      const r = await request(url, { headers: { Range: 'bytes=0-7' } });
      assert.equal(r.status, 206);
      assert.equal(r.body.subarray(4, 8).toString(), 'ftyp'); // an MP4 starts with its ftyp box
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });

  it('examples/next-route.ts: GET and HEAD, called as Next.js calls a route handler', async () => {
    const route = await import('../../examples/next-route.js');
    assert.equal(route.runtime, 'nodejs'); // it reads files: not the Edge runtime
    const size = (await stat(path.join(repo, 'demo/Test pattern (H.264).mp4'))).size;
    const url = `http://localhost:3000/media/${clip}`;
    const got = await route.GET(new Request(url, { headers: { Range: 'bytes=0-7' } }));
    assert.equal(got.status, 206);
    assert.equal(got.headers.get('content-range'), `bytes 0-7/${size}`);
    assert.equal(
      Buffer.from(await got.arrayBuffer())
        .subarray(4, 8)
        .toString(),
      'ftyp',
    );
    const head = await route.HEAD(new Request(url, { method: 'HEAD' }));
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(size));
    assert.equal(head.body, null);
    assert.equal((await route.GET(new Request('http://localhost:3000/media/missing.mp4'))).status, 404);
  });
});
