import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli } from '../support/cli.js';
import { request } from '../support/http.js';
import { parseSamples, total } from '../support/prometheus.js';
import { CREDENTIALS, startStore, type TestStore } from '../support/s3.js';

/** `seekable serve s3://... --metrics`: the S3 source's requests and metadata cache in the node's metrics. */
describe('seekable serve s3:// --metrics', () => {
  let store: TestStore;
  let cacheDir: string;
  before(async () => {
    store = await startStore();
    await store.put('shelf/clip.mp4', 'clip bytes in a bucket');
    cacheDir = await mkdtemp(path.join(tmpdir(), 'seekable-s3-metrics-'));
  });
  after(async () => {
    await store.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("counts the store's requests by operation and outcome, their latency, and the metadata cache", async () => {
    const env = { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, XDG_CACHE_HOME: cacheDir };
    const cli = startCli(
      ['serve', 's3://videos/shelf', '--s3-endpoint', store.endpoint, '--s3-path-style', '--port', '0', '--quiet', '--no-posters', '--metrics'],
      env,
    );
    try {
      const [, url] = await cli.waitForStderr(/serving s3:\/\/videos\/shelf at (http:\/\/\S+)/);
      for (let i = 0; i < 3; i++) assert.equal((await request(`${url}media/clip.mp4`, { headers: { Range: 'bytes=0-3' } })).body.toString(), 'clip');
      const samples = parseSamples((await request(`${url}metrics`)).body.toString());
      assert.ok(total(samples, 'seekable_store_requests_total', { operation: 'get', outcome: 'ok' }) >= 3);
      assert.ok(total(samples, 'seekable_store_requests_total', { operation: 'list', outcome: 'ok' }) >= 1);
      assert.ok(total(samples, 'seekable_store_request_duration_seconds_count', { operation: 'get' }) >= 3);
      // The first lookup asked the store (HEAD); the ones after it found the answer kept.
      assert.ok(total(samples, 'seekable_source_cache_lookups_total', { cache: 'metadata', result: 'miss' }) >= 1);
      assert.ok(total(samples, 'seekable_source_cache_lookups_total', { cache: 'metadata', result: 'hit' }) >= 2);
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal(await cli.exited, 0);
  });
});
