import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plan } from '../http/decide.js';
import { ChangedError } from '../source/errors.js';
import type { Resource } from '../source/types.js';
import { BufferPool } from './buffer-pool.js';
import { defaultLog, failurePlan, isAbort, logFailure } from './failure.js';
import { type MetricsHooks, type ResponseKind, responseKind } from './metrics-hooks.js';
import { NodeBodyWriter } from './node-writer.js';
import { planFor, type SendOptions, type Target } from './plan-for.js';
import { type BytesBody, sendBody } from './send-body.js';

/**
 * Answers node:http requests: decides with the engine, sends the body through the executor, and
 * turns failures into the right answer. It owns the buffers its bodies are read into, so a door made
 * with it (createHandler, createApp) holds its own and frees them with it.
 */
export class Responder {
  /** The buffers bodies are read into; none: a fresh buffer per chunk (a one-off sendFile). */
  readonly buffers: BufferPool | undefined;
  private readonly log: (line: string) => void;

  /** `metrics`: told of each answer's kind, its first byte, its body and its failures; none costs nothing. */
  constructor(
    private readonly options: SendOptions = {},
    pooled = true,
    private readonly metrics?: MetricsHooks,
  ) {
    this.buffers = pooled ? new BufferPool() : undefined;
    this.log = options.log ?? defaultLog;
  }

  /**
   * Answers one request for one target and releases its resource. Never throws: an error before the
   * headers gives a short 500 (503 when out of descriptors, 502/503 for a store) and one log line;
   * after them the connection is cut, since the bytes already promised can no longer be delivered.
   *
   * `again`, when given, is how the door answers afresh: called instead of failing when the resource
   * turned out to be another version at its first read (a store's object replaced since a kept
   * lookup), before any header went out, so the viewer gets the new version rather than an error.
   */
  async respond(req: IncomingMessage, res: ServerResponse, target: Target, again?: () => Promise<void>): Promise<void> {
    const { resource } = target;
    let changed = false;
    try {
      const plan = planFor({ method: req.method ?? 'GET', headers: req.headers }, target, this.options);
      const { body } = plan;
      // A 304 or a HEAD reads no byte, so no read can find the resource replaced since a kept lookup
      // (a store's metadata cache): the door that can answer afresh has it checked first.
      if (again !== undefined && (plan.status === 304 || req.method === 'HEAD')) await resource?.checkUnchanged?.();
      if (body.type === 'none' || body.type === 'text' || resource === undefined) {
        return this.sendPlan(req, res, plan, resource === undefined ? undefined : responseKind(plan));
      }
      if (req.socket.destroyed) return; // on HTTP/2 a proxy, whose `destroyed` is the stream's
      const writer = new NodeBodyWriter(req, res, plan.status, plan.headers);
      if (this.metrics === undefined) await sendBody(body, resource, writer, this.buffers);
      else await this.sendCounted(req, plan, body, resource, writer);
    } catch (err) {
      changed = again !== undefined && err instanceof ChangedError && !res.headersSent;
      if (!changed) this.fail(req, res, err);
    } finally {
      resource?.release();
    }
    if (changed) await again!();
  }

  /** sendBody, with the metrics told when the headers go out and while the body is being sent. */
  private async sendCounted(req: IncomingMessage, plan: Plan, body: BytesBody, resource: Resource, writer: NodeBodyWriter): Promise<void> {
    const metrics = this.metrics!;
    writer.onStart = () => metrics.headers(req, responseKind(plan));
    metrics.streamStarted();
    try {
      await sendBody(body, resource, writer, this.buffers);
    } finally {
      metrics.streamEnded();
    }
  }

  /**
   * Sends a plan that needs no source (no body, or a short text; HEAD gets the headers only). `kind`:
   * what it is as a file answer (304, 412, 416, a HEAD), for the metrics.
   */
  sendPlan(req: IncomingMessage, res: ServerResponse, plan: Plan, kind?: ResponseKind): void {
    this.metrics?.headers(req, kind);
    res.writeHead(plan.status, plan.headers);
    res.end(plan.body.type === 'text' && req.method !== 'HEAD' ? plan.body.text : undefined);
  }

  /** Reports a failure and ends the response as well as it still can (failure.ts says how). */
  fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (isAbort(err)) {
      res.destroy();
      return;
    }
    this.metrics?.failed(err);
    logFailure(this.log, req.method, req.url?.split('?')[0], err);
    if (res.headersSent) res.destroy();
    else this.sendPlan(req, res, failurePlan(err));
  }
}
