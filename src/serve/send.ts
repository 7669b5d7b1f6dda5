import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decide, textPlan, type DecideOptions, type Plan } from '../http/decide.js';
import type { Resource } from '../source/types.js';
import { pump, type Segment } from './pump.js';

/** Options of every door: what the engine decides with, and where errors are reported. */
export interface SendOptions extends Pick<DecideOptions, 'cacheControl' | 'maxRanges' | 'maxChunk'> {
  /** Receives one line per server-side failure (default: console.error). Client aborts are not failures. */
  log?: (line: string) => void;
}

const defaultLog = (line: string) => console.error(line);

/** Ranges shorter than this are read whole and sent in one write. */
const SMALL_RANGE = 64 * 1024;

/** Errors that only mean the client went away: no log line for them, players do this constantly. */
const ABORTS = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED']);

function isAbort(err: unknown): boolean {
  return ABORTS.has((err as { code?: string } | null)?.code ?? '');
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** 12 random bytes in hex: no file's bytes can be expected to contain it (RFC 2046 §5.1.1). */
const randomBoundary = () => randomBytes(12).toString('hex');

/** Sends a plan that needs no source (no body, or a short text; HEAD gets the headers only). */
export function sendPlan(req: IncomingMessage, res: ServerResponse, plan: Plan): void {
  res.writeHead(plan.status, plan.headers);
  res.end(plan.body.type === 'text' && req.method !== 'HEAD' ? plan.body.text : undefined);
}

/** Writes a plan's status and headers, then its body; the promise settles when the response is done. */
async function execute(req: IncomingMessage, res: ServerResponse, plan: Plan, resource: Resource | undefined) {
  const { body } = plan;
  if (body.type === 'none' || body.type === 'text' || resource === undefined) {
    sendPlan(req, res, plan);
    return;
  }
  // Small ranges (Safari's bytes=0-1 probe, players' index reads): one read into one buffer, then
  // headers and body in a single write. No stream, no pipeline, no listeners: per-request overhead,
  // not copying, is what bounds these. A failed read is still before the headers: a clean 500.
  if (body.type === 'bytes' && resource.read !== undefined && body.range.end - body.range.start < SMALL_RANGE) {
    const bytes = await resource.read(body.range.start, body.range.end - body.range.start + 1);
    res.writeHead(plan.status, plan.headers);
    res.end(bytes);
    return;
  }
  const socket = req.socket;
  if (socket.destroyed) return;
  // Everything else from a source that reads into our buffers: the pump (pump.ts).
  if (resource.pread !== undefined) {
    const segments: Segment[] =
      body.type === 'bytes' ? [body.range] : [...body.parts.flatMap((part) => [part.head, part.range]), body.tail];
    await pump(socket, res, plan.status, plan.headers, resource as Required<Pick<Resource, 'pread'>> & Resource, segments);
    return;
  }
  // A source without pread is streamed. A response still queued behind an earlier one on a pipelined
  // keep-alive socket never gets the socket, so it never emits 'close' and a pipeline into it never
  // settles. The socket's close is what ends this request: it stops the reads and lets the caller
  // release the descriptor at once.
  const abort = new AbortController();
  const closed = new Promise<void>((resolve) => {
    abort.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const onClose = () => abort.abort();
  socket.once('close', onClose);
  try {
    res.writeHead(plan.status, plan.headers);
    // The multipart generator is wrapped in a Readable so that an abort can destroy it: a bare
    // generator left suspended in `yield*` would keep its part's reader, and the descriptor, alive.
    const source =
      body.type === 'bytes'
        ? resource.open(body.range.start, body.range.end)
        : Readable.from(
            (async function* () {
              for (const part of body.parts) {
                yield part.head;
                yield* resource.open(part.range.start, part.range.end);
              }
              yield body.tail;
            })(),
            { objectMode: false },
          );
    const streamed = pipeline(source, res, { signal: abort.signal });
    streamed.catch(() => {}); // after the socket closed, how the pipeline ends no longer matters
    await Promise.race([streamed, closed]);
  } finally {
    socket.off('close', onClose);
  }
}

/**
 * Answers one request for one looked-up resource (undefined: no such file) and releases the resource.
 * Never throws: an error before the headers gives a short 500 and one log line; after them the
 * connection is cut, since the bytes already promised can no longer be delivered.
 */
export async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  resource: Resource | undefined,
  name: string,
  options: SendOptions,
  download?: string,
): Promise<void> {
  try {
    const plan = decide({ method: req.method ?? 'GET', headers: req.headers }, resource, {
      now: Date.now(),
      name,
      cacheControl: options.cacheControl,
      maxRanges: options.maxRanges,
      maxChunk: options.maxChunk,
      download,
      boundary: randomBoundary,
    });
    await execute(req, res, plan, resource);
  } catch (err) {
    fail(req, res, err, options.log);
  } finally {
    resource?.release();
  }
}

/** Out of descriptors (the process's or the system's): a passing condition, not a fault. */
const EXHAUSTED = new Set(['EMFILE', 'ENFILE']);

/**
 * Reports a failure and ends the response as well as it still can. Running out of descriptors is
 * answered 503 with Retry-After: the server recovers by itself as connections close, and a player
 * that retries a second later gets its bytes.
 */
export function fail(req: IncomingMessage, res: ServerResponse, err: unknown, log = defaultLog): void {
  if (isAbort(err)) {
    res.destroy();
    return;
  }
  const code = (err as { code?: string } | null)?.code ?? '';
  log(`seekable: ${req.method} ${req.url?.split('?')[0]}: ${describe(err)}`);
  if (res.headersSent) res.destroy();
  else if (EXHAUSTED.has(code)) sendPlan(req, res, textPlan(503, 'Service Unavailable: too many open files', { 'Retry-After': '1' }));
  else sendPlan(req, res, textPlan(500, 'Internal Server Error'));
}
