import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { ChangedError, StoreRefusedError, StoreUnavailableError } from '../errors.js';
import { isSafeKey } from '../keys.js';
import type { ListableSource, ListPage, LookupOptions, RangeReader, Resource, SourceObserver } from '../types.js';
import { KeyCache } from './key-cache.js';
import { KeySigner } from './key-signer.js';
import { loadPresigner, loadSdk, type Presigner, type S3Sdk } from './sdk.js';
import { answerError, storeError, wasAnswered } from './store-errors.js';
import type { StoreAnswer } from './store-answer.js';
import { StoreConnections } from './store-connections.js';
import { StoreRangeReader } from './store-range-reader.js';

/** The kinds of request an S3 source makes of its store. */
export type StoreOperation = 'head' | 'get' | 'list' | 'presign';

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
  /**
   * Most connections to the store at once for reading objects, kept alive between requests (default
   * 1024; the SDK's HEAD and LIST requests have as many of their own). Each viewer streaming holds
   * one for as long as it plays (its reads follow the viewer), so a cap below the viewers at once
   * makes the rest wait, and answer 503 after the first-byte limit (measured: 64 sockets and 500
   * slow viewers left most of them without a byte).
   */
  maxSockets?: number;
  /** Ms to connect to the store (default 3 s). */
  connectTimeout?: number;
  /** Ms from sending a request to the store's answer's headers (default 10 s). */
  firstByteTimeout?: number;
  /** Ms a body may stay silent while bytes are awaited before the connection is reopened (default 10 s). */
  stallTimeout?: number;
  /** Attempts per store request that gets no answer at all (default 2); an answer, even an error, is never asked again. */
  maxAttempts?: number;
  /**
   * Redirect mode: lookups carry a presigned URL valid for this many seconds, and doors answer media
   * requests with a 307 to it, so the store (or its CDN) carries the bytes. Off by default.
   */
  redirect?: { expiresIn?: number } | boolean;
  /** Told of every store request and metadata-cache lookup, for metrics (`Metrics.source`). */
  observer?: SourceObserver;
}

/** The presigned URL a resource's GETs go to; `fresh`: signed anew, the one kept having been refused. */
type UrlOf = (fresh: boolean) => Promise<URL>;

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
/** Most of an error answer's body read for its code: S3's are a few hundred bytes of XML. */
const ERROR_BODY_LIMIT = 8 * 1024;
/**
 * The presigned URLs ranged GETs go to are valid this long, and reused for URL_REUSE_MS: a URL is
 * never used more than a minute after it was signed, so credentials the SDK renews (it does so
 * minutes before they expire) are never outlived by a URL signed with them.
 */
const URL_LIFETIME_SECONDS = 15 * 60;
const URL_REUSE_MS = 60_000;

/**
 * Objects of an S3-compatible store (AWS S3, MinIO, Ceph RGW, R2, B2, s3rver) as a listable source.
 *
 * lookup() is a HeadObject, kept a few seconds (KeyCache): the representation's ETag,
 * Last-Modified, size and type come from the store, so every node behind a load balancer answers
 * validators alike. Each range is one GET of the key's presigned URL (store-connections.ts) with an explicit `bytes=a-b` (never a suffix or open
 * range: stores disagree on them) and If-Match with the ETag the answer was decided on; the answer's
 * own ETag and Content-Range are checked too, since some stores ignore If-Match. A mismatch is a
 * ChangedError: before the headers the door looks the key up again, after them it cuts.
 *
 * The SDK and its presigner are loaded at the first request (optional dependencies). close() ends the store's
 * kept-alive connections.
 */
export class S3Source implements ListableSource {
  readonly id: string;
  private readonly prefix: string;
  private readonly metadata: KeyCache<Head | undefined>;
  private client: Promise<{ sdk: S3Sdk; presigner: Presigner; client: S3Client }> | undefined;
  /** Presigned GET URLs by key (URL_REUSE_MS). */
  private readonly urls: KeyCache<URL>;
  /** The SDK's connections (HEAD, LIST). */
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  /** The ranged GETs' connections (store-connections.ts). */
  private readonly connections: StoreConnections;
  private origin: Promise<string> | undefined;
  private signer: Promise<KeySigner> | undefined;

