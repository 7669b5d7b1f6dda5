import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import { ChangedError } from '../errors.js';
import { isSafeKey } from '../keys.js';
import type { ListableSource, ListPage, LookupOptions, RangeReader, Resource } from '../types.js';
import { MetadataCache } from './metadata-cache.js';
import { loadPresigner, loadSdk, type S3Sdk } from './sdk.js';
import { storeError } from './store-errors.js';
import { StoreRangeReader } from './store-range-reader.js';

/** What an S3 source reports as it works, for metrics: one call per store request and per lookup. */
export interface S3Observer {
  /** A request to the store ended: which, how long it took, and how ("ok", or the error's name). */
  storeRequest?(operation: 'head' | 'get' | 'list' | 'presign', seconds: number, outcome: string): void;
  /** A lookup was answered from the metadata cache (true) or needed a HEAD (false). */
  metadataCache?(hit: boolean): void;
}

/** Options of S3Source. Credentials come from the AWS SDK's default chain unless given. */
export interface S3SourceOptions {
  bucket: string;
  /** Keys under this prefix are served, as keys relative to it ("videos/" serves videos/a.mp4 as a.mp4). */
  prefix?: string;
  /** The store's URL for stores other than AWS (MinIO, Ceph, R2, s3rver): "http://127.0.0.1:9000". */
  endpoint?: string;
  /** The region (default: the SDK's chain, else us-east-1). */
  region?: string;
  /** Path-style URLs (endpoint/bucket/key) instead of virtual-hosted ones: most self-hosted stores need it. */
  forcePathStyle?: boolean;
  /** Explicit credentials, instead of the SDK's chain (environment, shared files, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A client of your own (its settings win over the ones above; you close it). */
  client?: S3Client;
  /** Serve dot-names (keys with a segment starting with "."): default false, as for folders. */
  dotfiles?: boolean;
  /** How long HEAD's answer about a key is kept, in ms (default 10 s; a missing key 1 s). 0 keeps nothing. */
  metadataTtl?: number;
  /** Most keys whose metadata is kept (default 10,000). */
  metadataSize?: number;
  /** Most connections to the store at once, kept alive between requests (default 64). */
  maxSockets?: number;
  /** Ms to connect to the store (default 3 s). */
  connectTimeout?: number;
  /** Ms from sending a request to the store's answer's headers (default 10 s). */
  firstByteTimeout?: number;
  /** Ms a body may stay silent while bytes are awaited before the connection is reopened (default 10 s). */
  stallTimeout?: number;
  /** Attempts per store request, the SDK's retries with backoff included (default 2: a viewer waits for each). */
  maxAttempts?: number;
  /**
   * Redirect mode: lookups carry a presigned URL valid for this many seconds, and doors answer media
   * requests with a 307 to it, so the store (or its CDN) carries the bytes. Off by default.
   */
  redirect?: { expiresIn?: number } | boolean;
  observer?: S3Observer;
}

/** What a HEAD says about one object: the representation a lookup builds on. */
interface Head {
  size: number;
  mtimeMs: number;
  etag: string;
  contentType?: string;
}

/** Types a store gives objects uploaded without one: the file name says more. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);
const DEFAULT_REDIRECT_SECONDS = 15 * 60;

/**
 * Objects of an S3-compatible store (AWS S3, MinIO, Ceph RGW, R2, B2, s3rver) as a listable source.
 *
 * lookup() is a HeadObject, kept a few seconds (MetadataCache): the representation's ETag,
 * Last-Modified, size and type come from the store, so every node behind a load balancer answers
 * validators alike. Each range is one GetObject with an explicit `bytes=a-b` (never a suffix or open
 * range: stores disagree on them) and If-Match with the ETag the answer was decided on; the answer's
 * own ETag and Content-Range are checked too, since some stores ignore If-Match. A mismatch is a
 * ChangedError: before the headers the door looks the key up again, after them it cuts.
 *
 * The SDK is loaded at the first request (it is an optional dependency). close() ends the store's
 * kept-alive connections.
 */
