import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Http2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { BodyWriter, WriteOutcome } from './body-writer.js';

/** Node's own write: it calls back only once the socket is done with the chunk, so the buffer can be reused. */
const nodeWrite = ServerResponse.prototype.write;

/**
 * A BodyWriter over a node:http response, or over node:http2's compatibility response (which
 * `http2.createServer(handler)` and `http2.createSecureServer({ allowHTTP1: true }, handler)` hand a
 * handler). Every write is corked and uncorked at once, so that the headers, framing text and chunk
 * leave together and leave now: a bare res.write corks the socket until the next tick, and then nothing
 * could tell whether the kernel took the chunk at once. (Neither a write's return value nor a
 * Readable's pull works as the signal: a socket's 16 KiB high-water mark makes every larger write
 * "full" however fast the kernel takes it.)
 *
 * On HTTP/2 the response's own stream is watched, never `req.socket`: that is a proxy whose `once`
 * reaches the stream while its `off` reaches the session's socket, so a 'close' listener added per
 * wait could never be taken off again (1,201 of them in one 200 MB download, and a
 * MaxListenersExceededWarning).
 */
export class NodeBodyWriter implements BodyWriter {
  private started = false;
  /**
   * Buffers are reused only when res.write is Node's own. A middleware that wraps it (to compress,
   * capture or cache a body) might keep a chunk past its callback, and a reused buffer would then hand
   * it another response's bytes.
   */
  readonly reusable: boolean;
  /**
   * What ends with the client, and says so with 'close': on HTTP/1.1 the request's socket (a response
   * queued behind another on a keep-alive socket has none of its own yet, and would never hear of a
   * cut connection); on HTTP/2 the response's stream, which closes with its session too.
   */
  private readonly carrier: Socket | Http2Stream;
  /** HTTP/2 only: the bytes handed to the stream so far (headers not counted). */
  private readonly h2: boolean;
  private written = 0;
  /** Called once, just before the status line and headers are handed to the response (metrics' time to first byte). */
  onStart: (() => void) | undefined;

  /**
   * `status` and `headers` go out with the first write. Without them, the response goes out with the
   * status and headers already set on it (by a framework that sends a body it was given: Koa), and
   * `ends` false leaves it open after the last chunk, for whoever piped the body to end it.
   */
  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly status?: number,
    private readonly headers?: OutgoingHttpHeaders,
    private readonly ends = true,
  ) {
    this.reusable = res.write === nodeWrite;
    const stream = (req as { stream?: Http2Stream }).stream;
    this.h2 = stream !== undefined;
    this.carrier = stream ?? req.socket;
  }

  get gone(): boolean {
    return this.carrier.destroyed;
  }

  /**
   * HTTP/1.1: what the socket has carried. HTTP/2: what this stream has carried (written, less what
   * it still holds); the session's socket is shared by every stream on it, and other streams' bytes
   * say nothing of how this one drains.
   */
  get carried(): number {
    return this.h2 ? this.written - this.res.writableLength : (this.carrier as Socket).bytesWritten;
  }

  get pending(): number {
    return this.res.writableLength;
  }

  write(text: readonly string[], chunk: Buffer | undefined, free: (() => void) | undefined, last: boolean): WriteOutcome {
    const res = this.res;
    if (!this.started && last && free === undefined && text.length === 0 && this.ends) {
      // A whole body at once, in a buffer nobody reuses: headers and bytes in one end(), as node:http
      // sends any small answer, with no corking and no write callback to track.
      this.started = true;
      this.onStart?.();
      if (this.status !== undefined) res.writeHead(this.status, this.headers);
      res.end(chunk);
      if (this.h2 && chunk !== undefined) this.written += chunk.length;
      return 'taken';
    }
    let ok = true;
    res.cork();
    try {
      if (!this.started) {
        this.started = true;
        this.onStart?.();
        if (this.status !== undefined) res.writeHead(this.status, this.headers);
      }
      for (const piece of text) ok = res.write(piece);
      // write, then end: a callback given to end() would wait for 'finish', which a cut connection never emits.
      if (chunk !== undefined) ok = res.write(chunk, free);
      if (last && this.ends) res.end();
    } finally {
      res.uncork();
    }
    if (this.h2) {
      // Framing text is latin1 (ASCII, in fact): its length is its bytes.
      for (const piece of text) this.written += piece.length;
      if (chunk !== undefined) this.written += chunk.length;
    }
    if (res.writableLength === 0) return 'taken';
    return ok ? 'held' : 'full';
  }

  onRoom(callback: () => void): void {
    const carrier = this.carrier;
    const resume = () => {
      this.res.off('drain', resume);
      carrier.off('close', resume);
      callback();
    };
    this.res.once('drain', resume);
    carrier.once('close', resume);
  }
}
