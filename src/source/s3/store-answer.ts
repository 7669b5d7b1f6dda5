import { BufferPool } from '../../serve/buffer-pool.js';
import { keepAliveMs, parseHead } from './answer-head.js';

/** What an answer needs of the connection it arrives on (store-connections.ts). */
export interface AnswerConnection {
  /** Reads again after received() returned false. */
  resume(): void;
  /** The answer is over: the connection goes back to the pool for `idleMs` if `reusable`, else is destroyed. */
  finished(reusable: boolean, idleMs: number): void;
}

/** A head longer than this is no store's: S3's are about 1 KiB. */
const HEAD_LIMIT = 64 * 1024;
/** How long a connection kept alive waits for its next request unless the store says less (Keep-Alive). */
const IDLE_MS = 15_000;
/** The two read sizes (see readSizes); reading stops while a read's worth waits untaken. */
export const SMALL_READ = 16 * 1024;
export const LARGE_READ = 64 * 1024;
/**
 * A body with no more than this left to read goes into the client's kernel socket buffers whatever
 * the client's pace (Linux grows a connection's send buffer to 4 MiB, and the first few MiB of any
 * connection leave at once): nothing of it waits behind a slow client for long, so it is read in
 * large pieces.
 */
const SHORT_BODY = 2 * 1024 * 1024;

/** Body bytes received and not yet taken, in chunks of this pool: given back as soon as they are taken. */
const chunks = new BufferPool();

/**
 * One store answer on one connection, from its head to the end of its body, read without node:http.
 *
 * Each read of the connection (into a buffer the connections share) is handed to received(): the
 * head is parsed once it is all in, and the body's bytes are copied into a pooled chunk and queued
 * until the reader takes them (take(), which copies them into the executor's own buffer). So a byte
 * is copied twice on its way and no buffer is made per read. node:http's client made two (the
 * socket's read, and its parser's copy of the body bytes in it: `Buffer::Copy` in on_body), dead
 * 16–64 KiB pieces piling up between collections, and an IncomingMessage and a ClientRequest per
 * GET. Measured with bench:s3's slow viewers (500 at 256 KiB/s, alternating builds): RSS per viewer
 * 174–192 → 95–104 KiB, bytes held 41 → 25 KiB; CPU per random 1 MiB range 3.6–5.1 → 2.6–3.3 ms,
 * per Safari probe 0.87–0.90 → 0.59–0.65 ms.
 *
 * Reads stop while a read's worth of bytes waits untaken, so a slow viewer leaves the rest of its
 * body in the kernel's socket buffers and the store's: backpressure end to end, at most a read or two
 * held here. Only what ranged GETs of S3 get is read: a Content-Length body, or (for error answers,
 * which are read for their code and never reused) one in chunks or to the connection's end.
 */
export class StoreAnswer {
  status = 0;
  /** The status line's reason phrase ("Forbidden"), for messages. */
  reason = '';
  fields: Record<string, string> = {};
  /** Why no more of the body will come, when it was lost before its end. */
  lost: Error | undefined;
  /** Called when bytes arrive, the body is complete, or it is lost. */
  onChange: (() => void) | undefined;
  /** Resolves when the head is in; rejects when the connection fails before it. */
  readonly headed: Promise<StoreAnswer>;

  private headText: string | undefined = '';
  /** Body bytes still to arrive (by Content-Length); -1 when the body runs to the connection's end or in chunks. */
  private left = -1;
  private complete = false;
  private reusable = true;
  private idleMs = IDLE_MS;
  /** Received body bytes not yet taken: pooled chunks filled up to `ends[i]`, the first one taken up to `offset`. */
  private readonly queue: Buffer[] = [];
  private readonly ends: number[] = [];
  private offset = 0;
  private queued = 0;
  /** Whether the connection's next reads are 64 KiB rather than 16 (readSizes). */
  private large = false;
  private paused = false;
  private over = false;
  private settleHead!: { resolve: (answer: StoreAnswer) => void; reject: (err: Error) => void };

