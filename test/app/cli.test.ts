import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from '../support/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const cli = path.join(repo, 'src/cli.ts');

function start(args: string[]) {
  const child = spawn(tsx, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = once(child, 'exit').then(([code]) => code as number);
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function run(args: string[]) {
  const p = start(args);
  const code = await p.exited;
  return { code, stdout: p.out(), stderr: p.err() };
}

describe('seekable CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-cli-'));
    await writeFile(path.join(dir, 'a.mp4'), 'bytes');
  });
  after(() => rm(dir, { recursive: true }));

  const usageFailures: [string, string[], RegExp][] = [
    ['a missing directory', ['serve', '/nonexistent/seekable'], /^seekable: no such directory: \/nonexistent\/seekable\n$/],
    ['a file instead of a directory', ['serve', 'package.json'], /^seekable: not a directory: .*package\.json\n$/],
    ['an unknown flag', ['serve', '.', '--bogus'], /^seekable: Unknown option '--bogus'.*\n$/],
    ['a bad port', ['serve', '.', '--port', 'http'], /^seekable: --port must be a number from 0 to 65535, not 'http'\n$/],
    ['no command', [], /^seekable: missing command: seekable serve <dir>\n$/],
    ['no directory', ['serve'], /^seekable: missing <dir>/],
  ];
  for (const [what, args, message] of usageFailures) {
    it(`${what}: one line on stderr, exit code 2`, async () => {
      const r = await run(args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /); // no stack trace
    });
  }

  it('a port in use: one line, exit code 2', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const r = await run(['serve', dir, '--port', String(port)]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `seekable: port ${port} on 127.0.0.1 is already in use (try --port)\n`);
    } finally {
      blocker.close();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves, prints its URL, and closes gracefully on ${signal}`, async () => {
      const p = start(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache')]);
      const url = await new Promise<string>((resolve, reject) => {
        p.child.stdout.on('data', () => {
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(p.out());
          if (m) resolve(m[1]!);
        });
        p.exited.then(() => reject(new Error(`exited early: ${p.err()}`)));
      });
      const health = await request(`${url}healthz`);
      assert.equal(health.status, 200);
      const media = await request(`${url}media/a.mp4`, { headers: { Range: 'bytes=1-2' } });
      assert.equal(media.body.toString(), 'yt');
      p.child.kill(signal);
      assert.equal(await p.exited, 0);
      assert.equal(p.err(), '');
    });
  }

  it('--help prints usage and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: seekable serve <dir>/);
  });
});
