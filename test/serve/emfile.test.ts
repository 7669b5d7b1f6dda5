import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const prlimitMissing = spawnSync('prlimit', ['--version']).status === 0 ? false : 'prlimit (util-linux) is not installed';

/**
 * A GET on a fresh connection for file number `n`: its status, or 'closed' when the connection ended
 * without an answer. The server runs with --file-cache 0, so each request needs an open of its own:
 * that open, not accept, must be the one that meets the limit.
 */
function get(port: number, n: number): Promise<{ status: number | 'closed'; retryAfter?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/media/a${n}.mp4`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', () => resolve({ status: 'closed' }));
  });
}

describe('running out of file descriptors', { skip: prlimitMissing }, () => {
  it('answers 503 with Retry-After while descriptors are exhausted, and recovers by itself', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seekable-emfile-'));
    for (let n = 0; n < 200; n++) await writeFile(path.join(dir, `a${n}.mp4`), 'bytes');
    // The server under a limit of 80 descriptors; idle connections use them up one by one.
    const child = spawn(
      'prlimit',
      [
        '--nofile=80:80',
        '--',
        path.join(repo, 'node_modules/.bin/tsx'),
        path.join(repo, 'src/cli.ts'),
        'serve',
        dir,
        '--port',
        '0',
        '--quiet',
        '--no-posters',
        '--file-cache',
        '0',
        '--cache-dir',
        path.join(dir, '.cache'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    const idle: net.Socket[] = [];
    try {
      const port = await new Promise<number>((resolve, reject) => {
        // The serving line is on stderr (stdout carries only the access log, off here).
        child.stderr.on('data', () => {
          const m = /127\.0\.0\.1:(\d+)\//.exec(err);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(`server exited: ${err}`)));
      });
      let n = 0;
      assert.equal((await get(port, n++)).status, 200);
      const seen: (number | 'closed')[] = [];
      let unavailable: { status: number | 'closed'; retryAfter?: string } | undefined;
      for (let i = 0; i < 100 && unavailable === undefined; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        await once(s, 'connect');
        idle.push(s);
        await new Promise((r) => setTimeout(r, 10)); // let the server accept it
        const answer = await get(port, n++);
        seen.push(answer.status);
        if (answer.status === 503) unavailable = answer;
      }
      assert.ok(unavailable !== undefined, `no 503 among ${seen.join(' ')}`);
      assert.equal(unavailable.retryAfter, '1');
      for (const s of idle) s.destroy();
      idle.length = 0;
      let recovered: number | 'closed' = 'closed';
      for (let i = 0; i < 50 && recovered !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        recovered = (await get(port, n++)).status;
      }
      assert.equal(recovered, 200, 'serving again once descriptors are free');
      assert.equal(child.exitCode, null, 'the server is still running');
      assert.match(err, /EMFILE/); // one log line per refused request, no stack trace
      assert.equal(out, ''); // stdout carries only the access log, which --quiet turns off
      assert.doesNotMatch(err, /\n\s+at /);
    } finally {
      for (const s of idle) s.destroy();
      child.kill('SIGTERM');
      await once(child, 'exit').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });
});
