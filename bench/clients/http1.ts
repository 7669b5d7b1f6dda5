/**
 * The little of HTTP/1.1 the timing clients need, on raw sockets so that client overhead stays far
 * below the server's: a request line, and a response reader for bodies framed by Content-Length.
 */

export function getRequest(port: number, path: string, headers: Record<string, string> = {}): string {
  const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Reads one response at a time from a socket's chunks. */
export class ResponseReader {
  status = 0;
  contentLength = -1;
  /** Body bytes received so far. */
  received = 0;
  private head: Buffer | undefined;

  get headDone(): boolean {
    return this.contentLength >= 0;
  }

  get complete(): boolean {
    return this.headDone && this.received >= this.contentLength;
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
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length === null) throw new Error(`response without Content-Length: ${head.split('\r\n')[0]}`);
      this.contentLength = Number(length[1]);
      chunk = buffer.subarray(end + 4);
    }
    this.received += chunk.length;
    if (this.received > this.contentLength) throw new Error('more bytes than Content-Length (pipelining is not used here)');
    return chunk.length;
  }

  /** Ready for the next response on the same connection. */
  reset(): void {
    this.status = 0;
    this.contentLength = -1;
    this.received = 0;
    this.head = undefined;
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
