import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type * as PromClient from 'prom-client';
import type { MetricsHooks, ResponseKind } from '../serve/metrics-hooks.js';
import type { SourceObserver } from '../source/types.js';
import { errorKind } from './error-kind.js';

/** Options of createMetrics. */
export interface MetricsOptions {
  /** Put before every metric's name (default 'seekable_'). */
  prefix?: string;
  /**
   * Bucket bounds of the time-to-first-byte histogram, in seconds (default 1 ms to 5 s: a hot range
   * on the event loop is well under a millisecond, a miss that waits on a store can take seconds).
   */
  ttfbBuckets?: number[];
  /** Bucket bounds of the store-request histogram, in seconds (default 5 ms to 10 s). */
  storeBuckets?: number[];
}

type Prom = typeof PromClient;

/** When each observed request started and its route class: kept until its response closes. */
interface Started {
  at: number;
  route: string;
}

/**
 * The counters of one server, in a Prometheus registry of its own (never prom-client's global one, so
 * two servers in a process, or a test beside the app, never count into each other). It is the doors'
 * `MetricsHooks` (give it to createHandler or createApp as `metrics`), its `source` is the observer a
 * source reports to, and `catalogScanned` is the catalog's hook. `text()` renders the Prometheus text
 * format; `close()` empties the registry.
 */
export class Metrics implements MetricsHooks {
  /** The registry every metric below is in. */
  readonly registry: PromClient.Registry;
  private readonly requests: PromClient.Counter<'route' | 'method' | 'status'>;
  private readonly responses: PromClient.Counter<'kind'>;
  private readonly bytes: PromClient.Counter<'route'>;
  private readonly aborts: PromClient.Counter<'route'>;
  private readonly activeStreams: PromClient.Gauge;
  private readonly ttfb: PromClient.Histogram<'route'>;
  private readonly errors: PromClient.Counter<'kind'>;
  private readonly cacheLookups: PromClient.Counter<'cache' | 'result'>;
  private readonly storeRequests: PromClient.Counter<'operation' | 'outcome'>;
  private readonly storeLatency: PromClient.Histogram<'operation'>;
  private readonly catalogFiles: PromClient.Gauge;
  private readonly catalogScan: PromClient.Gauge;
  /** Requests seen by `request()` whose headers have not gone out yet. */
  private readonly started = new WeakMap<IncomingMessage, Started>();

