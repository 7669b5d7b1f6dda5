/**
 * seekable/fastify: a Fastify plugin serving a folder (or any Source) under a prefix, and a reply
 * decorator, `reply.sendVideo(keyOrResource, options)`, for what your own routes resolve.
 *
 * Both run inside Fastify's lifecycle: the route is an ordinary route, so onRequest and preHandler
 * hooks (authentication, rate limits) run before any lookup; a lookup or decision that fails goes to
 * `reply.send(err)`, hence to your error handler; a missing file goes to `reply.callNotFound()`;
 * answers without file bytes (304, 412, 416, HEAD) are sent with `reply.send`, so onSend hooks see them.
 *
 * Answers with file bytes are hijacked (`reply.hijack()`) after all of that and written by seekable's
 * body executor straight to the socket, reading into the plugin's pooled buffers. Measured with wrk
 * (64 connections, `Range: bytes=0-1`, 2 shared cores, two runs each): createHandler on node:http
 * 5,750-6,220 requests/s, this plugin 5,050-5,500 (Fastify's routing and hooks), and the same route
 * sending a Node Readable made from the executor through `reply.send` 2,860-3,110: a stream pipeline
 * and a fresh buffer per chunk on every answer halve it. Fastify's logger still
 * records the answer: its completion line is tied to the response's 'finish', which hijacking keeps.
 * The one thing hijacking gives up: a read that fails before the first byte (the file vanished
 * between lookup and read) is answered 500 by seekable, logged through the app's logger, not by your
 * error handler.
 *
 * Importing this file loads no Fastify code: the types are all it takes from it.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed, type Plan } from '../http/decide.js';
import { NodeBodyWriter } from '../serve/node-writer.js';
import { planFor, type SendOptions, type Target } from '../serve/plan-for.js';
import { findTarget } from '../serve/find-target.js';
import { splitUrl } from '../serve/request-target.js';
import { Responder } from '../serve/responder.js';
import { sendBody } from '../serve/send-body.js';
import { FileSource, type FileSourceOptions } from '../source/file/file-source.js';
import type { Resource, Source } from '../source/types.js';

/** Options of the plugin: where the files are, where they are served, how answers are made, signing. */
export interface SeekableFastifyOptions extends SendOptions, FileSourceOptions {
  /** A directory (a FileSource is made from it and closed with the app) or any Source (stays yours). */
  root: string | Source;
  /** The path the files are served under, e.g. '/media' ('' or unset: no route, only `reply.sendVideo`). */
  prefix?: string;
  /** When set, every request to the prefix needs a signed link: the first secret signs, all are accepted. */
  secrets?: readonly string[];
  /** Set false when registering the plugin a second time in the same scope: Fastify decorates a reply once. */
  decorateReply?: boolean;
}

/** Per-call options of `reply.sendVideo`: a name, a download, a Cache-Control, extra headers. */
export interface SendVideoOptions {
  /** The name it is served under (Content-Type, download name); default: the key. */
  name?: string;
  /** Answer as a download; `true` uses the name. */
  download?: boolean | string;
  cacheControl?: string;
  /** Header fields added to the answer (never replacing the ones the engine decides). */
  headers?: Record<string, string>;
}

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Answers with one key of the seekable plugin's source, or one Resource your route looked up
     * (released when the answer is over), with the full range and conditional semantics. Returns the
     * reply: `return reply.sendVideo(...)` from an async handler.
     */
    sendVideo(target: string | Resource | undefined, options?: SendVideoOptions): FastifyReply;
  }
}

/** Methods other than GET and HEAD that get 405 under the prefix (OPTIONS is left to CORS plugins). */
const REFUSED_METHODS = ['DELETE', 'PATCH', 'POST', 'PUT'];

