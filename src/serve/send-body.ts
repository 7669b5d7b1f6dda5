import { performance } from 'node:perf_hooks';
import type { PlanBody } from '../http/decide.js';
import type { ByteRange } from '../http/types.js';
import { ShortReadError } from '../source/errors.js';
import type { RangeReader, Resource } from '../source/types.js';
import type { BufferPool } from './buffer-pool.js';
import type { BodyWriter } from './body-writer.js';
import { FIRST_READ, ReadSizer } from './read-sizing.js';

/** A plan's body that has bytes of the resource in it. */
export type BytesBody = Extract<PlanBody, { type: 'bytes' | 'multipart' }>;

/**
 * Bytes one response may read on the event loop per turn of the event loop. Reads on the event loop into writes
 * the kernel takes at once could otherwise send a whole file in one turn, every other connection
 * waiting, and with no buffer given back (write callbacks run on the next tick). nginx bounds a turn
 * the same way (sendfile_max_chunk, 2 MiB).
 */
const TURN_BYTES = 1024 * 1024;
/**
 * Ranges at least this long check, before their last chunk, that the resource was not modified while
 * they were sent: a file rewritten in place would leave the client with a body that matches neither
 * version nor the ETag. Shorter ranges (probes, a player's range requests) are over too soon to meet a
 * rewrite, and the next request sees the new version.
 */
const CHECK_AFTER = 8 * 1024 * 1024;

/**
 * The body executor: sends a plan's body from a resource through a writer, written once for every
 * source and every door. It walks the body's ranges and framing text, reads each range front to back
 * (on the event loop when the source offers it, else waiting for the read), sizes reads by how the client
 * drains (read-sizing.ts), reads nothing while a write waits, bounds what one response reads on the
 * spot per turn of the event loop, and checks long ranges for a rewrite before their last chunk.
 * Buffers come from `buffers` when the writer lets them be reused.
 *
 * Resolves when everything is handed to the writer, or as soon as the client is gone; rejects on a
 * read error or anything thrown. The headers leave with the first chunk, so a first read that fails
 * (even in a multipart answer) leaves the caller free to answer 500.
 */
export function sendBody(body: BytesBody, resource: Resource, writer: BodyWriter, buffers?: BufferPool): Promise<void> {
  if (body.type === 'bytes' && body.range.end - body.range.start < FIRST_READ && !writer.gone) {
    try {
      const whole = readRangeNow(body.range, resource);
      if (whole !== undefined) {
        writer.write(NO_TEXT, whole, undefined, true);
        return DONE;
      }
    } catch (err) {
      return Promise.reject(err);
    }
  }
  const pieces: readonly (string | ByteRange)[] =
    body.type === 'bytes' ? [body.range] : [...body.parts.flatMap((part) => [part.head, part.range]), body.tail];
  return new Promise((resolve, reject) => new BodyRun(pieces, resource, writer, writer.reusable ? buffers : undefined, resolve, reject).run());
}

const DONE = Promise.resolve();

/**
 * A short range read at once (readNow) and sent whole, headers and bytes in one write: Safari's
 * bytes=0-1 probe and a player's small index reads, most requests of a busy server, where the objects
 * of a full run (its sizer, its promise, its state) showed in the profile. Undefined, having read
 * nothing, when the source cannot read the range at once: the full run takes it from the start.
 */
function readRangeNow(range: ByteRange, resource: Resource): Buffer | undefined {
  const reader = resource.readRange(range.start, range.end);
  try {
    if (reader.readNow === undefined) return undefined;
    // A buffer of its own, not the pool's: below 4 KiB it comes from Node's preallocated slab, and
    // nothing has to wait for the write's callback to give it back.
    const length = range.end - range.start + 1;
    const buffer = Buffer.allocUnsafe(length);
    // Not at hand, or not whole: the full run reads the range again with a reader of its own, and
    // judges a count that breaks the contract.
    return reader.readNow(buffer, length) === length ? buffer : undefined;
  } finally {
    reader.close();
  }
}

/**
 * The whole of a short body when the source reads it at once, as sendBody would send it in one write;
 * undefined (nothing read) for a longer or multipart body, or when the source cannot: stream it then.
 * For the doors whose framework sends a whole buffer more cheaply than any stream (Koa's body, a
 * Fetch Response): on Safari's probe, wrk with 64 connections, alternating runs, the medians of five
 * on a heavily shared 2-core machine went from 90 to 313 requests/s for Koa, 151 to 251 for Hono on
 * Node and 1,250 to 1,840 for Bun once they stopped making a stream for two bytes.
 */
export function readBodyNow(body: BytesBody, resource: Resource): Buffer | undefined {
  return body.type === 'bytes' && body.range.end - body.range.start < FIRST_READ ? readRangeNow(body.range, resource) : undefined;
}

const NO_TEXT: readonly string[] = [];