  constructor(private readonly connection: AnswerConnection) {
    this.headed = new Promise((resolve, reject) => {
      this.settleHead = { resolve, reject };
    });
    // Rejections are awaited by the connections' get(); this keeps one arriving after an abort quiet.
    this.headed.catch(() => undefined);
  }

  /** Body bytes received and not yet taken. */
  get buffered(): number {
    return this.queued;
  }

  /** The size of the connection's reads now. */
  private get readSize(): number {
    return this.large ? LARGE_READ : SMALL_READ;
  }

  /** Whether every byte of the body arrived and was taken. */
  get done(): boolean {
    return this.complete && this.queued === 0;
  }

  /**
   * `length` bytes read into `read` (a buffer shared by every connection: they are copied out now).
   * Returns false to stop reading until the queued bytes are taken.
   */
  received(read: Buffer, length: number): boolean {
    if (this.over) return false;
    let from = 0;
    if (this.headText !== undefined) {
      from = this.receiveHead(read, length);
      if (from < 0) return true;
    }
    if (from < length) this.receiveBody(read, from, length);
    this.paused = this.queued >= this.readSize;
    return !this.paused;
  }

  /** The connection ended (`why` undefined: the store closed it cleanly) or failed. */
  ended(why: Error | undefined): void {
    if (this.over) return;
    if (this.headText !== undefined) {
      this.settleHead.reject(why ?? new Error('the store closed the connection before answering'));
    } else if (this.left === -1 && why === undefined) {
      this.complete = true; // a body that runs to the connection's end
    } else if (!this.complete) {
      this.lost ??= why ?? new Error('the connection closed mid-body');
    }
    this.reusable = false;
    this.onChange?.();
  }

  /**
   * Copies up to `length` received bytes into `buffer` from its offset 0; 0 when none are waiting.
   * Reads start again once the bytes waiting are fewer than a read.
   */
  take(buffer: Buffer, length: number): number {
    let n = 0;
    while (n < length && this.queue.length > 0) {
      const chunk = this.queue[0]!;
      const end = this.ends[0]!;
      const count = Math.min(length - n, end - this.offset);
      chunk.copy(buffer, n, this.offset, this.offset + count);
      n += count;
      this.offset += count;
      if (this.offset === end) {
        this.queue.shift();
        this.ends.shift();
        chunks.give(chunk);
        this.offset = 0;
      }
    }
    this.queued -= n;
    if (this.paused && this.queued < this.readSize && !this.over) {
      this.paused = false;
      this.connection.resume();
    }
    return n;
  }

  /**
   * Sizes the connection's reads for a reader that takes `wanted` bytes at a time and has `left`
   * bytes to go: 64 KiB when it takes that much (1 MiB reads, see ReadSizer) or little is left (it
   * fits in the client's kernel buffers, SHORT_BODY), else 16 KiB, so a slow viewer's connection holds
   * one small read.
   */
  readSizes(wanted: number, left: number): void {
    this.large = wanted >= LARGE_READ || left <= SHORT_BODY;
  }

  /** Whether the connection reads 64 KiB at a time for this answer now, else 16 KiB. */
  get readsLarge(): boolean {
    return this.large;
  }

