import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CHECK_AFTER, ShortReadError } from '../source/file-resource.js';
import type { Resource } from '../source/types.js';
import { BufferPool, MIN_BUFFER, MAX_BUFFER } from './buffer-pool.js';

/** What a body is made of: framing text (multipart part headers) and byte ranges of the resource. */
export type Segment = string | { start: number; end: number };

type Reader = Required<Pick<Resource, 'pread'>> & Pick<Resource, 'verify'>;

/** The first read of a body: what a player needs to start, sent in one write with the headers. */
const FIRST_READ = 64 * 1024;
/**
 * Reads grow past 16 KiB only on connections that have carried this much. The kernel takes the first
 * few MiB of any connection at once (its send buffer grows to 4 MiB here), so a slow viewer looks fast
 * until that fills, and the chunk caught in flight at that moment then waits for seconds: with 64 KiB
 * reads, 1,000 fresh slow viewers held 48 MiB that way. Past what kernel buffers hold, a connection
 * whose writes still complete at once really is fast. (In the seek storm, the first 16 of a
 * connection's ~500 requests pay for this.)
 */
const GROW_AFTER = 16 * 1024 * 1024;
/**
 * A client that took a stalled write more slowly than this (bytes per ms: 1 MB/s) is slow. A viewer
 * reading at 256 KiB/s has the kernel take a MiB or more at once, then keeps the next write waiting
 * for seconds; a fast client on a long link (1 MiB pending, a 200 ms round trip) still drains 5 MB/s.
 */
const SLOW_RATE = 1000;
/** Nor is a wait shorter than this a sign: the event loop itself can be that late on a busy server. */
const SLOW_WAIT_MS = 100;
/**
 * Bytes one response may send per turn of the event loop. Reads on the spot into writes the kernel
 * takes at once could otherwise send a whole file in one turn, every other connection waiting, and
 * with no buffer given back (write callbacks run on the next tick). nginx bounds a turn the same way
 * (sendfile_max_chunk, 2 MiB).
 */
const TURN_BYTES = 1024 * 1024;

/** Whether a write of `bytes` that took `ms` to drain tells of a slow client. */
export function drainedSlowly(bytes: number, ms: number): boolean {
  return ms > SLOW_WAIT_MS && bytes < SLOW_RATE * ms;
}

/** The size of the next read after the first, given what the connection has shown and carried. */
export function readSize(slow: boolean, carried: number): number {
  return slow || carried < GROW_AFTER ? MIN_BUFFER : MAX_BUFFER;
}

/** The buffers every pump reads into (see buffer-pool.ts). */
export const pool = new BufferPool();

/**
 * Sends status, headers and body, reading the resource into pooled buffers. This is the hot path of
 * every body longer than a small range: no stream, no pipeline, and reads sized by how the socket
 * drains, which is the PITFALLS trade-off between throughput and memory per slow viewer:
 *
 * - the first read is 64 KiB, written with the headers in one go;
 * - then reads are 1 MiB, or 16 KiB on a connection that has carried less than 16 MiB;
 * - a write the kernel cannot take at once keeps its buffer until it drains, and nothing more is read
 *   meanwhile. If it drained slower than 1 MB/s, the client is slow: reads drop to 16 KiB until a
 *   stalled write drains fast again. A slow viewer holds one 16 KiB buffer, and only while the kernel
 *   has no room for it.
 *
 * (Neither a write's return value nor Readable's pull works as the signal: a socket's 16 KiB
 * high-water mark makes every larger write "full" however fast the kernel takes it, and a Readable
 * asks for the next chunk right after each push.)
 *
 * Resolves when everything is handed to the socket, or as soon as the connection is gone; rejects on a
 * read error or anything thrown. The headers leave with the first chunk, so a first read that fails
 * (even in a multipart answer) leaves the caller free to answer 500.
 */
export function pump(
  socket: Socket,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  resource: Reader,
  segments: readonly Segment[],
): Promise<void> {
  return new Promise((resolve, reject) => new Pump(socket, res, status, headers, resource, segments, resolve, reject).run());
}

/** Node's own write: it calls back only once the socket is done with the chunk, so the buffer can be reused. */
const nodeWrite = ServerResponse.prototype.write;

class Pump {
  private index = 0;
  private pos: number;
  private size = FIRST_READ;
  /** Slow client: reads stay at 16 KiB until a stalled write drains fast again. */
  private slow = false;
  private waitingSince = 0;
  private waitingBytes = 0;
  private started = false;
  /** Whether the current range has been checked for a rewrite. */
  private verified = false;
  private settled = false;
  /** Framing text waiting to go out with the next chunk (or the end). */
  private prefix: string[] = [];
  private buffer: Buffer | undefined;
  /** While pread runs: whether its callback came before it returned, and with what. */
  private inline = false;
  private inlineErr: Error | null = null;
  private inlineBytes = -1;
  /**
   * Buffers come from the pool only when res.write is Node's own. A middleware that wraps it (to
   * compress, capture or cache a body) might keep a chunk past its callback, and a reused buffer
   * would then hand it another response's bytes: it gets a buffer of its own per chunk instead.
   */
  private readonly pooled: boolean;