class BodyRun {
  /** The piece being sent: an index into `pieces`. */
  private index = -1;
  /** The range being read, its reader and the next byte to read. */
  private range: ByteRange | undefined;
  private reader: RangeReader | undefined;
  private pos = 0;
  /** Whether the range being read has been checked for a rewrite. */
  private checked = false;
  /** Framing text waiting to go out with the next chunk (or the end). */
  private readonly text: string[] = [];
  private readonly sizer = new ReadSizer();
  private waitingSince = 0;
  private waitingBytes = 0;
  private settled = false;

  constructor(
    private readonly pieces: readonly (string | ByteRange)[],
    private readonly resource: Resource,
    private readonly writer: BodyWriter,
    private readonly buffers: BufferPool | undefined,
    private readonly resolve: () => void,
    private readonly reject: (err: Error) => void,
  ) {}

  /** Sends what it can now; whatever it throws (a header the door refuses, a source's read) fails the body. */
  readonly run = (): void => {
    try {
      this.loop();
    } catch (err) {
      this.fail(err as Error);
    }
  };

  private loop(): void {
    let turn = 0;
    for (;;) {
      if (this.writer.gone) return this.finish();
      if (!this.nextBytes()) {
        this.writer.write(this.text, undefined, undefined, true);
        return this.finish();
      }
      if (turn >= TURN_BYTES) {
        setImmediate(this.run);
        return;
      }
      const range = this.range!;
      const length = Math.min(this.sizer.size, range.end - this.pos + 1);
      if (!this.checked && this.pos + length > range.end && range.end - range.start + 1 >= CHECK_AFTER && this.resource.checkUnchanged) {
        this.checked = true;
        this.resource.checkUnchanged().then(this.run, this.fail);
        return;
      }
      const buffer = this.buffers?.take(length) ?? Buffer.allocUnsafe(length);
      let bytesRead: number | undefined;
      try {
        bytesRead = this.reader!.readNow?.(buffer, length);
      } catch (err) {
        this.buffers?.give(buffer);
        throw err;
      }
      if (bytesRead === undefined) {
        this.reader!.read(buffer, length).then(
          (n) => this.afterRead(buffer, n),
          (err: Error) => {
            this.buffers?.give(buffer);
            this.fail(err);
          },
        );
        return;
      }
      turn += bytesRead;
      if (!this.deliver(buffer, bytesRead)) return;
    }
  }

  /**
   * Moves on to the next range that has bytes left, queueing the framing text met on the way; false
   * once the body has no more ranges.
   */
  private nextBytes(): boolean {
    while (this.range === undefined || this.pos > this.range.end) {
      this.reader?.close();
      this.reader = undefined;
      const piece = this.pieces[++this.index];
      if (piece === undefined) {
        this.index = this.pieces.length;
        return false;
      }
      if (typeof piece === 'string') {
        this.text.push(piece);
        continue;
      }
      this.range = piece;
      this.pos = piece.start;
      this.checked = false;
      this.reader = this.resource.readRange(piece.start, piece.end);
    }
    return true;
  }

  private afterRead(buffer: Buffer, bytesRead: number): void {
    try {
      if (this.deliver(buffer, bytesRead)) this.loop();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Writes what was read; true to read on at once, false when waiting (or done). */
  private deliver(buffer: Buffer, bytesRead: number): boolean {
    const writer = this.writer;
    if (writer.gone) {
      this.buffers?.give(buffer);
      this.finish();
      return false;
    }
    // The contract is public: a source that reads nothing, or more than was asked, must not hang the
    // server in a loop that never advances or run a body past its Content-Length.
    const left = this.range!.end - this.pos + 1;
    if (!Number.isInteger(bytesRead) || bytesRead < 1 || bytesRead > left || bytesRead > buffer.length) {
      this.buffers?.give(buffer);
      this.fail(
        bytesRead === 0
          ? new ShortReadError(`the resource ended at byte ${this.pos}, before ${this.range!.end}`)
          : new RangeError(`a source read ${bytesRead} bytes where 1 to ${Math.min(left, buffer.length)} were asked for`),
      );
      return false;
    }
    this.pos += bytesRead;
    const last = this.pos > this.range!.end && this.index === this.pieces.length - 1;
    const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    const buffers = this.buffers;
    const outcome = writer.write(this.text, chunk, buffers && (() => buffers.give(buffer)), last);
    this.text.length = 0;
    if (last) {
      this.finish();
      return false;
    }
    if (outcome === 'taken') {
      this.sizer.taken(writer.carried);
      return true;
    }
    if (outcome === 'held') return true; // within the writer's limit: no room to wait for, nor a need to
    this.waitingSince = performance.now();
    this.waitingBytes = writer.pending;
    writer.onRoom(this.resume);
    return false;
  }

  private readonly resume = (): void => {
    this.sizer.drained(this.waitingBytes, performance.now() - this.waitingSince, this.writer.carried);
    this.run();
  };

  private finish(): void {
    this.reader?.close();
    this.reader = undefined;
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }

  private readonly fail = (err: Error): void => {
    this.reader?.close();
    this.reader = undefined;
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  };
}
