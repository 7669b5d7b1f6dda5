/**
 * The little of HTTP/1.1 the timing clients need, on raw sockets so that client overhead stays far
 * below the server's: a request line, and a response reader for bodies framed by Content-Length or chunked.
 */

export function getRequest(port: number, path: string, headers: Record<string, string> = {}): string {
  const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Reads one response at a time from a socket's chunks: bodies framed by Content-Length, or chunked
 * (Bun.serve frames a streamed body that way and drops the Content-Length, oven-sh/bun#10507).
 */
export class ResponseReader {
  status = 0;
  /** The Content-Length, or -1 before the head and for a chunked body. */
  contentLength = -1;
  /** Body bytes received so far (a chunked body's payload, without its framing). */
  received = 0;
  headDone = false;
  chunked = false;
  private head: Buffer | undefined;
  /** Chunked framing: what is being read, the payload left in the chunk, a line not yet whole. */
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'end' = 'size';
  private chunkLeft = 0;
  private line = '';

  get complete(): boolean {
    return this.headDone && (this.chunked ? this.state === 'end' : this.received >= this.contentLength);
  }

  /** Consumes a chunk; returns how many of its bytes are body bytes. Throws on what it cannot frame. */
  feed(chunk: Buffer): number {
    if (!this.headDone) {
      const buffer = this.head === undefined ? chunk : Buffer.concat([this.head, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffer.length > 64 * 1024) throw new Error('response head larger than 64 KiB');
        this.head = buffer;
        return 0;
      }
      this.head = undefined;
      const head = buffer.subarray(0, end).toString('latin1');
      this.status = Number(head.slice(9, 12));
      this.headDone = true;
      this.chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
      if (!this.chunked) {
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (length === null) throw new Error(`response without Content-Length: ${head.split('\r\n')[0]}`);
        this.contentLength = Number(length[1]);
      }
      chunk = buffer.subarray(end + 4);
    }
    if (this.chunked) return this.feedChunked(chunk);
    this.received += chunk.length;
    if (this.received > this.contentLength) throw new Error('more bytes than Content-Length (pipelining is not used here)');
    return chunk.length;
  }

  private feedChunked(chunk: Buffer): number {
    let body = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'end') throw new Error('bytes after the last chunk (pipelining is not used here)');
      if (this.state === 'data') {
        const take = Math.min(this.chunkLeft, chunk.length - at);
        at += take;
        body += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.state = 'data-end';
        continue;
      }
      // A line: a chunk's size, the CRLF after its data, or a trailer line.
      const lf = chunk.indexOf(10, at);
      this.line += chunk.toString('latin1', at, lf < 0 ? chunk.length : lf + 1);
      if (this.line.length > 1024) throw new Error('chunked framing line longer than 1 KiB');
      if (lf < 0) break;
      at = lf + 1;
      const line = this.line.trimEnd();
      this.line = '';
      if (this.state === 'data-end') {
        if (line !== '') throw new Error('no CRLF after a chunk');
        this.state = 'size';
      } else if (this.state === 'size') {
        const size = Number.parseInt(line, 16);
        if (!Number.isInteger(size) || size < 0) throw new Error(`bad chunk size line ${JSON.stringify(line)}`);
        this.chunkLeft = size;
        this.state = size === 0 ? 'trailer' : 'data';
      } else if (line === '') this.state = 'end'; // the empty line that ends the trailer
    }
    this.received += body;
    return body;
  }

  /** Ready for the next response on the same connection. */
  reset(): void {
    this.status = 0;
    this.contentLength = -1;
    this.received = 0;
    this.headDone = false;
    this.chunked = false;
    this.head = undefined;
    this.state = 'size';
    this.chunkLeft = 0;
    this.line = '';
  }
}

/** Exits when the harness goes away (its end of our stdin closes), even if it was killed with SIGKILL. */
export function exitWithParent(): void {
  process.stdin
    .on('end', () => process.exit(1))
    .on('error', () => process.exit(1))
    .resume();
  process.stdin.unref();
}

export function option(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

/** Deterministic offsets (mulberry32), so every server is asked for the same ranges. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
