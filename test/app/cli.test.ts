import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli as run, startCli as start } from '../support/cli.js';
import { request, waitFor } from '../support/http.js';

/** Every line of stdout, parsed: it must hold nothing but the access log. */
function accessLog(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
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
    ['a bad port', ['serve', '.', '--port', 'http'], /^seekable: --port must be a number from 0 to 65535, not 'http'\n$/],
    ['sign without a secret', ['sign', 'a.mp4'], /^seekable: no secret: pass --secret or set SEEKABLE_SECRET\n$/],
    ['a short secret', ['serve', '.', '--secret', 'short'], /^seekable: a secret must be at least 16 characters long\n$/],
    ['a bad --ttl', ['sign', 'a.mp4', '--secret', 'x'.repeat(16), '--ttl', 'soon'], /^seekable: --ttl must be a duration/],
    [
      'a bad --idle-timeout',
      ['serve', '.', '--idle-timeout', 'never'],
      /^seekable: --idle-timeout must be a duration like 10s or 2m \(0: never\), not 'never'\n$/,
    ],
    ['a bad --workers', ['serve', '.', '--workers', 'many'], /^seekable: --workers must be a whole number from 1 to 256, or auto, not 'many'\n$/],
    [
      'a bad --base-path',
      ['serve', '.', '--base-path', '/a/../b'],
      /^seekable: --base-path must be a path like \/videos, with no "\." or "\.\." in it, not '\/a\/\.\.\/b'\n$/,
    ],
    ['a bad --max-connections', ['serve', '.', '--max-connections', '0'], /^seekable: --max-connections must be a whole number above 0/],
    [
      'a bad --metrics address',
      ['serve', '.', '--metrics=localhost:99999'],
      /^seekable: --metrics takes host:port \(127\.0\.0\.1:9100, \[::1\]:9100\) or nothing, not 'localhost:99999'\n$/,
    ],
    ['--metrics with --workers 2', ['serve', '.', '--metrics', '--workers', '2'], /^seekable: --metrics counts one process: use it with --workers 1/],
    [
      'a bad --accel-redirect',
      ['serve', '.', '--accel-redirect', '/a/../b'],
      /^seekable: --accel-redirect must be a path like \/_seekable \(an nginx internal location\), not '\/a\/\.\.\/b'\n$/,
    ],
    [
      'a bad --shutdown-timeout',
      ['serve', '.', '--shutdown-timeout', 'soon'],
      /^seekable: --shutdown-timeout must be a duration like 10s or 2m \(0: cut at once\), not 'soon'\n$/,
    ],
  ];
  // Mistakes in how the command was typed: the problem, then where the options are told.
  const help = "Run 'seekable --help' for the options.";
  const typingMistakes: [string, string[], string][] = [
    ['an unknown flag', ['serve', '.', '--frobnicate'], "unknown option '--frobnicate'"],
    ['an unknown short flag', ['serve', '.', '-x'], "unknown option '-x'"],
    ['a flag named like an object property', ['serve', '.', '--constructor'], "unknown option '--constructor'"],
    ['a flag missing its value', ['serve', '.', '--port'], "option '--port' needs a value"],
    [
      'a flag followed by another flag instead of its value',
      ['serve', '.', '--port', '--quiet'],
      `option '--port' needs a value, not '--quiet' (to give one starting with "-", write --port=<value>)`,
    ],
    ['a value given to a switch', ['serve', '.', '--quiet=yes'], "option '--quiet' takes no value"],
    ['no command', [], 'missing command: seekable serve <dir>'],
    ['an unknown command', ['server', '.'], "unknown command 'server'"],
    ['no directory', ['serve'], 'missing <dir>: seekable serve <dir>'],
    ['an extra argument', ['serve', '.', 'more'], "unexpected argument 'more'"],
  ];
  for (const [what, args, message] of typingMistakes) {
    it(`${what}: the problem and a pointer to --help on stderr, exit code 2`, async () => {
      const r = await run(args);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `seekable: ${message}\n${help}\n`);
      assert.equal(r.stdout, '');
    });
  }

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

  it('a port in use under npm start: the hint in the form npm start needs', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const r = await run(['serve', dir, '--port', String(port)], { npm_lifecycle_event: 'start' });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `seekable: port ${port} on 127.0.0.1 is already in use (try npm start -- --port ${port + 1})\n`);
    } finally {
      blocker.close();
    }
  });

  it("a host that is none of this machine's addresses: the reason, exit code 2", async (t) => {
    const host = '203.0.113.77'; // TEST-NET-3: binding to it sends nothing anywhere
    if (Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === host))) return t.skip(`${host} is local here`);
    const r = await run(['serve', dir, '--host', host, '--port', '0']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `seekable: cannot listen on host '${host}' (EADDRNOTAVAIL: no interface has that address)\n`);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves, prints its URL, and closes gracefully on ${signal}`, async () => {
      const p = start(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache')]);
      try {
        const [, url] = await p.waitForStderr(/at (http:\/\/127\.0\.0\.1:\d+\/)\n/);
        const health = await request(`${url}healthz`);
        assert.equal(health.status, 200);
        const media = await request(`${url}media/a.mp4`, { headers: { Range: 'bytes=1-2' } });
        assert.equal(media.body.toString(), 'yt');
        p.child.kill(signal);
        assert.equal(await p.exited, 0);
      } finally {
        p.child.kill('SIGKILL'); // only if a failure above left it running
      }
      // stderr: the lines for people, and nothing else (no warning, no stack trace).
      for (const line of p.err().trimEnd().split('\n')) {
        assert.match(
          line,
          new RegExp(`^seekable: (serving .* at http://|\\d+ media files scanned|${signal}, closing \\(responses in flight have 30s to finish\\)$)`),
        );
      }
      assert.match(p.err(), new RegExp(`\nseekable: ${signal}, closing \\(responses in flight have 30s to finish\\)\n$`));
      // stdout: the access log alone, one JSON object per request.
      assert.deepEqual(
        accessLog(p.out()).map((e) => [e.method, e.path, e.status, e.range]),
        [
          ['GET', '/healthz', 200, undefined],
          ['GET', '/media/a.mp4', 206, 'bytes=1-2'],
        ],
      );
    });
  }

  it('serve --secret refuses unsigned links; seekable sign makes ones that work', async () => {
    const secret = 'a-secret-of-enough-length';
    const p = start(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--secret', secret]);
    try {
      const [, base] = await p.waitForStderr(/at (http:\/\/127\.0\.0\.1:\d+)\//);
      assert.match(p.err(), /^seekable: signed links required for file bytes\n/);
      assert.equal((await request(`${base}/media/a.mp4`)).status, 403);
      const signed = await run(['sign', 'a.mp4', '--ttl', '5m', '--base-url', base!], { SEEKABLE_SECRET: `${secret},an-old-secret-being-rotated` });
      assert.equal(signed.code, 0);
      assert.match(signed.stdout, new RegExp(`^${base}/media/a\\.mp4\\?exp=\\d+&sig=[\\w-]{43}\\n$`));
      const r = await request(signed.stdout.trim());
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'bytes');
      const folder = await run(['sign', '', '--prefix', '--secret', secret]);
      assert.match(folder.stdout, /^\?exp=\d+&scope=&sig=/);
      assert.equal((await request(`${base}/media/a.mp4${folder.stdout.trim()}`)).status, 200);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    assert.deepEqual(
      accessLog(p.out()).map((e) => e.status),
      [403, 200, 200],
    );
  });

  /** Processes whose command line mentions `marker`: the CLI's cluster primary and workers. */
  function processesWith(marker: string): number[] {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  it('--workers 2: one process tree on one port, closed whole by SIGTERM', { timeout: 30_000 }, async () => {
    const cacheDir = path.join(dir, '.cache-workers');
    const p = start(['serve', dir, '--port', '0', '--cache-dir', cacheDir, '--workers', '2', '--quiet']);
    try {
      const [, url] = await p.waitForStderr(/at (http:\/\/127\.0\.0\.1:\d+\/) with 2 workers\n/);
      const replies = await Promise.all(Array.from({ length: 20 }, () => request(`${url}media/a.mp4`, { headers: { Range: 'bytes=0-1' } })));
      assert.ok(replies.every((r) => r.status === 206 && r.body.toString() === 'by'));
      // The cluster primary plus two workers: the workers run the same command line.
      assert.ok(processesWith(cacheDir).length >= 3, `processes: ${processesWith(cacheDir).length}`);
      assert.equal((p.err().match(/serving/g) ?? []).length, 1);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);
    assert.equal(p.out(), '');
    assert.deepEqual(
      await waitFor(
        () => processesWith(cacheDir),
        (ps) => ps.length === 0,
      ),
      [],
    );
  });

  it('--workers 2 with the port in use: one line, exit code 2, no worker left behind', { timeout: 30_000 }, async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as net.AddressInfo;
    const cacheDir = path.join(dir, '.cache-busy');
    try {
      const r = await run(['serve', dir, '--port', String(port), '--workers', '2', '--cache-dir', cacheDir]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`^seekable: port ${port} on 127\\.0\\.0\\.1 is already in use \\(try --port\\)\n`));
      assert.deepEqual(
        await waitFor(
          () => processesWith(cacheDir),
          (ps) => ps.length === 0,
        ),
        [],
      );
    } finally {
      blocker.close();
    }
  });

  it('--quiet: no access log, stdout stays empty', async () => {
    const p = start(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--quiet']);
    try {
      const [, url] = await p.waitForStderr(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
      await request(`${url}media/a.mp4`);
    } finally {
      p.child.kill('SIGTERM');
    }
    await p.exited;
    assert.equal(p.out(), '');
  });

  it('--base-path: every route under it, and the URL printed includes it', async () => {
    const p = start(['serve', dir, '--port', '0', '--cache-dir', path.join(dir, '.cache'), '--base-path', 'videos/', '--quiet']);
    try {
      const [, url, origin] = await p.waitForStderr(/at ((http:\/\/127\.0\.0\.1:\d+)\/videos\/)\n/);
      assert.equal((await request(`${url}media/a.mp4`)).body.toString(), 'bytes');
      assert.equal((await request(`${url}healthz`)).status, 200);
      assert.equal((await request(`${origin}/media/a.mp4`)).status, 404);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);
  });

  it('--help prints usage and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage:\n {2}seekable serve <dir>/);
  });
});