  /**
   * The body as text, for an error answer's code: read until it is complete, lost, longer than
   * `limit`, or holds S3's closing `</Error>` (a body in chunks on a kept connection has no other
   * end we read), or until `signal` aborts; the connection is finished with (kept only if the body
   * was complete). What arrived by then is the text.
   */
  async text(limit: number, signal: AbortSignal): Promise<string> {
    let text = '';
    const wake = () => this.onChange?.();
    signal.addEventListener('abort', wake, { once: true });
    try {
      for (;;) {
        const bytes = Buffer.alloc(Math.min(this.queued, limit - text.length));
        this.take(bytes, bytes.length);
        text += bytes.toString('utf8');
        if (this.complete || this.lost !== undefined || text.length >= limit || text.includes('</Error>') || signal.aborted) break;
        await new Promise<void>((resolve) => {
          this.onChange = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', wake);
      this.finish();
    }
    return text;
  }

  /** Done with the answer: its connection goes back to the pool if the body was read to its end, else is destroyed. */
  finish(): void {
    if (this.over) return;
    const reusable = this.reusable && this.done;
    this.over = true;
    // A read waiting for bytes learns at once that none will come.
    const waiting = this.onChange;
    this.onChange = undefined;
    waiting?.();
    for (const chunk of this.queue) chunks.give(chunk);
    this.queue.length = 0;
    this.ends.length = 0;
    this.queued = 0;
    this.connection.finished(reusable, this.idleMs);
  }

  /** Parses the head once its blank line is in; returns where the body starts in `read`, or -1 when the head goes on. */
  private receiveHead(read: Buffer, length: number): number {
    let text = this.headText! + read.toString('latin1', 0, length);
    /** Where this read's bytes begin in `text` (below 0 once a 1xx head took some of them). */
    let readAt = this.headText!.length;
    for (;;) {
      const end = text.indexOf('\r\n\r\n', Math.max(0, readAt - 3));
      if (end < 0 ? text.length > HEAD_LIMIT : end > HEAD_LIMIT) {
        this.failHead(new Error(`the store's answer has a head over ${HEAD_LIMIT} bytes`));
        return -1;
      }
      if (end < 0) {
        this.headText = text;
        return -1;
      }
      const head = parseHead(text.slice(0, end));
      if (head === undefined) {
        this.failHead(new Error(`the store's answer is not HTTP/1.x: ${JSON.stringify(text.slice(0, 80))}`));
        return -1;
      }
      // 1xx answers come before the real one (RFC 9110 §15.2); none is asked for, but they are allowed.
      if (head.status < 200) {
        text = text.slice(end + 4);
        readAt -= end + 4;
        continue;
      }
      this.headText = undefined;
      this.status = head.status;
      this.reason = head.reason;
      this.fields = head.fields;
      this.frame(head.http10);
      this.settleHead.resolve(this);
      return end + 4 - readAt;
    }
  }

  /** How the body ends (RFC 9112 §6.3): by Content-Length, else in chunks or at the connection's end, never reused then. */
  private frame(http10: boolean): void {
    const { fields } = this;
    const connection = fields.connection ?? '';
    if (/\bclose\b/i.test(connection) || (http10 && !/\bkeep-alive\b/i.test(connection))) this.reusable = false;
    this.idleMs = keepAliveMs(fields, IDLE_MS);
    const length = fields['content-length'];
    if (fields['transfer-encoding'] === undefined && length !== undefined && /^\d+$/.test(length)) {
      this.left = Number(length);
      this.complete = this.left === 0;
    } else {
      this.left = -1;
      this.reusable = false;
    }
  }

  private receiveBody(read: Buffer, from: number, to: number): void {
    let count = to - from;
    if (this.left >= 0) {
      if (count > this.left) {
        this.reusable = false; // bytes past the body: the connection is not in a state to reuse
        count = this.left;
      }
      this.left -= count;
      if (this.left === 0) this.complete = true;
    }
    if (count > 0) {
      // Into the last chunk while it has room (TLS delivers a record at a time), else a new one.
      const last = this.queue.length - 1;
      if (last >= 0 && this.ends[last]! + count <= this.queue[last]!.length) {
        read.copy(this.queue[last]!, this.ends[last]!, from, from + count);
        this.ends[last]! += count;
      } else {
        const chunk = chunks.take(count);
        read.copy(chunk, 0, from, from + count);
        this.queue.push(chunk);
        this.ends.push(count);
      }
      this.queued += count;
    }
    this.onChange?.();
  }

  private failHead(err: Error): void {
    this.headText = undefined;
    this.reusable = false;
    this.over = true;
    this.settleHead.reject(err);
    this.connection.finished(false, 0);
  }
}