export class S3Source implements ListableSource {
  readonly id: string;
  private readonly prefix: string;
  private readonly metadata: MetadataCache<Head | undefined>;
  private client: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;
  private readonly agents: [HttpAgent, HttpsAgent];
  /** Store requests whose body is open: 0 once every reader is closed (tests check it after aborts). */
  private open = 0;

  constructor(private readonly options: S3SourceOptions) {
    if (!options.bucket) throw new TypeError('seekable: S3Source needs a bucket');
    const prefix = options.prefix?.replace(/^\/+/, '') ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.id = `s3://${options.bucket}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.metadata = new MetadataCache(options.metadataTtl ?? 10_000, Math.min(options.metadataTtl ?? 1000, 1000), options.metadataSize ?? 10_000);
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    this.agents = [new HttpAgent(agentOptions), new HttpsAgent(agentOptions)];
  }

  /** Store requests whose body is still open. */
  get openRequests(): number {
    return this.open;
  }

  async lookup(key: string, options?: LookupOptions): Promise<Resource | undefined> {
    if (!isSafeKey(key, this.options.dotfiles)) return undefined;
    const head = await this.metadata.get(key, () => this.head(key), options?.keep !== false, this.options.observer?.metadataCache);
    if (head === undefined) return undefined;
    const location = this.options.redirect ? await this.presign(key, head.etag) : undefined;
    return this.resource(key, head, location);
  }

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<ListPage> {
    const { sdk, client } = await this.ready();
    const started = performance.now();
    let page: ListObjectsV2CommandOutput;
    try {
      page = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.prefix + prefix,
          ContinuationToken: options.cursor,
          MaxKeys: options.limit,
        }),
      );
      this.observe('list', started, 'ok');
    } catch (err) {
      this.observe('list', started, (err as Error).name);
      throw storeError(err, `s3://${this.options.bucket}/${this.prefix}${prefix}`);
    }
    const files = [];
    for (const object of page.Contents ?? []) {
      const key = object.Key?.slice(this.prefix.length);
      // Folder markers ("a/") and keys lookup() would refuse are not listed.
      if (key === undefined || !isSafeKey(key, this.options.dotfiles) || object.Size === undefined) continue;
      files.push({ key, size: object.Size, mtimeMs: object.LastModified?.getTime() ?? 0, etag: object.ETag });
    }
    const next = page.NextContinuationToken;
    return next === undefined ? { files } : { files, next };
  }

  /**
   * A URL where the key's current bytes can be read directly with ranges, valid for `expiresIn`
   * seconds: for tools that read over HTTP (ffmpeg making a poster seeks with ranges instead of
   * downloading the object). Undefined for a key lookup() would refuse.
   */
  async urlFor(key: string, expiresIn = 300): Promise<string | undefined> {
    if (!isSafeKey(key, this.options.dotfiles)) return undefined;
    return this.presign(key, undefined, expiresIn);
  }

  close(): void {
    this.metadata.clear();
    for (const agent of this.agents) agent.destroy();
    void this.client?.then(
      ({ client }) => (this.options.client ? undefined : client.destroy()),
      () => undefined,
    );
  }

  private resource(key: string, head: Head, location: string | undefined): Resource {
    const what = `s3://${this.options.bucket}/${this.prefix}${key}`;
    const limits = { stallMs: this.options.stallTimeout ?? 10_000, resumes: 3 };
    return {
      size: head.size,
      mtimeMs: head.mtimeMs,
      etag: head.etag,
      contentType: head.contentType,
      location,
      readRange: (start: number, end: number): RangeReader =>
        new StoreRangeReader((from, to, signal) => this.get(key, head, from, to, signal), start, end, limits, what),
      release: () => undefined,
    };
  }

  private async head(key: string): Promise<Head | undefined> {
    const { sdk, client } = await this.ready();
    const started = performance.now();
    try {
      const out = await this.withFirstByteTimeout((abortSignal) =>
        client.send(new sdk.HeadObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }), { abortSignal }),
      );
      this.observe('head', started, 'ok');
      if (out.ContentLength === undefined || out.ETag === undefined) return undefined;
      const contentType = out.ContentType?.split(';')[0]?.trim().toLowerCase() ?? '';
      return {
        size: out.ContentLength,
        mtimeMs: out.LastModified?.getTime() ?? 0,
        etag: out.ETag,
        contentType: GENERIC_TYPES.has(contentType) ? undefined : out.ContentType,
      };
    } catch (err) {
      this.observe('head', started, (err as Error).name);
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw storeError(err, `s3://${this.options.bucket}/${this.prefix}${key}`);
    }
  }

  /** One ranged GET of the version looked up; see StoreRangeReader for how its body is read. */
  private async get(key: string, head: Head, start: number, end: number, signal: AbortSignal): Promise<Readable> {
    const { sdk, client } = await this.ready();
    const what = `s3://${this.options.bucket}/${this.prefix}${key}`;
    const started = performance.now();
    let body: Readable | undefined;
    try {
      const out = await this.withFirstByteTimeout(
        (abortSignal) =>
          client.send(
            new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key, Range: `bytes=${start}-${end}`, IfMatch: head.etag }),
            { abortSignal },
          ),
        signal,
      );
      body = out.Body as Readable;
      // Stores that ignore If-Match (s3rver does) still name the version they sent.
      if (out.ETag !== head.etag || out.ContentRange !== `bytes ${start}-${end}/${head.size}`) {
        throw new ChangedError(`${what}: the store sent ${out.ETag} ${out.ContentRange}, not ${head.etag} bytes ${start}-${end}/${head.size}`);
      }
      this.observe('get', started, 'ok');
    } catch (err) {
      body?.destroy();
      this.observe('get', started, (err as Error).name);
      const failure = storeError(err, what);
      if (failure instanceof ChangedError) this.metadata.forget(key);
      throw failure;
    }
    this.open++;
    body.once('close', () => this.open--);
    return body;
  }

  /**
   * Runs a store request with the first-byte limit: aborted (a StoreUnavailableError, through
   * storeError) when the store's answer has not begun by then, or when `outer` aborts.
   */
  private async withFirstByteTimeout<T>(send: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const controller = new AbortController();
    const timeout = this.options.firstByteTimeout ?? 10_000;
    const timer = setTimeout(() => controller.abort(new Error(`no answer in ${timeout} ms`)), timeout);
    const onOuter = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuter, { once: true });
    try {
      return await send(controller.signal);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    }
  }

  private async presign(key: string, etag: string | undefined, expiresIn?: number): Promise<string> {
    const { sdk, client } = await this.ready();
    const { getSignedUrl } = await loadPresigner();
    const seconds =
      expiresIn ?? (typeof this.options.redirect === 'object' ? this.options.redirect.expiresIn : undefined) ?? DEFAULT_REDIRECT_SECONDS;
    const started = performance.now();
    const url = await getSignedUrl(client, new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key, IfMatch: etag }), {
      expiresIn: seconds,
    });
    this.observe('presign', started, 'ok');
    return url;
  }

  private ready(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.client ??= loadSdk().then((sdk) => {
      const o = this.options;
      const client =
        o.client ??
        new sdk.S3Client({
          endpoint: o.endpoint,
          region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
          forcePathStyle: o.forcePathStyle,
          credentials: o.credentials,
          maxAttempts: o.maxAttempts ?? 2,
          requestHandler: { connectionTimeout: o.connectTimeout ?? 3000, httpAgent: this.agents[0], httpsAgent: this.agents[1] },
        });
      return { sdk, client };
    });
    return this.client;
  }

  private observe(operation: 'head' | 'get' | 'list' | 'presign', started: number, outcome: string): void {
    this.options.observer?.storeRequest?.(operation, (performance.now() - started) / 1000, outcome);
  }
}
