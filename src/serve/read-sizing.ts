import { MAX_BUFFER, MIN_BUFFER } from './buffer-pool.js';

/**
 * How much a body reads at a time, by how the client drains: the trade-off between throughput (large
 * reads, fewer syscalls: 1 MiB roughly doubles it against 64 KiB) and memory per slow viewer (a
 * stalled write holds its whole buffer).
 *
 * - the first read is 64 KiB, written with the headers in one go: what a player needs to start;
 * - then 16 KiB until the connection has carried 16 MiB, 1 MiB after that;
 * - a write the client could not take at once keeps its buffer until it drains, and nothing more is
 *   read meanwhile. If it drained slower than 1 MB/s, the client is slow: reads drop to 16 KiB until
 *   a stalled write drains fast again. A slow viewer holds one 16 KiB buffer, and only while its
 *   connection has no room for it.
 */
export class ReadSizer {
  /** The size of the next read. */
  size = FIRST_READ;
  /** Slow client: reads stay at 16 KiB until a stalled write drains fast again. */
  private slow = false;

  /** The connection took a whole write at once; it has carried `carried` bytes so far. */
  taken(carried: number): void {
    this.size = readSize(this.slow, carried);
  }

  /** A stalled write of `bytes` took `ms` to drain; the connection has carried `carried` bytes so far. */
  drained(bytes: number, ms: number, carried: number): void {
    this.slow = drainedSlowly(bytes, ms);
    this.size = readSize(this.slow, carried);
  }
}

/** The first read of a body: what a player needs to start, sent in one write with the headers. */
export const FIRST_READ = 64 * 1024;
/**
 * Reads grow past 16 KiB only on connections that have carried this much. The kernel takes the first
 * few MiB of any connection at once (its send buffer grows to 4 MiB on Linux), so a slow viewer looks
 * fast until that fills, and the chunk caught in flight at that moment then waits for seconds: with
 * 64 KiB reads, 1,000 fresh slow viewers held 48 MiB that way. Past what kernel buffers hold, a
 * connection whose writes still complete at once really is fast. (In the benchmark's seek storm, the
 * first 16 of a connection's ~500 requests pay for this.)
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

/** Whether a write of `bytes` that took `ms` to drain tells of a slow client. */
export function drainedSlowly(bytes: number, ms: number): boolean {
  return ms > SLOW_WAIT_MS && bytes < SLOW_RATE * ms;
}

/** The size of the next read after the first, given what the connection has shown and carried. */
export function readSize(slow: boolean, carried: number): number {
  return slow || carried < GROW_AFTER ? MIN_BUFFER : MAX_BUFFER;
}
