import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.js';
import { errorKind } from '../../src/metrics/error-kind.js';
import { createMetrics, type Metrics, metricsHandler } from '../../src/metrics/index.js';
import { createHandler } from '../../src/serve/handler.js';
import { ChangedError, ShortReadError } from '../../src/source/errors.js';
import type { Resource, Source } from '../../src/source/types.js';
import { request, startServer, type TestServer } from '../support/http.js';
import { parseSamples, type Sample, total } from '../support/prometheus.js';

const BIG = 32 * 1024 * 1024; // more than loopback's socket buffers hold, so a client that stops reading stalls the body

describe('metrics on the app (GET /metrics)', () => {
  let root: string;
  let server: TestServer;
  let metrics: Metrics;
  const scrape = async (): Promise<Sample[]> => {
    const r = await request(`${server.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(r.headers['cache-control'], 'no-store');
    return parseSamples(r.body.toString());
  };
  /** Scrapes until `check` holds (or 10 s have passed: the caller's assertion then says what was seen). */
  const scrapeUntil = async (check: (samples: Sample[]) => boolean): Promise<Sample[]> => {
    const deadline = Date.now() + 10_000;
    let samples = await scrape();
    while (!check(samples) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      samples = await scrape();
    }
    return samples;
  };

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'seekable-metrics-'));
    await writeFile(path.join(root, 'small.mp4'), '0123456789');
    await writeFile(path.join(root, 'big.mp4'), randomBytes(BIG));
    metrics = await createMetrics();
    const app = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false, metrics });
    await app.catalog.refresh();
    server = await startServer(app);
  });
  after(async () => {
    await server.close();
    metrics.close();
    await rm(root, { recursive: true, force: true });
  });

  it('counts requests by route, method and status, answers by kind, bytes, time to first byte and the open-file cache', async () => {
    const before = await scrape();
    const media = `${server.url}/media/small.mp4`;
    const full = await request(media);
    assert.equal(full.status, 200);
    const etag = String(full.headers.etag);
    assert.equal((await request(media, { headers: { Range: 'bytes=0-1' } })).status, 206);
    const multipart = await request(`${server.url}/media/big.mp4`, { headers: { Range: 'bytes=0-0,1000000-1000001' } });
    assert.match(String(multipart.headers['content-type']), /^multipart\/byteranges/);
    assert.equal((await request(media, { headers: { 'If-None-Match': etag } })).status, 304);
    assert.equal((await request(media, { headers: { 'If-Match': '"other"' } })).status, 412);
    assert.equal((await request(media, { headers: { Range: 'bytes=100-' } })).status, 416);
    assert.equal((await request(media, { method: 'HEAD' })).status, 200);
    assert.equal((await request(`${server.url}/media/missing.mp4`)).status, 404);
    assert.equal((await request(`${server.url}/`)).status, 200);
    assert.equal((await request(`${server.url}/nowhere`)).status, 404);
    const now = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => total(now, name, labels) - total(before, name, labels);

    for (const [kind, count] of Object.entries({ full: 2, range: 1, multipart: 1, '304': 1, '412': 1, '416': 1 })) {
      assert.equal(delta('seekable_responses_total', { kind }), count, kind);
    }
    assert.equal(delta('seekable_requests_total', { route: 'media', method: 'GET', status: '200' }), 1);
    assert.equal(delta('seekable_requests_total', { route: 'media', method: 'GET', status: '206' }), 2);
    assert.equal(delta('seekable_requests_total', { route: 'media', method: 'HEAD', status: '200' }), 1);
    assert.equal(delta('seekable_requests_total', { route: 'media', status: '404' }), 1);
    assert.equal(delta('seekable_requests_total', { route: 'library', status: '200' }), 1);
    assert.equal(delta('seekable_requests_total', { route: 'none', status: '404' }), 1);
    // The scrape before this one was counted once it closed.
    assert.equal(delta('seekable_requests_total', { route: 'metrics', status: '200' }), 1);
    // Every media answer had a first byte; the bytes include the 10-byte body and every header.
    assert.equal(delta('seekable_time_to_first_byte_seconds_count', { route: 'media' }), 8);
    assert.ok(delta('seekable_sent_bytes_total', { route: 'media' }) > 8 * 100);
    assert.equal(delta('seekable_client_aborts_total'), 0);
    // The first lookup of small.mp4 (in this test or the catalog's scan, which keeps nothing) opened it; the others found it open.
    assert.ok(delta('seekable_source_cache_lookups_total', { cache: 'open-file', result: 'hit' }) >= 5);
    assert.equal(total(now, 'seekable_active_streams'), 0);
    assert.equal(total(now, 'seekable_catalog_files'), 2);
    assert.ok(now.some((s) => s.name === 'seekable_catalog_last_scan_seconds'));
  });

  it('counts a stream while it is sent, and a client that goes away mid-body as an abort', async () => {
    const before = await scrape();
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.pause(); // read nothing: the body stalls once the socket buffers are full
    socket.write('GET /media/big.mp4 HTTP/1.1\r\nHost: x\r\n\r\n');
    const streaming = await scrapeUntil((samples) => total(samples, 'seekable_active_streams') === 1);
    assert.equal(total(streaming, 'seekable_active_streams'), 1);
    socket.destroy();
    const after = await scrapeUntil((samples) => total(samples, 'seekable_active_streams') === 0);
    assert.equal(total(after, 'seekable_active_streams'), 0);
    assert.equal(
      total(after, 'seekable_client_aborts_total', { route: 'media' }) - total(before, 'seekable_client_aborts_total', { route: 'media' }),
      1,
    );
    assert.equal(
      total(after, 'seekable_requests_total', { route: 'media', status: '200' }) -
        total(before, 'seekable_requests_total', { route: 'media', status: '200' }),
      1,
    );
  });

  it("passes on what a source reports of its store and its metadata cache (the S3 source's hooks)", async () => {
    metrics.source.storeRequest('GET', 0.02, false);
    metrics.source.storeRequest('GET', 3, true);
    metrics.source.storeRequest('HEAD', 0.004, false);
    metrics.source.cacheLookup('metadata', true);
    metrics.source.cacheLookup('metadata', false);
    const now = await scrape();
    assert.equal(total(now, 'seekable_store_requests_total', { operation: 'GET', outcome: 'ok' }), 1);
    assert.equal(total(now, 'seekable_store_requests_total', { operation: 'GET', outcome: 'error' }), 1);
    assert.equal(total(now, 'seekable_store_request_duration_seconds_count', { operation: 'GET' }), 2);
    assert.equal(total(now, 'seekable_store_request_duration_seconds_bucket', { operation: 'HEAD', le: '0.005' }), 1);
    assert.equal(total(now, 'seekable_source_cache_lookups_total', { cache: 'metadata', result: 'hit' }), 1);
    assert.equal(total(now, 'seekable_source_cache_lookups_total', { cache: 'metadata', result: 'miss' }), 1);
  });
});

/** A source whose lookups fail with `lookupError`, or whose reads end early. */
function failingSource(lookupError?: Error): Source {
  return {
    async lookup(): Promise<Resource> {
      if (lookupError !== undefined) throw lookupError;
      return {
        size: 100,
        mtimeMs: 0,
        readRange: () => ({ read: async () => 0, close() {} }),
        release() {},
      };
    },
  };
}

describe('metrics on createHandler, and metricsHandler on a listener of its own', () => {
  let metrics: Metrics;
  let scrapeServer: TestServer;
  const servers: TestServer[] = [];
  const scrape = async () => parseSamples((await request(scrapeServer.url)).body.toString());
  before(async () => {
    metrics = await createMetrics();
    scrapeServer = await startServer(metricsHandler(metrics));
  });
  after(async () => {
    for (const s of servers) await s.close();
    await scrapeServer.close();
    metrics.close();
  });

  it('counts failures by kind: a lookup that fails (errno code) and a read that ends early', async () => {
    const eio = Object.assign(new Error('disk gone'), { code: 'EIO' });
    const lookupFails = createHandler(failingSource(eio), { metrics, log: () => {} });
    const readFails = createHandler(failingSource(), { metrics, log: () => {} });
    servers.push(await startServer(lookupFails), await startServer(readFails));
    assert.equal((await request(`${servers[0]!.url}/a.mp4`)).status, 500);
    assert.equal((await request(`${servers[1]!.url}/a.mp4`)).status, 500);
    const now = await scrape();
    assert.equal(total(now, 'seekable_source_errors_total', { kind: 'eio' }), 1);
    assert.equal(total(now, 'seekable_source_errors_total', { kind: 'short_read' }), 1);
    assert.equal(total(now, 'seekable_requests_total', { route: 'media', status: '500' }), 2);
  });

  it('does not count what the handler passes on to the next middleware', async () => {
    const handler = createHandler(failingSource(), { metrics });
    const server = await startServer((req, res) =>
      handler(req, res, () => {
        res.writeHead(418);
        res.end();
      }),
    );
    servers.push(server);
    assert.equal((await request(`${server.url}/a.mp4`, { method: 'POST' })).status, 418);
    assert.equal(total(await scrape(), 'seekable_requests_total', { status: '418' }), 0);
  });

  it('answers HEAD with the headers only, and other methods with 405', async () => {
    const head = await request(scrapeServer.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers['content-length']) > 0);
    assert.equal(head.body.length, 0);
    const post = await request(scrapeServer.url, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('a metric whose collection fails gets a 500 saying so, not a crash', async () => {
    const own = await createMetrics();
    const prom = await import('prom-client');
    new prom.Gauge({
      name: 'broken',
      help: 'throws when collected',
      registers: [own.registry],
      collect() {
        throw new Error('cannot read the gauge');
      },
    });
    const server = await startServer(metricsHandler(own));
    servers.push(server);
    const r = await request(server.url);
    assert.equal(r.status, 500);
    assert.equal(r.body.toString(), 'metrics could not be collected: cannot read the gauge\n');
    own.close();
  });

  it('a closed Metrics has nothing left to report', async () => {
    const own = await createMetrics({ prefix: 'own_' });
    own.failed(new Error('x'));
    assert.match(await own.text(), /^own_source_errors_total\{kind="other"\} 1$/m);
    own.close();
    own.close();
    assert.equal((await own.text()).trim(), '');
  });

  it('an app with metricsRoute: false does not answer /metrics (they are scraped elsewhere)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'seekable-metrics-'));
    try {
      const app = createApp({ root, cacheDir: path.join(root, '.cache'), posters: false, metrics, metricsRoute: false });
      const server = await startServer(app);
      servers.push(server);
      assert.equal((await request(`${server.url}/metrics`)).status, 404);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('errorKind: a bounded label for a failure', () => {
  it('names read errors, errno codes and store statuses, and nothing else', () => {
    assert.equal(errorKind(new ShortReadError('short')), 'short_read');
    assert.equal(errorKind(new ChangedError('changed')), 'changed');
    assert.equal(errorKind(Object.assign(new Error('x'), { code: 'EMFILE' })), 'emfile');
    assert.equal(errorKind(Object.assign(new Error('x'), { code: 'ERR_SOMETHING_LONG_AND_NODE_SPECIFIC' })), 'other');
    assert.equal(errorKind({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }), 'store_5xx');
    assert.equal(errorKind({ $metadata: { httpStatusCode: 9999 } }), 'other');
    assert.equal(errorKind('a string'), 'other');
    assert.equal(errorKind(null), 'other');
  });
});
