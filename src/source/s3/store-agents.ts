import { type ClientRequestArgs, Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import { BufferPool } from '../../serve/buffer-pool.js';

/**
 * How store connections read from their sockets. Node's own sockets read 64 KiB at a time into a
 * fresh buffer, which the HTTP parser copies the body out of (into another fresh buffer), so a relay
 * of store answers left two dead chunks per read piling up between collections, besides the live
 * ones: a store connection behind a paused viewer held a 64 KiB chunk in the answer's IncomingMessage
 * and one in our reader (bench:s3, 500 viewers at 256 KiB/s: 285 KiB of RSS per viewer, 148 KiB of it
 * read and not yet written).
 *
 * These sockets read with net's `onread` into one buffer shared by every connection (a read's bytes
 * are copied out before any socket's next read can start), which also stops a socket's reads as soon
 * as it is paused, and hand each read's bytes on in a pooled chunk, used again once parsed
 * (pushRead). They read as much at a time as their reader takes (sizeReads): 16 KiB for a long body
 * sent in 16 KiB writes (a new or slow client, see ReadSizer), 64 KiB, as Node does, for one that
 * takes 1 MiB at a time, and for the last 2 MiB of any body (a player's range requests). 500 viewers at 256 KiB/s: 142 KiB of RSS per viewer, 42 KiB read and not yet
 * written; random 1 MiB ranges cost no more CPU than Node's own reads did (4 times as many 16 KiB
 * reads, but no fresh buffer per read).
 */
const SMALL_READ = 16 * 1024;
const LARGE_READ = 64 * 1024;
const smallBuffer = Buffer.allocUnsafeSlow(SMALL_READ);
const largeBuffer = Buffer.allocUnsafeSlow(LARGE_READ);

/** Chunks of store answers, used again once parsed (pushRead); at most 8 MiB of them kept idle. */
const chunks = new BufferPool();
/**
 * A read's bytes, pushed into `socket`'s readable side in a chunk from the pool. A chunk the socket
 * did not keep (it went straight to node:http's parser, which turns the headers into strings and
 * copies the body bytes it hands on: `Buffer::Copy` in its on_body) is given back at once, so the next
 * read reuses it; one it keeps (buffered while nothing reads the socket) is left to the garbage
 * collector. Were a Node version to hand on views of the chunk instead, the next read would overwrite
 * bytes an answer still holds: s3-store-agents.test.ts reads 8 connections at once and compares every
 * byte, which would fail then.
 */
function pushRead(socket: Readable, into: Buffer, length: number): boolean {
  const chunk = chunks.take(length);
  into.copy(chunk, 0, 0, length);
  const more = socket.push(length === chunk.length ? chunk : chunk.subarray(0, length));
  if (socket.readableLength === 0) chunks.give(chunk);
  return more;
}

/** A store connection's reads: its socket, and whether they are small (sizeReads). */
interface Reads {
  small: boolean;
  socket: Readable | undefined;
}
const reads = Symbol('seekable.storeReads');

/**
 * A body with no more than this left to read goes into the client's kernel socket buffers whatever
 * the client's pace (Linux grows a connection's send buffer to 4 MiB, and the first few MiB of any
 * connection leave at once): nothing of it waits behind a slow client for long, so it is read in
 * large pieces.
 */
const SHORT_BODY = 2 * 1024 * 1024;

/**
 * Sizes the reads of the store connection an answer arrives on, for a reader that takes `wanted`
 * bytes at a time and has `left` bytes of the answer to read: 64 KiB from the next read on when it
 * takes that much or little is left, else 16 KiB. Nothing for a stream that is not one of these
 * agents' answers.
 */
export function sizeReads(answer: Readable, wanted: number, left: number): void {
  const state = (answer as { socket?: { [reads]?: Reads } }).socket?.[reads];
  if (state !== undefined) state.small = wanted < LARGE_READ && left > SHORT_BODY;
}

type Connected = (err: Error | null, stream: Duplex) => void;

/**
 * Makes a connection through `connect` with net's `onread` (see the top of this file): each read's
 * bytes are copied out of the shared buffer into a chunk and pushed into the socket's readable side
 * as Node's own reads are; push() returning false (the HTTP parser's answer is full, or the socket is
 * paused) stops the reads until the socket is resumed.
 */
function connectReadingShared(connect: (options: ClientRequestArgs) => Duplex | null | undefined, options: ClientRequestArgs) {
  const state: Reads = { small: true, socket: undefined };
  const buffer = () => (state.small ? smallBuffer : largeBuffer);
  const callback = (length: number, into: Buffer) => (state.socket === undefined ? false : pushRead(state.socket, into, length));
  const socket = connect({ ...options, onread: { buffer, callback } } as ClientRequestArgs);
  if (socket) {
    state.socket = socket;
    Object.defineProperty(socket, reads, { value: state });
  }
  return socket;
}

/** node:http's agent, each of whose connections reads through `connectReadingShared`. */
class StoreHttpAgent extends HttpAgent {
  override createConnection(options: ClientRequestArgs, callback?: Connected): Duplex | null | undefined {
    return connectReadingShared((o) => super.createConnection(o, callback), options);
  }
}

/** node:https's agent (TLS sessions kept as usual), each of whose connections reads through `connectReadingShared`. */
class StoreHttpsAgent extends HttpsAgent {
  override createConnection(options: ClientRequestArgs, callback?: Connected): Duplex | null | undefined {
    return connectReadingShared((o) => super.createConnection(o, callback), options);
  }
}

/** Kept-alive agents for the store's requests, at most `maxSockets` connections per store host. */
export function storeAgents(maxSockets: number): { http: HttpAgent; https: HttpsAgent } {
  const options = { keepAlive: true, maxSockets };
  return { http: new StoreHttpAgent(options), https: new StoreHttpsAgent(options) };
}
