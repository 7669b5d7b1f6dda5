import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repo, runCli, startCli } from '../support/cli.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from '../support/tls.js';

describe('seekable serve --tls-cert --tls-key', { skip: opensslMissing }, () => {
  let dir: string;
  let cert: TestCertificate;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-cli-tls-'));
    await copyFile(path.join(repo, 'demo/Test pattern (H.264).mp4'), path.join(dir, 'clip.mp4'));
    cert = await selfSignedCertificate();
  });
  after(async () => {
    await rm(dir, { recursive: true });
    await rm(cert.dir, { recursive: true });
  });

  it('serves HTTPS: HTTP/2 to a client offering it, HTTP/1.1 to one that does not, and prints https URLs', { timeout: 30_000 }, async () => {
    const p = startCli([
      'serve',
      dir,
      '--port',
      '0',
      '--cache-dir',
      path.join(dir, '.cache'),
      '--no-posters',
      '--quiet',
      '--tls-cert',
      cert.certPath,
      '--tls-key',
      cert.keyPath,
    ]);
    try {
      const [, url] = await p.waitForStderr(/^seekable: serving .* at (https:\/\/127\.0\.0\.1:\d+\/)\n/m);
      const session = http2.connect(url!, { ca: cert.cert });
      await once(session, 'connect');
      assert.equal(session.alpnProtocol, 'h2');
      const req = session.request({ ':path': '/media/clip.mp4', range: 'bytes=0-99' });
      const [headers] = (await once(req, 'response')) as [http2.IncomingHttpHeaders];
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      await once(req, 'end');
      assert.equal(headers[':status'], 206);
      assert.equal(Buffer.concat(chunks).length, 100);
      // The session stays open: stopping must still end the process, by telling it to go away.
      const http1 = await new Promise<{ status: number; version: string }>((resolve, reject) => {
        https
          .get(`${url}healthz`, { ca: cert.cert, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, version: res.httpVersion }));
          })
          .on('error', reject);
      });
      assert.deepEqual(http1, { status: 200, version: '1.1' });
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      session.destroy();
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  const bad: [string, () => string[], RegExp][] = [
    [
      'a certificate path that does not exist',
      () => ['--tls-cert', path.join(dir, 'nope.pem'), '--tls-key', cert.keyPath],
      /^seekable: cannot read --tls-cert .*nope\.pem \(ENOENT: no such file\)\n$/,
    ],
    [
      'a key path that is a folder',
      () => ['--tls-cert', cert.certPath, '--tls-key', dir],
      /^seekable: cannot read --tls-key .* \(EISDIR: a directory\)\n$/,
    ],
    [
      'a key file that is not a key',
      () => ['--tls-cert', cert.certPath, '--tls-key', path.join(dir, 'clip.mp4')],
      /^seekable: --tls-cert .* and --tls-key .* are not a PEM certificate and its private key \(.+\)\n$/,
    ],
    [
      'the certificate given as the key and the key as the certificate',
      () => ['--tls-cert', cert.keyPath, '--tls-key', cert.certPath],
      /^seekable: --tls-cert .* are not a PEM certificate and its private key \(.+\)\n$/,
    ],
    [
      'a certificate without its key',
      () => ['--tls-cert', cert.certPath],
      /^seekable: --tls-cert needs --tls-key \(its private key\)\nRun 'seekable --help' for the options\.\n$/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: one line, exit code 2`, { timeout: 30_000 }, async () => {
      const r = await runCli(['serve', dir, '--port', '0', '--no-posters', '--cache-dir', path.join(dir, '.cache'), ...args()]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  it('a key that belongs to another certificate: one line, exit code 2', { timeout: 30_000 }, async () => {
    const other = await selfSignedCertificate();
    try {
      const r = await runCli([
        'serve',
        dir,
        '--port',
        '0',
        '--no-posters',
        '--cache-dir',
        path.join(dir, '.cache'),
        '--tls-cert',
        cert.certPath,
        '--tls-key',
        other.keyPath,
      ]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^seekable: --tls-cert .* are not a PEM certificate and its private key \(.*key values mismatch.*\)\n$/);
    } finally {
      await rm(other.dir, { recursive: true });
    }
  });
});
