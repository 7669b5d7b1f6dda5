import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { BodyWriter, WriteOutcome } from '../serve/body-writer.js';
import type { BufferPool } from '../serve/buffer-pool.js';
import { NodeBodyWriter } from '../serve/node-writer.js';
import { type BytesBody, sendBody } from '../serve/send-body.js';
import type { Resource } from '../source/types.js';

/**
 * A plan's body as a Node Readable that pulls through the body executor, for a framework that sends a
 * Node stream (Koa pipes `ctx.body` into the response). Nothing is read before the first read; each
 * chunk is read once the one before it has been taken; destroying the stream (Koa does when the client
 * goes) ends the body at its next step. The resource is released once the body is over, however it
 * ended, or when the stream is destroyed before it started.
 *
 * It replaces a `Readable.fromWeb` of the Fetch door's web stream, whose reader promises and per-chunk
 * web stream steps sat between the executor and Koa on every chunk.
 *
 * Piped, untouched, into a node:http response (what Koa does with `ctx.body`: `stream.pipeline(body,
 * res)`, which calls `pipe`), it does not go through the stream at all: the executor writes to the
 * response itself, as createHandler's does, into `buffers` given back by the socket's write callbacks.
 * A chunk pushed through a Readable may be held by whoever reads it, so that path needs a fresh buffer
 * per chunk: a 1 GiB download through Koa on one core took 1,840 µs of CPU per MB that way (the
 * garbage collector a quarter of the profile) and 1,332 with the pool (medians of five alternating
 * runs). Piped anywhere else (a compressing Transform, a file), read or listened to, it is an
 * ordinary Readable.
 */
export class BodyReadable extends Readable implements BodyWriter {
  /** Chunks pushed may sit in the stream's and the socket's queues past any callback seen here. */
  readonly reusable = false;
  carried = 0;
  private started = false;
  private released = false;
  private room: (() => void) | undefined;

  /** `buffers`: what the body is read into when piped straight into a response; none: fresh ones. */
  constructor(
    private readonly body: BytesBody,
    private readonly resource: Resource,
    private readonly buffers?: BufferPool,
  ) {
    // No chunk is read ahead of the consumer: every push waits for its next read.
    super({ highWaterMark: 0 });
  }

  get gone(): boolean {
    return this.destroyed;
  }

  get pending(): number {
    return this.readableLength;
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    const res = destination as unknown as Partial<ServerResponse>;
    const req = res.req as IncomingMessage | undefined;
    if (this.started || this.destroyed || req === undefined || typeof res.writeHead !== 'function' || res.headersSent) {
      return super.pipe(destination, options);
    }
    this.started = true;
    // The status and headers the framework set on the response go out with the first chunk.
    const writer = new NodeBodyWriter(req, res as ServerResponse, undefined, undefined, options?.end !== false);
    sendBody(this.body, this.resource, writer, this.buffers).then(
      () => {
        this.release();
        // Over: 'end' tells whoever piped it (stream.pipeline ends the response then, or has it ended).
        if (this.destroyed) return;
        this.push(null);
        this.resume();
      },
      (err: unknown) => {
        this.destroy(err as Error);
        this.release();
      },
    );
    return destination;
  }

  override _read(): void {
    if (this.started) return this.wake();
    this.started = true;
    sendBody(this.body, this.resource, this).then(
      () => this.release(),
      (err: unknown) => {
        this.destroy(err as Error);
        this.release();
      },
    );
  }

  write(text: readonly string[], chunk: Buffer | undefined, _free: (() => void) | undefined, last: boolean): WriteOutcome {
    // `_free` is never given: reusable is false.
    if (this.destroyed) return 'full';
    for (const piece of text) this.pushBytes(Buffer.from(piece, 'latin1'));
    if (chunk !== undefined) this.pushBytes(chunk);
    if (last) this.push(null);
    // Flowing with nothing queued, a push goes straight to the consumer ('data'): taken.
    return this.readableLength === 0 ? 'taken' : 'full';
  }

  onRoom(callback: () => void): void {
    this.room = callback;
    if (this.destroyed) this.wake();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.wake();
    if (!this.started) this.release();
    callback(err);
  }

  private pushBytes(bytes: Buffer): void {
    this.carried += bytes.length;
    this.push(bytes);
  }

  private wake(): void {
    const room = this.room;
    this.room = undefined;
    room?.();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.resource.release();
  }
}