  constructor(prom: Prom, options: MetricsOptions = {}) {
    const prefix = options.prefix ?? 'seekable_';
    const registry = new prom.Registry();
    this.registry = registry;
    const registers = [registry];
    this.requests = new prom.Counter({
      name: `${prefix}requests_total`,
      help: 'Requests answered, by route class, method and status (0: the connection closed before any status went out).',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.responses = new prom.Counter({
      name: `${prefix}responses_total`,
      help: 'File answers by kind: full (200), range and multipart (206), 304, 412, 416.',
      labelNames: ['kind'],
      registers,
    });
    this.bytes = new prom.Counter({
      name: `${prefix}sent_bytes_total`,
      help: 'Bytes written to HTTP/1.1 connections for responses, status line and headers included, by route class.',
      labelNames: ['route'],
      registers,
    });
    this.aborts = new prom.Counter({
      name: `${prefix}client_aborts_total`,
      help: 'Responses whose client went away before they were complete, by route class.',
      labelNames: ['route'],
      registers,
    });
    this.activeStreams = new prom.Gauge({ name: `${prefix}active_streams`, help: 'File bodies being sent now.', registers });
    this.ttfb = new prom.Histogram({
      name: `${prefix}time_to_first_byte_seconds`,
      help: "Time from a request's arrival to its status line and headers (with the body's first bytes) being handed to the connection.",
      labelNames: ['route'],
      buckets: options.ttfbBuckets ?? [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.errors = new prom.Counter({
      name: `${prefix}source_errors_total`,
      help: 'Failures answered with 500/503 or that cut a body, by kind (short_read, changed, an errno code such as emfile, or other).',
      labelNames: ['kind'],
      registers,
    });
    this.cacheLookups = new prom.Counter({
      name: `${prefix}source_cache_lookups_total`,
      help: "Lookups a source's cache answered (hit) or not (miss): open-file (descriptors kept open), metadata (a store's object heads).",
      labelNames: ['cache', 'result'],
      registers,
    });
    this.storeRequests = new prom.Counter({
      name: `${prefix}store_requests_total`,
      help: 'Requests a source made to its store, by operation and outcome (ok, error).',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.storeLatency = new prom.Histogram({
      name: `${prefix}store_request_duration_seconds`,
      help: 'How long requests to the store took, by operation.',
      labelNames: ['operation'],
      buckets: options.storeBuckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.catalogFiles = new prom.Gauge({ name: `${prefix}catalog_files`, help: 'Media files in the catalog after its last scan.', registers });
    this.catalogScan = new prom.Gauge({
      name: `${prefix}catalog_last_scan_seconds`,
      help: "How long the catalog's last scan took.",
      registers,
    });
    // What a source reports: the same counters, bound here so a source can call them as plain functions.
    const cacheLookups = this.cacheLookups;
    const storeRequests = this.storeRequests;
    const storeLatency = this.storeLatency;
    this.source = {
      cacheLookup(cache, hit) {
        cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
      },
      storeRequest(operation, seconds, failed) {
        storeRequests.inc({ operation, outcome: failed ? 'error' : 'ok' });
        storeLatency.observe({ operation }, seconds);
      },
    };
  }

  /** The observer to give a source (`FileSourceOptions.observer`, `S3SourceOptions.observer`). */
  readonly source: Required<SourceObserver>;

  request(req: IncomingMessage, res: ServerResponse, route: string, startedAt?: number): void {
    const at = startedAt ?? performance.now();
    this.started.set(req, { at, route });
    // HTTP/1.1 only: on HTTP/2, req.socket is the session's, which every stream on it shares.
    const socket = (req as { stream?: unknown }).stream === undefined ? req.socket : undefined;
    const before = socket?.bytesWritten ?? 0;
    res.once('close', () => {
      this.started.delete(req);
      this.requests.inc({ route, method: req.method ?? '', status: res.headersSent ? res.statusCode : 0 });
      if (socket !== undefined) this.bytes.inc({ route }, socket.bytesWritten - before);
      if (!res.writableFinished) this.aborts.inc({ route });
    });
  }

  headers(req: IncomingMessage, kind: ResponseKind | undefined): void {
    if (kind !== undefined) this.responses.inc({ kind });
    const started = this.started.get(req);
    if (started === undefined) return; // a response nobody announced with request(): no start to measure from
    this.started.delete(req);
    this.ttfb.observe({ route: started.route }, (performance.now() - started.at) / 1000);
  }

  streamStarted(): void {
    this.activeStreams.inc();
  }

  streamEnded(): void {
    this.activeStreams.dec();
  }

  failed(err: unknown): void {
    this.errors.inc({ kind: errorKind(err) });
  }

  /** The catalog's hook (`CatalogOptions.onScanned`): its size and how long the scan took. */
  readonly catalogScanned = (scan: { files: number; elapsedMs: number }): void => {
    this.catalogFiles.set(scan.files);
    this.catalogScan.set(scan.elapsedMs / 1000);
  };

  /** The Content-Type of `text()`: the Prometheus text format, version 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric, in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Takes every metric out of the registry: nothing is kept after it (a scrape answers empty). Idempotent. */
  close(): void {
    this.registry.clear();
  }
}

/**
 * Makes a Metrics, loading prom-client (an optional peer dependency, so the import happens here, when
 * metrics are asked for, and never for a server without them). Rejects, saying what to install, when
 * prom-client is not there.
 */
export async function createMetrics(options: MetricsOptions = {}): Promise<Metrics> {
  let prom: Prom;
  try {
    prom = await import('prom-client');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('metrics need the prom-client package: npm install prom-client');
    }
    throw err;
  }
  return new Metrics(prom, options);
}
