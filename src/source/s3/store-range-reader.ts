import type { Readable } from 'node:stream';
import { ShortReadError, StoreUnavailableError } from '../errors.js';
import type { RangeReader } from '../types.js';
import { sizeReads } from './store-agents.js';

/**
 * Opens the store's answer for bytes `start`..`end` of the object as it was looked up (a ranged GET
 * with If-Match), resolving once its headers arrived; it rejects with a ChangedError when the object
 * is not that version any more, and with the store's errors otherwise. `signal` aborts it, body and
 * socket included.
 */
export type OpenRange = (start: number, end: number, signal: AbortSignal) => Promise<Readable>;

/** How long a reader waits, and how often it tries again. */
export interface ReadLimits {
  /** Ms a body may stay silent while a read waits for it before the connection counts as lost. */
  stallMs: number;
  /** Times in a row the reader reopens a lost connection without receiving a byte before giving up. */
  resumes: number;
}

/**
 * Reads one range of a store's object through one ranged GET at a time, pulling from its body only
 * as the executor asks: nothing is read ahead of the viewer but what the socket's buffers hold, so a
 * slow viewer holds the store's connection still instead of making us buffer what it sends.
 *
 * A connection lost mid-body (reset, closed by the store or a proxy while the viewer was paused,
 * silent for longer than `stallMs`) is reopened from the next byte with the same If-Match, invisibly
 * to the viewer; `resumes` attempts in a row that deliver nothing give up with a StoreUnavailableError.
 * close() aborts the store's request and frees its socket at once.
 */
export class StoreRangeReader implements RangeReader {
  /** The next byte to deliver. */
  private pos: number;
  private body: Readable | undefined;
  private controller: AbortController | undefined;
  /** Bytes received and not yet delivered. */
  private leftover: Buffer | undefined;
  /** Why the current body can give no more: set by its events, read by the waiting read. */
  private lost: Error | undefined;
  private ended = false;
  private wake: (() => void) | undefined;
  private attempts = 0;
  private closed = false;

  constructor(
    private readonly openRange: OpenRange,
    start: number,
    private readonly end: number,
    private readonly limits: ReadLimits,
    /** Names the object in messages. */
    private readonly what: string,
  ) {
    this.pos = start;
  }

  async read(buffer: Buffer, length: number): Promise<number> {
    for (;;) {
      if (this.closed) throw new Error(`${this.what}: read after close`);
      if (this.leftover !== undefined) return this.deliver(buffer, length);
      if (this.body === undefined) await this.open();
      sizeReads(this.body!, length, this.end - this.pos + 1);
      const chunk = this.body!.read() as Buffer | null;
      if (chunk !== null) {
        this.leftover = chunk;
        this.attempts = 0;
        continue;
      }
      if (this.lost === undefined && !this.ended) {
        await this.waitForBody();
        continue;
      }
      // The body is over and the range is not: the connection was lost, or the store sent too little.
      const why = this.lost ?? new ShortReadError(`${this.what}: the store's body ended at byte ${this.pos} of ${this.end + 1}`);
      this.drop();
      if (++this.attempts > this.limits.resumes) throw why instanceof ShortReadError ? why : this.unavailable(why);
    }
  }

  /**
   * Bytes the store already sent, at once: what is left of the last chunk, else what the body has
   * buffered. The executor then runs through a burst of received bytes without a promise per read
   * (measured: a 1 MiB range cost about 10 ms of CPU through read() alone). Undefined when nothing
   * has arrived: read() waits for it.
   */
  readNow(buffer: Buffer, length: number): number | undefined {
    if (this.closed) return undefined;
    if (this.leftover === undefined && this.body !== undefined && this.lost === undefined) {
      sizeReads(this.body, length, this.end - this.pos + 1);
      const chunk = this.body.read() as Buffer | null;
      if (chunk === null) return undefined;
      this.leftover = chunk;
      this.attempts = 0;
    }
    return this.leftover === undefined ? undefined : this.deliver(buffer, length);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pos > this.end && this.body !== undefined && this.lost === undefined) this.finishBody(this.body);
    else this.drop();
  }

  /**
   * Lets a body whose every byte was delivered reach its end, so its connection goes back to the
   * pool for the next GET instead of being destroyed: each range then costs the store no new
   * connection (measured on Safari's probe: a TCP connect per request was the source's largest cost
   * after the store's own answer). A store that does not end it within the stall limit loses it.
   */
  private finishBody(body: Readable): void {
    this.body = undefined;
    this.controller = undefined;
    this.leftover = undefined;
    const timer = setTimeout(() => body.destroy(), this.limits.stallMs);
    body.once('close', () => clearTimeout(timer));
    // resume() does nothing while a 'readable' listener is there (it takes precedence).
    body.removeAllListeners('readable');
    body.resume();
  }

  /** Copies what was received into the executor's buffer, never past the range's end. */
  private deliver(buffer: Buffer, length: number): number {
    const chunk = this.leftover!;
    const n = Math.min(length, chunk.length, this.end - this.pos + 1);
    chunk.copy(buffer, 0, 0, n);
    this.leftover = n < chunk.length && this.pos + n <= this.end ? chunk.subarray(n) : undefined;
    this.pos += n;
    return n;
  }

  /** The ranged GET from the next byte on; its events say when it has more, ends, or is lost. */
  private async open(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    this.lost = undefined;
    this.ended = false;
    const body = await this.openRange(this.pos, this.end, controller.signal);
    if (this.closed || controller.signal.aborted) {
      body.destroy();
      throw new Error(`${this.what}: closed while opening`);
    }
    this.body = body;
    const wake = () => this.wake?.();
    body.on('readable', wake);
    body.once('end', () => {
      this.ended = true;
      wake();
    });
    // Without a listener an error here (the store resets a connection behind a paused viewer) would
    // take the process down; with one it is noted and the next read reopens.
    body.on('error', (err) => {
      this.lost ??= err;
      wake();
    });
    body.once('close', () => {
      if (!this.ended) this.lost ??= new Error('the connection closed mid-body');
      wake();
    });
  }

  /** Waits until the body has bytes, ends or is lost; `stallMs` of silence counts as lost. */
  private waitForBody(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.lost ??= new Error(`no byte for ${this.limits.stallMs} ms`);
        done();
      }, this.limits.stallMs);
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  /** Lets go of the current request: aborted, its socket destroyed rather than returned to the pool. */
  private drop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.body?.destroy();
    this.body = undefined;
    this.leftover = undefined;
  }

  private unavailable(err: Error): StoreUnavailableError {
    return err instanceof StoreUnavailableError
      ? err
      : new StoreUnavailableError(`${this.what}: lost the store's connection (${err.message})`, 1, { cause: err });
  }
}