  constructor(
    /** The request's socket: a response queued behind another on a keep-alive socket has none yet. */
    private readonly socket: Socket,
    private readonly res: ServerResponse,
    private readonly status: number,
    private readonly headers: OutgoingHttpHeaders,
    private readonly resource: Reader,
    private readonly segments: readonly Segment[],
    private readonly resolve: () => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.pos = startOf(segments[0]);
    this.pooled = res.write === nodeWrite;
  }

  /** Runs the loop; whatever it throws (a header Node refuses, a source's pread) fails the response. */
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
      if (this.socket.destroyed) return this.done();
      const segment = this.segments[this.index];
      if (segment === undefined) {
        this.send(undefined);
        this.res.end();
        return this.done();
      }
      if (typeof segment === 'string') {
        this.prefix.push(segment);
        this.next();
        continue;
      }
      if (this.pos > segment.end) {
        this.next();
        continue;
      }
      if (turn >= TURN_BYTES) {
        setImmediate(this.run);
        return;
      }
      const length = Math.min(this.size, segment.end - this.pos + 1);
      // The last chunk of a long range: a file rewritten in place while it was sent would leave the
      // client with a body that matches neither version nor the ETag, so check before completing it.
      // Shorter ranges (probes, a player's range requests) are over too soon to meet a rewrite, and
      // the open-file cache shows one to the next request.
      if (!this.verified && this.pos + length > segment.end && segment.end - segment.start + 1 >= CHECK_AFTER && this.resource.verify) {
        this.verified = true;
        this.resource.verify((err) => (err ? this.fail(err) : this.run()));
        return;
      }
      const buffer = this.pooled ? pool.take(length) : Buffer.allocUnsafe(length);
      this.buffer = buffer;
      this.inline = true;
      this.inlineBytes = -1;
      try {
        this.resource.pread(buffer, length, this.pos, this.onRead);
      } finally {
        this.inline = false;
      }
      if (this.inlineBytes === -1) return; // on the thread pool: onRead goes on from there
      turn += this.inlineBytes;
      if (!this.deliver(this.inlineErr, this.inlineBytes)) return;
    }
  }

  private readonly onRead = (err: Error | null, bytesRead: number): void => {
    if (this.inline) {
      this.inlineErr = err;
      this.inlineBytes = bytesRead;
      return;
    }
    try {
      if (this.deliver(err, bytesRead)) this.loop();
    } catch (thrown) {
      this.fail(thrown as Error);
    }
  };

  /** Writes what was read; true to read on at once, false when waiting (or done). */
  private deliver(err: Error | null, bytesRead: number): boolean {
    const buffer = this.buffer!;
    this.buffer = undefined;
    if (err !== null || bytesRead === 0 || this.socket.destroyed) {
      this.giveBack(buffer);
      if (this.socket.destroyed) this.done();
      else this.fail(err ?? new ShortReadError(`file ended at byte ${this.pos}, before ${endOf(this.segments[this.index])}`));
      return false;
    }
    this.pos += bytesRead;
    const ok = this.send(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), buffer);
    const pending = this.res.writableLength;
    if (pending === 0) {
      // The kernel took it all at once.
      this.resize();
      return true;
    }
    if (ok) return true; // under the socket's high-water mark: no 'drain' will come, nor is one needed
    this.waitingSince = performance.now();
    this.waitingBytes = pending;
    this.res.once('drain', this.resume);
    this.socket.once('close', this.resume);
    return false;
  }

  /**
   * Writes the headers (the first time), the framing text waiting, and a chunk, in one go: corked, so
   * that they leave together, and uncorked at once, so that they leave now. (A bare res.write corks the
   * socket until the next tick, and then nothing could tell whether the kernel took the chunk at once.)
   */
  private send(chunk: Buffer | undefined, buffer?: Buffer): boolean {
    this.res.cork();
    try {
      if (!this.started) {
        this.started = true;
        this.res.writeHead(this.status, this.headers);
      }
      let ok = true;
      for (const text of this.prefix) ok = this.res.write(text);
      this.prefix.length = 0;
      if (chunk !== undefined) ok = this.res.write(chunk, this.pooled ? () => pool.give(buffer!) : undefined);
      return ok;
    } finally {
      this.res.uncork();
    }
  }

  private readonly resume = (): void => {
    this.res.off('drain', this.resume);
    this.socket.off('close', this.resume);
    this.slow = drainedSlowly(this.waitingBytes, performance.now() - this.waitingSince);
    this.resize();
    this.run();
  };

  private resize(): void {
    this.size = readSize(this.slow, this.socket.bytesWritten);
  }

  private giveBack(buffer: Buffer): void {
    if (this.pooled) pool.give(buffer);
  }

  private next(): void {
    this.index++;
    this.verified = false;
    this.pos = startOf(this.segments[this.index]);
  }

  private done(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }

  private fail(err: Error): void {
    if (this.buffer !== undefined && !this.inline) {
      this.giveBack(this.buffer);
      this.buffer = undefined;
    }
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }
}

function startOf(segment: Segment | undefined): number {
  return segment === undefined || typeof segment === 'string' ? 0 : segment.start;
}

function endOf(segment: Segment | undefined): number {
  return segment === undefined || typeof segment === 'string' ? 0 : segment.end;
}