  constructor(private readonly options: S3SourceOptions) {
    if (!options.bucket) throw new TypeError('seekable: S3Source needs a bucket');
    const prefix = options.prefix?.replace(/^\/+/, '') ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.id = `s3://${options.bucket}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.metadata = new KeyCache(options.metadataTtl ?? 10_000, Math.min(options.metadataTtl ?? 1000, 1000), options.metadataSize ?? 10_000);
    const maxSockets = options.maxSockets ?? 1024;
    this.agents = { http: new HttpAgent({ keepAlive: true, maxSockets }), https: new HttpsAgent({ keepAlive: true, maxSockets }) };
    this.connections = new StoreConnections(maxSockets, options.connectTimeout ?? 3000);
    this.urls = new KeyCache(URL_REUSE_MS, URL_REUSE_MS, options.metadataSize ?? 10_000);
  }

  /** Store requests whose body is still open: 0 once every reader is closed (tests check it after aborts). */
  get openRequests(): number {
    return this.connections.busy;
  }

  async lookup(key: string, options?: LookupOptions): Promise<Resource | undefined> {
    if (!isSafeKey(key, this.options.dotfiles)) return undefined;
    const listed = options?.listed;
    const head =
      listed?.etag !== undefined && listed.key === key
        ? { size: listed.size, mtimeMs: listed.mtimeMs, etag: listed.etag }
        : await this.metadata.get(key, () => this.head(key), options?.keep !== false, this.onMetadataLookup);
    if (head === undefined) return undefined;
    const location = this.options.redirect ? await this.presign(key) : undefined;
    return this.resource(key, head, location, options?.keep !== false);
  }

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<ListPage> {
    const { sdk, client } = await this.ready();
    const page = await this.send('list', this.name(prefix), (abortSignal) =>
      client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.prefix + prefix,
          ContinuationToken: options.cursor,
          MaxKeys: options.limit,
        }),
        { abortSignal },
      ),
    );
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
    return this.presign(key, expiresIn);
  }

  /** In redirect mode, the store's origin (where presigned URLs point); else undefined. */
  redirectOrigin(): Promise<string | undefined> {
    if (!this.options.redirect) return Promise.resolve(undefined);
    // Presigning is local (no request): any key shows where the store's URLs point.
    this.origin ??= this.presign('origin').then((url) => new URL(url).origin);
    return this.origin;
  }

  close(): void {
    this.metadata.clear();
    this.urls.clear();
    this.agents.http.destroy();
    this.agents.https.destroy();
    this.connections.close();
    void this.client?.then(
      ({ client }) => (this.options.client ? undefined : client.destroy()),
      () => undefined,
    );
  }

  /**
   * `keep`: whether the presigned URL its reads go to is the source's, kept for later lookups, or
   * its own (a scan's lookup: ten thousand keys visited once must not fill the cache of the keys
   * being watched, nor sign a URL per read).
   */
  private resource(key: string, head: Head, location: string | undefined, keep: boolean): Resource {
    const what = this.name(key);
    const sign = async () => new URL(await this.presign(key, URL_LIFETIME_SECONDS));
    let own: Promise<URL> | undefined;
    const urlOf: UrlOf = (fresh) => {
      if (!keep) {
        if (fresh || own === undefined) own = sign();
        return own;
      }
      if (fresh) this.urls.forget(key);
      return this.urls.get(key, sign);
    };
    const limits = { stallMs: this.options.stallTimeout ?? 10_000, resumes: 3 };
    return {
      size: head.size,
      mtimeMs: head.mtimeMs,
      etag: head.etag,
      contentType: head.contentType,
      location,
      readRange: (start: number, end: number): RangeReader =>
        new StoreRangeReader((from, to, signal) => this.get(key, head, urlOf, from, to, signal), start, end, limits, what),
      // A fresh HEAD, past the metadata cache: for answers that read no byte (a 304, a HEAD), which
      // no If-Match would guard, and for a long range before its end.
      checkUnchanged: async () => {
        const fresh = await this.head(key);
        if (fresh?.etag === head.etag && fresh.size === head.size) return;
        this.metadata.forget(key);
        throw new ChangedError(`${what}: replaced since it was looked up`);
      },
      release: () => undefined,
    };
  }

  private async head(key: string): Promise<Head | undefined> {
    const { sdk, client } = await this.ready();
    let out: HeadObjectCommandOutput;
    try {
      out = await this.send('head', this.name(key), (abortSignal) =>
        client.send(new sdk.HeadObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }), { abortSignal }),
      );
    } catch (err) {
      if (err instanceof ChangedError) return undefined; // 404: no such key
      throw err;
    }
    if (out.ContentLength === undefined || out.ETag === undefined) return undefined;
    const contentType = out.ContentType?.split(';')[0]?.trim().toLowerCase() ?? '';
    return {
      size: out.ContentLength,
      mtimeMs: out.LastModified?.getTime() ?? 0,
      etag: out.ETag,
      contentType: GENERIC_TYPES.has(contentType) ? undefined : out.ContentType,
    };
  }

  /**
   * One ranged GET of the version looked up, on the key's presigned URL (see StoreConnections for
   * why not the SDK's GetObject); see StoreRangeReader for how its body is read. A URL kept from
   * earlier that the store refuses (signed with credentials since rotated) is signed afresh and
   * tried once more.
   */
  private async get(key: string, head: Head, urlOf: UrlOf, start: number, end: number, signal: AbortSignal): Promise<StoreAnswer> {
    const what = this.name(key);
    const fields = { Range: `bytes=${start}-${end}`, 'If-Match': head.etag };
    for (let attempt = 1; ; attempt++) {
      const url = await urlOf(attempt > 1);
      let answer: StoreAnswer;
      try {
        answer = await this.send('get', what, (abortSignal) => this.answerOf(url, fields, what, abortSignal), signal);
      } catch (err) {
        if (err instanceof ChangedError) this.metadata.forget(key);
        if (attempt > 1 || !(err instanceof StoreRefusedError)) throw err;
        continue;
      }
      // Stores that ignore If-Match (s3rver does) still name the version they sent.
      const { etag, 'content-range': range, 'content-length': length } = answer.fields;
      if (etag !== head.etag || range !== `bytes ${start}-${end}/${head.size}`) {
        answer.finish();
        this.metadata.forget(key);
        throw new ChangedError(`${what}: the store sent ${etag} ${range}, not ${head.etag} bytes ${start}-${end}/${head.size}`);
      }
      if (length !== String(end - start + 1)) {
        answer.finish();
        throw new StoreUnavailableError(
          `${what}: the store sent bytes ${start}-${end} with Content-Length ${length ?? '(none)'}, a body we cannot delimit`,
        );
      }
      return answer;
    }
  }

  /**
   * The store's 206 to a ranged GET of `url` (a presigned URL carries its signature in its query, so
   * the fields we add, Range and If-Match, need no signing); any other answer thrown as the error it
   * means (answerError), read for S3's `<Code>` in its XML body (AccessDenied, SlowDown, NoSuchKey …).
   */
  private async answerOf(url: URL, fields: Record<string, string>, what: string, signal: AbortSignal): Promise<StoreAnswer> {
    const answer = await this.connections.get(url, fields, signal);
    if (answer.status === 206) return answer;
    const text = await answer.text(ERROR_BODY_LIMIT, signal);
    const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1] ?? (answer.reason || String(answer.status));
    throw answerError({ status: answer.status, code, retryAfter: answer.fields['retry-after'] }, what);
  }

  /**
   * One store request, timed for the observer and turned into our errors (storeError). It is aborted
   * when the store's answer has not begun within the first-byte limit, or when `outer` aborts. A
   * request that failed with no answer at all (a kept-alive socket the store had just closed) is
   * made once more; the SDK's own retries are off, since they wait out a throttling store's
   * Retry-After while a viewer waits: a quick 503 with that Retry-After serves the viewer better.
   */
  private async send<T>(operation: StoreOperation, what: string, run: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    const limit = this.options.firstByteTimeout ?? 10_000;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, limit);
      const onOuter = () => controller.abort();
      outer?.addEventListener('abort', onOuter, { once: true });
      try {
        const out = await run(controller.signal);
        this.observe(operation, started, false);
        return out;
      } catch (err) {
        this.observe(operation, started, true);
        // An answer cut short by the limit (an error's body too slow) is still the answer it was.
        if (timedOut && !wasAnswered(err)) throw new StoreUnavailableError(`${what}: the store did not answer in ${limit} ms`);
        if (wasAnswered(err) || outer?.aborted || attempt >= (this.options.maxAttempts ?? 2)) throw storeError(err, what);
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onOuter);
      }
    }
  }

  private name(key: string): string {
    return `s3://${this.options.bucket}/${this.prefix}${key}`;
  }

