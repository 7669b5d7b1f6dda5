import { ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { BodyWriter, WriteOutcome } from './body-writer.js';

/** Node's own write: it calls back only once the socket is done with the chunk, so the buffer can be reused. */
const nodeWrite = ServerResponse.prototype.write;

/**
 * A BodyWriter over a node:http response. Every write is corked and uncorked at once, so that the
 * headers, framing text and chunk leave together and leave now: a bare res.write corks the socket
 * until the next tick, and then nothing could tell whether the kernel took the chunk at once. (Neither
 * a write's return value nor a Readable's pull works as the signal: a socket's 16 KiB high-water mark
 * makes every larger write "full" however fast the kernel takes it.)
 */
export class NodeBodyWriter implements BodyWriter {
  private started = false;
  /**
   * Buffers are reused only when res.write is Node's own. A middleware that wraps it (to compress,
   * capture or cache a body) might keep a chunk past its callback, and a reused buffer would then hand
   * it another response's bytes.
   */
  readonly reusable: boolean;

  constructor(
    /** The request's socket: a response queued behind another on a keep-alive socket has none of its own yet. */
    private readonly socket: Socket,
    private readonly res: ServerResponse,
    private readonly status: number,
    private readonly headers: OutgoingHttpHeaders,
  ) {
    this.reusable = res.write === nodeWrite;
  }

  get gone(): boolean {
    return this.socket.destroyed;
  }

  get carried(): number {
    return this.socket.bytesWritten;
  }

  get pending(): number {
    return this.res.writableLength;
  }

  write(text: readonly string[], chunk: Buffer | undefined, free: (() => void) | undefined, last: boolean): WriteOutcome {
    const res = this.res;
    let ok = true;
    res.cork();
    try {
      if (!this.started) {
        this.started = true;
        res.writeHead(this.status, this.headers);
      }
      for (const piece of text) ok = res.write(piece);
      // write, then end: a callback given to end() would wait for 'finish', which a cut connection never emits.
      if (chunk !== undefined) ok = res.write(chunk, free);
      if (last) res.end();
    } finally {
      res.uncork();
    }
    if (res.writableLength === 0) return 'taken';
    return ok ? 'held' : 'full';
  }

  onRoom(callback: () => void): void {
    const resume = () => {
      this.res.off('drain', resume);
      this.socket.off('close', resume);
      callback();
    };
    this.res.once('drain', resume);
    this.socket.once('close', resume);
  }
}
