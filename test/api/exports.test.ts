import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { describe, it } from 'node:test';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Context, Middleware } from 'koa';
import * as app from '../../src/app/index.js';
import * as fastifyDoor from '../../src/adapters/fastify.js';
import * as fetchDoor from '../../src/adapters/fetch.js';
import * as s3 from '../../src/s3.js';
import * as koaDoor from '../../src/adapters/koa.js';
import * as metricsEntry from '../../src/metrics/index.js';
import type { Metrics, MetricsHooks, MetricsOptions } from '../../src/metrics/index.js';
import * as engine from '../../src/engine.js';
import * as seekable from '../../src/index.js';
import type { SeekableFastifyOptions, SendVideoOptions } from '../../src/adapters/fastify.js';
import type { SeekableKoaOptions, SeekableMiddleware, SendVideoOptions as KoaSendVideoOptions } from '../../src/adapters/koa.js';
import type { FetchHandler, FetchHandlerOptions, FetchResponseOptions } from '../../src/adapters/fetch.js';
import type { App, AppOptions } from '../../src/app/index.js';
import type { DecideOptions, Plan, RequestInfo, Representation } from '../../src/engine.js';
import type {
  FileSourceOptions,
  Handler,
  HandlerOptions,
  ListableSource,
  ListedFile,
  ListPage,
  LookupOptions,
  RangeReader,
  Resource,
  SendOptions,
  SignOptions,
  Source,
  SourceObserver,
  Verdict,
} from '../../src/index.js';

/**
 * The public API, pinned: a change to what an entry point exports, or to the shape of an export,
 * fails here (the runtime names below, the types at `tsc --noEmit`), so it is made on purpose.
 */

describe('the entry points export what they say', () => {
  it('seekable: serving, sources, signed links', () => {
    assert.deepEqual(Object.keys(seekable).sort(), [
      'ChangedError',
      'DEFAULT_LIMITS',
      'FileSource',
      'ShortReadError',
      'StoreRefusedError',
      'StoreUnavailableError',
      'bufferResource',
      'createHandler',
      'createMediaServer',
      'createSecureMediaServer',
      'isSafeKey',
      'listAll',
      'openFile',
      'sendFile',
      'sendResource',
      'signQuery',
      'verifyQuery',
    ]);
  });

  it('seekable/engine: decide and its parts', () => {
    assert.deepEqual(Object.keys(engine).sort(), [
      'DEFAULT_CACHE_CONTROL',
      'DEFAULT_MAX_RANGES',
      'DEFAULT_TYPE',
      'coalesceRanges',
      'contentDisposition',
      'contentRange',
      'contentTypeFor',
      'decide',
      'documentPlan',
      'evaluatePreconditions',
      'formatHttpDate',
      'frameMultipart',
      'ifRangeHolds',
      'makeEtag',
      'methodNotAllowed',
      'notFound',
      'parseEtag',
      'parseEtagList',
      'parseHttpDate',
      'parseRange',
      'strongMatch',
      'textPlan',
      'unsatisfiedRange',
      'weakMatch',
    ]);
  });

  it('seekable/app: createApp', () => {
    assert.deepEqual(Object.keys(app).sort(), ['createApp', 'defaultCacheDir']);
  });

  it('seekable/s3: the S3 source', () => {
    assert.deepEqual(Object.keys(s3).sort(), ['S3Source', 'StoreRefusedError', 'StoreUnavailableError', 'parseS3Url']);
  });

  it('seekable/s3 loads no SDK until a request needs it (type imports only)', async () => {
    for (const file of ['s3-source.ts', 'sdk.ts']) {
      const text = await readFile(new URL(`../../src/source/s3/${file}`, import.meta.url), 'utf8');
      assert.deepEqual(
        [...text.matchAll(/^import (?!type )[^;]*from '(@aws-sdk[^']*)'/gm)].map((m) => m[1]),
        [],
        file,
      );
    }
  });

  it('seekable/fetch: the Fetch API door', () => {
    assert.deepEqual(Object.keys(fetchDoor).sort(), ['createFetchHandler', 'fetchResponse']);
  });

  it('seekable/fastify: the plugin, as the default export', () => {
    assert.deepEqual(Object.keys(fastifyDoor).sort(), ['default']);
    assert.equal(typeof fastifyDoor.default, 'function');
  });

  it('seekable/metrics: createMetrics, the Metrics it makes, and the scrape handler', () => {
    assert.deepEqual(Object.keys(metricsEntry).sort(), ['Metrics', 'createMetrics', 'metricsHandler']);
  });

  it('seekable/metrics loads prom-client only when createMetrics is called (no static import of it)', async () => {
    for (const file of ['index.ts', 'metrics.ts', 'handler.ts', 'error-kind.ts']) {
      const source = await readFile(new URL(`../../src/metrics/${file}`, import.meta.url), 'utf8');
      assert.doesNotMatch(source, /^import (?!type )[^;]*from 'prom-client'/m, file);
    }
  });

  it('seekable/koa: the middleware and the ctx helper', () => {
    assert.deepEqual(Object.keys(koaDoor).sort(), ['seekable', 'sendVideo']);
  });

  for (const door of ['fastify', 'koa']) {
    it(`seekable/${door} loads no framework code (types only; node: modules and its own files)`, async () => {
      const source = await readFile(new URL(`../../src/adapters/${door}.ts`, import.meta.url), 'utf8');
      assert.deepEqual(
        [...source.matchAll(/^import (?!type )[^;]*from '([^']+)'/gm)]
          .map((m) => m[1]!)
          .filter((from) => !from.startsWith('.') && !from.startsWith('node:')),
        [],
      );
    });
  }
});