  /**
   * A presigned GET of the key. Not bound to the version looked up: If-Match would become a signed
   * header that a browser never sends, and a store that checks signatures refuses the request. So a
   * redirected viewer reads whatever version the key holds while the link lives (its ETag tells them
   * apart, and a player's If-Range keeps it from mixing two).
   */
  private async presign(key: string, expiresIn?: number): Promise<string> {
    const seconds =
      expiresIn ?? (typeof this.options.redirect === 'object' ? this.options.redirect.expiresIn : undefined) ?? DEFAULT_REDIRECT_SECONDS;
    this.signer ??= this.ready()
      .then(({ sdk, presigner, client }) => KeySigner.create(sdk, presigner, client, this.options.bucket))
      .catch((err: unknown) => {
        this.signer = undefined; // credentials missing now may be there at the next request
        throw err;
      });
    const signer = await this.signer;
    const started = performance.now();
    const url = await signer.url(this.prefix + key, seconds);
    this.observe('presign', started, false);
    return url;
  }

  /**
   * The SDK and its presigner, loaded together at the first store request (every GET goes to a
   * presigned URL, so a missing presigner fails the first request, a listing at start, clearly).
   */
  private ready(): Promise<{ sdk: S3Sdk; presigner: Presigner; client: S3Client }> {
    this.client ??= Promise.all([loadSdk(), loadPresigner()]).then(([sdk, presigner]) => {
      const o = this.options;
      const client =
        o.client ??
        new sdk.S3Client({
          endpoint: o.endpoint,
          region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
          forcePathStyle: o.forcePathStyle,
          credentials: o.credentials,
          maxAttempts: 1,
          // Checksums of whole objects: a ranged GET is never checked against one, and computing them costs CPU.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          requestHandler: { connectionTimeout: o.connectTimeout ?? 3000, httpAgent: this.agents.http, httpsAgent: this.agents.https },
        });
      return { sdk, presigner, client };
    });
    return this.client;
  }

  private observe(operation: StoreOperation, started: number, failed: boolean): void {
    this.options.observer?.storeRequest?.(operation, (performance.now() - started) / 1000, failed);
  }

  private readonly onMetadataLookup = (hit: boolean): void => this.options.observer?.cacheLookup?.('metadata', hit);
}
