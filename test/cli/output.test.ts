import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repo, startCli } from '../support/cli.js';
import { rawRequest, request, waitFor } from '../support/http.js';

describe('seekable serve: one format per stream', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-output-'));
    await copyFile(path.join(repo, 'demo/Test pattern (H.264).mp4'), path.join(dir, 'clip.mp4'));
  });
  after(() => rm(dir, { recursive: true }));

  it('stdout holds only the JSON access log; serving, scans and closing go to stderr', { timeout: 30_000 }, async () => {
    const p = startCli(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--no-posters']);
    const asked: [string, string, number][] = [];
    let raw = '';
    try {
      const [, url] = await p.waitForStderr(/^seekable: serving .* at (http:\/\/127\.0\.0\.1:(\d+)\/)\n/m);
      const port = Number(new URL(url!).port);
      await p.waitForStderr(/^seekable: 1 media files scanned in [\d.]+ s\n/m);

      for (const [pathname, status] of [
        ['/', 200],
        ['/api/library', 200],
        ['/watch/clip.mp4', 200],
        ['/nowhere', 404],
      ] as const) {
        assert.equal((await request(`${url}${pathname.slice(1)}`)).status, status);
        asked.push(['GET', pathname, status]);
      }
      assert.equal((await request(`${url}media/clip.mp4`, { method: 'HEAD' })).status, 200);
      asked.push(['HEAD', '/media/clip.mp4', 200]);
      // Counted on the wire: `bytes` is what went out on the socket, status line and headers included.
      raw = await rawRequest(port, 'GET /media/clip.mp4 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99\r\nConnection: close\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 206 /);
      asked.push(['GET', '/media/clip.mp4', 206]);

      // A background rescan (the listing is refreshed when asked for after 2 s) says so on stderr too.
      await new Promise((r) => setTimeout(r, 2100));
      await request(`${url}api/library`);
      asked.push(['GET', '/api/library', 200]);
      await waitFor(p.err, (err) => (err.match(/media files scanned/g) ?? []).length >= 2);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);

    const lines = p.out().split('\n');
    assert.equal(lines.pop(), '', 'stdout ends with a newline');
    const log = lines.map((line) => JSON.parse(line) as { method: string; path: string; status: number; bytes: number; aborted: boolean });
    assert.deepEqual(
      log.map((e) => [e.method, e.path, e.status]),
      asked,
    );
    assert.equal(log[5]!.bytes, raw.length); // rawRequest decodes as latin1: one character per byte
    assert.ok(log.every((e) => e.aborted === false));

    // stderr: where it serves, a summary per scan (a slow run may rescan once more), the closing.
    const human = p.err().trimEnd().split('\n');
    assert.match(human.shift()!, /^seekable: serving /);
    assert.equal(human.pop(), 'seekable: SIGTERM, closing (responses in flight have 30s to finish)');
    assert.ok(human.length >= 2, p.err());
    for (const line of human) assert.match(line, /^seekable: 1 media files scanned in [\d.]+ s$/);
  });

  it('a reader of stdout that goes away (serve | head -1) ends the access log, not the server', { timeout: 30_000 }, async () => {
    const p = startCli(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--no-posters']);
    try {
      const [, url] = await p.waitForStderr(/^seekable: serving .* at (http:\/\/127\.0\.0\.1:(\d+)\/)\n/m);
      assert.equal((await request(`${url}healthz`)).status, 200);
      await waitFor(p.out, (out) => out.includes('\n'));
      p.child.stdout.destroy(); // the reader stops, as head does after its line
      for (let i = 0; i < 5; i++) assert.equal((await request(`${url}media/clip.mp4`, { headers: { Range: 'bytes=0-1' } })).status, 206);
      await p.waitForStderr(/access log's reader went away \(EPIPE\); serving on without it/);
      assert.equal((await request(`${url}healthz`)).status, 200, 'still serving');
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);
  });
});