// Type-level pins: each line fails to compile if the export's shape changes.
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [keyof A] extends [keyof B]
      ? [keyof B] extends [keyof A]
        ? true
        : false
      : false
    : false
  : false;
type Expect<T extends true> = T;
type Listener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;
type Http2Listener = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

export type Pins = [
  Expect<Same<typeof seekable.createHandler, (root: string | Source, options?: HandlerOptions) => Handler>>,
  Expect<Same<Handler, Listener & Http2Listener & { readonly source: Source; close(): void }>>,
  Expect<
    Same<
      typeof seekable.sendFile,
      (
        req: IncomingMessage,
        res: ServerResponse,
        filePath: string,
        options?: SendOptions & { download?: boolean | string; cacheControl?: string },
      ) => Promise<void>
    >
  >,
  Expect<Same<typeof app.createApp, (options: AppOptions) => App>>,
  Expect<Same<typeof fetchDoor.createFetchHandler, (root: string | Source, options?: FetchHandlerOptions) => FetchHandler>>,
  Expect<Same<FetchHandler, ((request: Request) => Promise<Response>) & { readonly source: Source; close(): void }>>,
  Expect<
    Same<typeof fetchDoor.fetchResponse, (request: Request, resource: Resource | undefined, name: string, options?: FetchResponseOptions) => Response>
  >,
  Expect<Same<typeof fastifyDoor.default, FastifyPluginAsync<SeekableFastifyOptions>>>,
  Expect<Same<FastifyReply['sendVideo'], (target: string | Resource | undefined, options?: SendVideoOptions) => FastifyReply>>,
  Expect<Same<keyof SendVideoOptions, 'name' | 'download' | 'cacheControl' | 'headers'>>,
  Expect<Same<typeof koaDoor.seekable, (root: string | Source, options?: SeekableKoaOptions) => SeekableMiddleware>>,
  Expect<Same<SeekableMiddleware, Middleware & { readonly source: Source; close(): void }>>,
  Expect<Same<typeof koaDoor.sendVideo, (ctx: Context, target: string | Resource | undefined, options?: KoaSendVideoOptions) => Promise<void>>>,
  Expect<Same<App, Listener & { readonly catalog: App['catalog']; drain(): void; close(): void }>>,
  Expect<Same<typeof engine.decide, (request: RequestInfo, representation: Representation | undefined, options: DecideOptions) => Plan>>,
  Expect<Same<typeof seekable.signQuery, (key: string, secret: string, options: SignOptions) => string>>,
  Expect<Same<typeof seekable.verifyQuery, (key: string, query: URLSearchParams, secrets: readonly string[], nowSeconds: number) => Verdict>>,
  Expect<
    Same<
      Source,
      {
        readonly id?: string;
        lookup(key: string, options?: LookupOptions): Promise<Resource | undefined>;
        localPath?(key: string): Promise<string | undefined>;
        urlFor?(key: string): Promise<string | undefined>;
        redirectOrigin?(): Promise<string | undefined>;
        close?(): void;
      }
    >
  >,
  Expect<Same<ListableSource, Source & { list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<ListPage> }>>,
  Expect<Same<ListedFile, { key: string; size: number; mtimeMs: number; etag?: string }>>,
  Expect<Same<ListPage, { files: ListedFile[]; next?: string }>>,
  Expect<
    Same<
      Resource,
      Representation & {
        readonly location?: string;
        readRange(start: number, end: number): RangeReader;
        checkUnchanged?(): Promise<void>;
        release(): void;
      }
    >
  >,
  Expect<
    Same<
      RangeReader,
      {
        read(buffer: Buffer, length: number): Promise<number>;
        readNow?(buffer: Buffer, length: number): number | undefined;
        close(): void;
      }
    >
  >,
  Expect<Same<keyof FileSourceOptions, 'dotfiles' | 'hardLinks' | 'openFileCache' | 'hotReads' | 'observer'>>,
  Expect<
    Same<
      SourceObserver,
      {
        cacheLookup?(cache: 'open-file' | 'metadata', hit: boolean): void;
        storeRequest?(operation: string, seconds: number, failed: boolean): void;
      }
    >
  >,
  Expect<Same<typeof metricsEntry.createMetrics, (options?: MetricsOptions) => Promise<Metrics>>>,
  Expect<Same<typeof metricsEntry.metricsHandler, (metrics: Metrics) => (req: IncomingMessage, res: ServerResponse) => void>>,
  Expect<Same<keyof MetricsOptions, 'prefix' | 'ttfbBuckets' | 'storeBuckets'>>,
  Expect<Same<HandlerOptions['accelRedirect'], string | undefined>>,
  Expect<Same<HandlerOptions['metrics'], MetricsHooks | undefined>>,
];
