/**
 * seekable/koa: Koa middleware serving a folder (or any Source) under a prefix, and a ctx helper,
 * `await sendVideo(ctx, keyOrResourceOrPath, options)`, for what your own middleware resolves.
 *
 * In Koa's flow, like koa-static: what is not ours (other methods, paths outside the prefix, missing
 * files) goes downstream with `await next()`; what is ours is set on `ctx.status`, the headers and
 * `ctx.body`, and Koa sends it, so upstream middleware sees the answer after `await next()`. A lookup
 * that fails throws into Koa's error handling. The file bytes are a Buffer when the range is short
 * and at hand (Safari's probe), else a Node Readable over seekable's body executor (pulled, so nothing
 * is read ahead of the client; destroyed by Koa when the client goes, which releases the file). When
 * Koa pipes that Readable into the response untouched, the executor writes to the response itself,
 * into the middleware's pooled buffers (body-readable.ts).
 *
 * Importing this file loads no Koa code: the types are all it takes from it.
 */
import type { Context, Middleware, Next } from 'koa';
import { notFound, type Plan } from '../http/decide.js';
import { BodyReadable } from './body-readable.js';
import { BufferPool } from '../serve/buffer-pool.js';
import { planFor, type SendOptions, type Target } from '../serve/plan-for.js';
import { findTarget } from '../serve/find-target.js';
import { splitUrl } from '../serve/request-target.js';
import { readBodyNow } from '../serve/send-body.js';
import { openFile } from '../source/file/file-resource.js';
import { FileSource, type FileSourceOptions } from '../source/file/file-source.js';
import type { Resource, Source } from '../source/types.js';

/** Options of the middleware: where it is mounted, how answers are made, the folder's rules, signing. */
export interface SeekableKoaOptions extends SendOptions, FileSourceOptions {
  /** The path the files are served under, e.g. '/media' ('' or unset: at the root). */
  prefix?: string;
  /** When set, every request under the prefix needs a signed link: the first secret signs, all are accepted. */
  secrets?: readonly string[];
}

/** The middleware, its source, and close() for the files a source made from a path keeps open. */
export interface SeekableMiddleware extends Middleware {
  readonly source: Source;
  close(): void;
}

/** Per-call options of sendVideo. */
export interface SendVideoOptions extends SendOptions {
  /** Look a string up as a key of this source (e.g. the middleware's `.source`) instead of opening it as a path. */
  source?: Source;
  /** The name it is served under (Content-Type, download name); default: the key or the path's last segment. */
  name?: string;
  /** Answer as a download; `true` uses the name. */
  download?: boolean | string;
  cacheControl?: string;
  /** Header fields added to the answer (never replacing the ones the engine decides). */
  headers?: Record<string, string>;
}

/**
 * Serves the files under `root` (a directory, or any Source) by URL path under `prefix`: the key is
 * the path after it, decoded once. `?download=1` answers as a download.
 */
export function seekable(root: string | Source, options: SeekableKoaOptions = {}): SeekableMiddleware {
  const owned = typeof root === 'string';
  const source = typeof root === 'string' ? new FileSource(root, options) : root;
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const secrets = options.secrets?.length ? options.secrets : undefined;
  // What its bodies are read into when Koa pipes them straight into the response (body-readable.ts).
  const buffers = new BufferPool();

  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const { pathname, query } = splitUrl(ctx.url);
    if (prefix !== '' && !pathname.startsWith(`${prefix}/`)) return next();
    const { refused, target } = await findTarget(source, pathname.slice(prefix.length), query, secrets);
    if (refused !== undefined) return setPlan(ctx, refused, {});
    if (target.resource === undefined) return next();
    answer(ctx, target, options, {}, buffers);
  };
  return Object.assign(middleware, { source, close: () => (owned ? source.close?.() : undefined) });
}

/**
 * Answers `ctx` with one resource your middleware resolved, a key of `options.source`, or a file path
 * (trusted: no jail), with the full range and conditional semantics; nothing found answers 404. The
 * resource is released when the body is over.
 */
export async function sendVideo(ctx: Context, target: string | Resource | undefined, options: SendVideoOptions = {}): Promise<void> {
  let name = options.name ?? '';
  let resource: Resource | undefined;
  if (typeof target === 'string') {
    resource = options.source === undefined ? await openFile(target) : await options.source.lookup(target);
    name = options.name ?? (options.source === undefined ? target.slice(target.lastIndexOf('/') + 1) : target);
  } else {
    resource = target;
  }
  if (resource === undefined) return setPlan(ctx, notFound(), options.headers ?? {});
  const download = options.download === true ? name : options.download || undefined;
  answer(ctx, { resource, name, download, cacheControl: options.cacheControl }, options, options.headers ?? {}, undefined);
}

/** `buffers`: what a streamed body is read into (none: a fresh buffer per chunk, for a one-off sendVideo). */
function answer(ctx: Context, target: Target, options: SendOptions, extra: Record<string, string>, buffers: BufferPool | undefined): void {
  const resource = target.resource!;
  let plan: Plan;
  try {
    plan = planFor({ method: ctx.method, headers: ctx.headers }, target, options);
  } catch (err) {
    resource.release();
    throw err;
  }
  const { body } = plan;
  if (body.type !== 'bytes' && body.type !== 'multipart') {
    resource.release();
    return setPlan(ctx, plan, extra);
  }
  // A short range read at once is a Buffer body, which Koa ends in one write; the rest a stream that
  // pulls through the executor.
  let whole: Buffer | undefined;
  try {
    whole = readBodyNow(body, resource);
  } catch (err) {
    resource.release();
    throw err;
  }
  ctx.status = plan.status;
  if (whole !== undefined) {
    resource.release();
    // Before the body: Koa's setter then keeps the Content-Type it finds instead of looking one up
    // (and sets the same Content-Length).
    setHeaders(ctx, extra, plan.headers);
    ctx.body = whole;
  } else {
    ctx.body = new BodyReadable(body, resource, buffers);
    // After the body: Koa's setter drops the Content-Length of a stream that replaces another body.
    setHeaders(ctx, extra, plan.headers);
  }
  noCompression(ctx);
}

/** The extra header fields, then the engine's, which win (set later, under any spelling). */
function setHeaders(ctx: Context, extra: Record<string, string>, own: Record<string, string>): void {
  ctx.set(extra);
  ctx.set(own);
}

/** A plan without file bytes, the Koa way: status, a text body or none, then the engine's headers. */
function setPlan(ctx: Context, plan: Plan, extra: Record<string, string>): void {
  ctx.status = plan.status;
  // A GET 200 of an empty file has no body: '' keeps Koa from writing its status text as one.
  if (ctx.method !== 'HEAD') ctx.body = plan.body.type === 'text' ? plan.body.text : '';
  ctx.set({ ...extra, ...plan.headers });
  noCompression(ctx);
}

/**
 * Tells koa-compress (and any middleware that reads `ctx.compress`) to leave the answer as it is: the
 * ETag, Content-Length and byte ranges name the file's own bytes (RFC 9110 §14.1.2: ranges are of the
 * selected representation), and a 206 compressed on the way would give the client other bytes at
 * those offsets.
 */
function noCompression(ctx: Context): void {
  (ctx as { compress?: boolean }).compress = false;
}
