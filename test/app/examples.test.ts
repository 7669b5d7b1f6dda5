import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http2 from 'node:http2';
import path from 'node:path';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from '../support/http.js';
import { CREDENTIALS, startStore } from '../support/s3.js';
import { opensslMissing, selfSignedCertificate } from '../support/tls.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs an example on a free port, as the README says to, and returns the URL it prints. */
async function runExample(file: string, test: (url: string) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const child = spawn(path.join(repo, 'node_modules/.bin/tsx'), [path.join('examples', file)], {
    cwd: repo,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    await test(line.toString().trim());
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

describe('examples/', () => {
  for (const [file, mediaPath] of [
    ['node-http.ts', ''],
    ['express.ts', 'media/Test%20pattern%20(H.264).mp4'],
    ['send-file.ts', ''],
    ['fastify.ts', 'media/Test%20pattern%20(H.264).mp4'],
    ['fastify.ts', 'latest'],
    ['koa.ts', 'media/Test%20pattern%20(H.264).mp4'],
    ['koa.ts', 'latest'],
  ] as const) {
    it(`${file} serves a 206 at /${mediaPath}`, async () => {
      await runExample(file, async (url) => {
        const r = await request(mediaPath === '' ? url : new URL(mediaPath, url).href, { headers: { Range: 'bytes=0-7' } });
        assert.equal(r.status, 206);
        assert.equal(r.body.subarray(4, 8).toString(), 'ftyp'); // an MP4 starts with its ftyp box
      });
    });
  }

  it('metrics.ts counts what it serves, and answers /metrics', async () => {
    await runExample('metrics.ts', async (url) => {
      assert.equal((await request(url, { headers: { Range: 'bytes=0-7' } })).status, 206);
      const scraped = (await request(new URL('/metrics', url).href)).body.toString();
      assert.match(scraped, /^seekable_requests_total\{route="media",method="GET",status="206"\} 1$/m);
      assert.match(scraped, /^seekable_responses_total\{kind="range"\} 1$/m);
    });
  });

  it('s3.ts serves a 206 from a bucket', async () => {
    const store = await startStore();
    try {
      await store.put('films/clip.mp4', await readFile(path.join(repo, 'demo', 'Test pattern (H.264).mp4')));
      const env = {
        S3_BUCKET: store.bucket,
        S3_PREFIX: 'films/',
        S3_ENDPOINT: store.endpoint,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      };
      await runExample(
        's3.ts',
        async (url) => {
          const r = await request(`${url}clip.mp4`, { headers: { Range: 'bytes=0-7' } });
          assert.equal(r.status, 206);
          assert.equal(r.body.subarray(4, 8).toString(), 'ftyp');
        },
        env,
      );
    } finally {
      await store.close();
    }
  });

  it('node-http2.ts serves a 206 over HTTP/2 with TLS', { skip: opensslMissing }, async () => {
    const cert = await selfSignedCertificate();
    try {
      await runExample(
        'node-http2.ts',
        async (url) => {
          assert.match(url, /^https:/);
          const session = http2.connect(url, { ca: cert.cert });
          try {
            const req = session.request({ ':path': new URL(url).pathname, range: 'bytes=0-7' });
            const [headers] = (await once(req, 'response')) as [http2.IncomingHttpHeaders];
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            await once(req, 'end');
            assert.equal(session.alpnProtocol, 'h2');
            assert.equal(headers[':status'], 206);
            assert.equal(Buffer.concat(chunks).subarray(4, 8).toString(), 'ftyp');
          } finally {
            session.close();
          }
        },
        { TLS_CERT: cert.certPath, TLS_KEY: cert.keyPath },
      );
    } finally {
      await rm(cert.dir, { recursive: true });
    }
  });

  it('app-under-path.ts serves the library, its assets and the media under /videos/', async () => {
    // The app keeps its catalog and posters in the user's cache folder: a temporary one here.
    const cache = await mkdtemp(path.join(tmpdir(), 'seekable-example-cache-'));
    try {
      await runExample(
        'app-under-path.ts',
        async (url) => {
          assert.match(url, /\/videos\/$/);
          const page = await request(url);
          assert.equal(page.status, 200);
          const html = page.body.toString();
          assert.ok(html.includes('href="/videos/watch/Test%20pattern%20(H.264).mp4"'));
          const style = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1];
          assert.equal((await request(new URL(style!, url).href)).status, 200);
          const r = await request(new URL('media/Test%20pattern%20(H.264).mp4', url).href, { headers: { Range: 'bytes=0-7' } });
          assert.equal(r.status, 206);
          assert.equal(r.body.subarray(4, 8).toString(), 'ftyp');
        },
        { XDG_CACHE_HOME: cache },
      );
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
