import { connect as netConnect, isIP, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { type AnswerConnection, LARGE_READ, SMALL_READ, StoreAnswer } from './store-answer.js';

/**
 * Every connection reads into one of these two buffers, shared by all of them (net's `onread`): a
 * read's bytes are copied out in its callback (StoreAnswer.received), before any connection's next
 * read can start. 16 KiB reads while the viewer is slow (its connection holds little), 64 KiB, as
 * Node's own sockets read, for a fast one. Over TLS every read is one record's worth at most (16 KiB,
 * as Node hands decrypted bytes on), whichever buffer it lands in.
 */
const smallBuffer = Buffer.allocUnsafeSlow(SMALL_READ);
const largeBuffer = Buffer.allocUnsafeSlow(LARGE_READ);

/** Field values that could end a header line early (a store's ETag is sent back in If-Match). */
const LINE_BREAK = /[\r\n]/;

/** One kept-alive connection to a store's origin, and the answer it is reading, if any. */
class Connection implements AnswerConnection {
  answer: StoreAnswer | undefined;
  readonly socket: Socket;

  constructor(
    readonly origin: string,
    url: URL,
    tls: ConnectionOptions | undefined,
    private readonly pool: StoreConnections,
  ) {
    const onread = {
      // Sized by the answer being read (StoreAnswer.readSizes); a new answer's first reads are small.
      buffer: () => (this.answer?.readsLarge ? largeBuffer : smallBuffer),
      callback: (length: number, read: Buffer) => (this.answer === undefined ? this.unasked() : this.answer.received(read, length)),
    };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    this.socket =
      url.protocol === 'https:'
        ? tlsConnect({
            ...tls,
            host,
            port,
            servername: isIP(host) === 0 ? host : undefined,
            ALPNProtocols: ['http/1.1'],
            onread,
          } as ConnectionOptions)
        : netConnect({ host, port, onread });
    this.socket.setNoDelay(true);
    // Flowing, so that the end of the stream is told ('end') though no data goes through it.
    this.socket.resume();
    this.socket.on('error', (err) => this.answer?.ended(err));
    this.socket.on('end', () => this.answer?.ended(undefined));
    this.socket.once('close', () => {
      this.answer?.ended(new Error('the connection closed'));
      pool.closed(this);
    });
    this.socket.on('timeout', () => this.socket.destroy());
  }

  resume(): void {
    this.socket.resume();
  }

  finished(reusable: boolean, idleMs: number): void {
    this.answer = undefined;
    if (reusable && idleMs > 0 && !this.socket.destroyed) this.pool.idle(this, idleMs);
    else this.socket.destroy();
  }

  /** Bytes on a connection no request of ours is waiting on: it cannot be trusted with the next one. */
  private unasked(): boolean {
    this.socket.destroy();
    return false;
  }
}

/** A request waiting for a connection to its origin: handed one let go of, or leave to open one. */
interface Waiter {
  origin: string;
  grant: (connection: Connection | undefined) => void;
}

/**
 * The S3 source's connections to its store, for its ranged GETs: HTTP/1.1 (over TLS for https URLs),
 * kept alive between requests, at most `maxSockets` per origin (a request beyond waits for one to be
 * free), read by StoreAnswer rather than node:http (see there for why).
 */
export class StoreConnections {
  private readonly free = new Map<string, Connection[]>();
  private readonly counts = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private readonly all = new Set<Connection>();
  private readonly sessions = new Map<string, Buffer>();
  private closedAll = false;

  constructor(
    private readonly maxSockets: number,
    private readonly connectTimeout: number,
    /** TLS options for https stores (a test's own CA); the system's CAs otherwise. */
    private readonly tls?: ConnectionOptions,
  ) {}

  /** Connections open now, in use or kept alive. */
  get open(): number {
    return this.all.size;
  }

  /** Connections whose answer is being read (0 once every reader let go of its body). */
  get busy(): number {
    let busy = 0;
    for (const connection of this.all) if (connection.answer !== undefined) busy++;
    return busy;
  }

  /**
   * GETs `url` with `fields`, resolving with the answer once its head is in (any status: the caller
   * reads it). `signal` aborts it until then, destroying its connection; the body is then the
   * caller's, who ends it with StoreAnswer.finish (the connection kept if it was read to its end,
   * destroyed otherwise). A connection not made within the connect limit fails the request; so
   * does one the store closes before answering (a kept-alive connection it had just let go of):
   * neither got an answer, so the caller may ask again.
   */
  async get(url: URL, fields: Record<string, string>, signal: AbortSignal): Promise<StoreAnswer> {
    if (this.closedAll) throw new Error('the store connections are closed');
    let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    for (const [name, value] of Object.entries(fields)) {
      if (LINE_BREAK.test(value)) throw new TypeError(`a store request's ${name} field cannot hold a line break`);
      head += `${name}: ${value}\r\n`;
    }
    head += '\r\n';
    signal.throwIfAborted();
    const origin = `${url.protocol}//${url.host}`;
    let connection = this.takeFree(origin) ?? (await this.waitOrOpen(url, origin, signal));
    // One handed over by a request that let go of it may have closed since.
    while (connection.socket.destroyed) connection = this.takeFree(origin) ?? (await this.waitOrOpen(url, origin, signal));
    const answer = new StoreAnswer(connection);
    connection.answer = answer;
    const { socket } = connection;
    socket.ref();
    socket.setTimeout(0);
    let timer: NodeJS.Timeout | undefined;
    if (socket.connecting) {
      timer = setTimeout(() => socket.destroy(new Error(`could not connect in ${this.connectTimeout} ms`)), this.connectTimeout);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    }
    const onAbort = () => {
      answer.ended(new Error('aborted'));
      socket.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.write(head);
    try {
      return await answer.headed;
    } finally {
      clearTimeout(timer);
      // From here the body is the caller's to end (StoreAnswer.finish).
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Ends every connection, in use or not; requests after this fail. */
  close(): void {
    this.closedAll = true;
    for (const connection of this.all) connection.socket.destroy();
    for (const waiter of this.waiters.splice(0)) waiter.grant(undefined);
  }

  /** A connection whose answer is over, kept for the next request (a waiting one first). */
  idle(connection: Connection, idleMs: number): void {
    const waiter = this.nextWaiter(connection.origin);
    if (waiter !== undefined) {
      waiter.grant(connection);
      return;
    }
    connection.socket.unref();
    connection.socket.setTimeout(idleMs);
    const list = this.free.get(connection.origin) ?? [];
    list.push(connection);
    this.free.set(connection.origin, list);
  }

  /** A connection closed (by either side): its place goes to a request waiting for one. */
  closed(connection: Connection): void {
    if (!this.all.delete(connection)) return;
    this.counts.set(connection.origin, (this.counts.get(connection.origin) ?? 1) - 1);
    const list = this.free.get(connection.origin);
    const at = list?.indexOf(connection) ?? -1;
    if (at >= 0) list!.splice(at, 1);
    this.nextWaiter(connection.origin)?.grant(undefined);
  }

  private takeFree(origin: string): Connection | undefined {
    const list = this.free.get(origin);
    // The one let go of last: the likeliest to be still open at the store's end.
    for (let connection = list?.pop(); connection !== undefined; connection = list?.pop()) {
      const { socket } = connection;
      if (!socket.destroyed && socket.writable && !socket.readableEnded) return connection;
    }
    return undefined;
  }

  private async waitOrOpen(url: URL, origin: string, signal: AbortSignal): Promise<Connection> {
    for (;;) {
      if ((this.counts.get(origin) ?? 0) < this.maxSockets) return this.openConnection(url, origin);
      const granted = await new Promise<Connection | undefined>((resolve, reject) => {
        const waiter: Waiter = {
          origin,
          grant: (connection) => {
            signal.removeEventListener('abort', onAbort);
            resolve(connection);
          },
        };
        const onAbort = () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(waiter);
      });
      if (this.closedAll) throw new Error('the store connections are closed');
      if (granted !== undefined) return granted;
    }
  }

  private openConnection(url: URL, origin: string): Connection {
    const session = this.sessions.get(origin);
    const connection = new Connection(origin, url, session === undefined ? this.tls : { ...this.tls, session }, this);
    // TLS sessions are resumed on the next connection (as node:https's agent does): no full handshake.
    connection.socket.on('session', (ticket: Buffer) => this.sessions.set(origin, ticket));
    this.all.add(connection);
    this.counts.set(origin, (this.counts.get(origin) ?? 0) + 1);
    return connection;
  }

  private nextWaiter(origin: string): Waiter | undefined {
    const at = this.waiters.findIndex((waiter) => waiter.origin === origin);
    return at < 0 ? undefined : this.waiters.splice(at, 1)[0];
  }
}