const plugin = async (app: FastifyInstance, options: SeekableFastifyOptions): Promise<void> => {
  const owned = typeof options.root === 'string';
  const source = typeof options.root === 'string' ? new FileSource(options.root, options) : options.root;
  if (owned) app.addHook('onClose', async () => source.close?.());
  // One pool for the plugin's answers; failures are logged by the app's own logger.
  const responder = new Responder({ ...options, log: options.log ?? ((line) => app.log.error(line)) });
  const secrets = options.secrets?.length ? options.secrets : undefined;

  function sendVideo(this: FastifyReply, target: string | Resource | undefined, callOptions: SendVideoOptions = {}): FastifyReply {
    const name = callOptions.name ?? (typeof target === 'string' ? target : '');
    const download = callOptions.download === true ? name : callOptions.download || undefined;
    const found = typeof target === 'string' ? source.lookup(target) : Promise.resolve(target);
    found.then(
      (resource) => answer(this, responder, options, { resource, name, download, cacheControl: callOptions.cacheControl }, callOptions.headers),
      (err: unknown) => this.send(err),
    );
    return this;
  }
  if (options.decorateReply !== false) app.decorateReply('sendVideo', sendVideo);

  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  if (prefix === '') return;
  // The plugin skips encapsulation (so the decorator reaches your routes), hence Fastify does not
  // prefix its route: the enclosing scope's prefix is added here, and stripped again from the URL.
  const mount = `${app.prefix}${prefix}`;
  app.route({
    method: ['GET', 'HEAD'],
    url: `${prefix}/*`,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const { pathname, query } = splitUrl(request.raw.url ?? '/');
      if (!pathname.startsWith(`${mount}/`)) return reply.callNotFound();
      const { refused, target } = await findTarget(source, pathname.slice(mount.length), query, secrets);
      if (refused !== undefined) return sendPlan(reply, refused, {});
      if (target.resource === undefined) return reply.callNotFound();
      return answer(reply, responder, options, target, undefined);
    },
  });
  app.route({ method: REFUSED_METHODS, url: `${prefix}/*`, handler: async (_request, reply) => sendPlan(reply, methodNotAllowed(), {}) });
};

/**
 * The Fastify plugin: `app.register(seekable, { root, prefix: '/media' })`. It is not encapsulated,
 * like @fastify/static, so `reply.sendVideo` reaches the routes of the scope that registers it.
 */
const seekable: FastifyPluginAsync<SeekableFastifyOptions> = Object.assign(plugin, {
  // What fastify-plugin sets, without depending on it: skip encapsulation, name the plugin.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'seekable',
  [Symbol.for('plugin-meta')]: { name: 'seekable', fastify: '5.x' },
});
export default seekable;

/** Answers one target on a reply: the engine decides, Fastify sends what has no file bytes, the executor the rest. */
function answer(
  reply: FastifyReply,
  responder: Responder,
  options: SendOptions,
  target: Target,
  extra: Record<string, string> | undefined,
): FastifyReply {
  const { resource } = target;
  if (resource === undefined) {
    reply.callNotFound();
    return reply;
  }
  const request = reply.request.raw;
  let plan: Plan;
  try {
    plan = planFor({ method: request.method ?? 'GET', headers: request.headers }, target, options);
  } catch (err) {
    resource.release();
    return reply.send(err);
  }
  const { body } = plan;
  if (body.type !== 'bytes' && body.type !== 'multipart') {
    resource.release();
    return sendPlan(reply, plan, extra ?? {});
  }
  const headers = withReplyHeaders(reply, extra, plan.headers);
  reply.hijack();
  const raw = reply.raw;
  if (request.socket.destroyed) {
    resource.release();
    return reply;
  }
  sendBody(body, resource, new NodeBodyWriter(request, raw, plan.status, headers), responder.buffers).then(
    () => resource.release(),
    (err: unknown) => {
      responder.fail(request, raw, err);
      resource.release();
    },
  );
  return reply;
}

/**
 * The engine's headers, after the headers your hooks set on the reply (CORS, security headers) and the
 * call's extra ones: those go out too, and the engine's win. The engine's own object when there are
 * none, as on most answers: copying eight fields into a new object per answer showed in the profile.
 */
function withReplyHeaders(reply: FastifyReply, extra: Record<string, string> | undefined, own: Record<string, string>): Record<string, string> {
  const set = reply.getHeaders() as Record<string, string>;
  for (const _ in set) return { ...set, ...extra, ...own };
  return extra === undefined ? own : { ...extra, ...own };
}

/** Sends a plan without file bytes through Fastify (its onSend hooks and serializers see it). */
function sendPlan(reply: FastifyReply, plan: Plan, extra: Record<string, string>): FastifyReply {
  reply.code(plan.status).headers({ ...extra, ...plan.headers });
  return reply.send(plan.body.type === 'text' && reply.request.method !== 'HEAD' ? plan.body.text : undefined);
}
