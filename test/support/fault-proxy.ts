/**
 * A TCP proxy of the test's own between seekable and a store, on loopback, that can misbehave on
 * demand: refuse connections, never answer, reset or stall a body after some bytes, trickle it, or
 * answer every request with a canned response. It counts what it carried, so tests can see that a
 * store connection was reopened, and that every socket is gone afterwards.
 */
import { once } from 'node:events';
import net from 'node:net';

export type Fault =
  /** Carry everything. */
  | { kind: 'none' }
  /** Close connections at once: new ones before any byte, kept-alive ones at their next request. */
  | { kind: 'refuse' }
  /** Take requests and never answer. */
  | { kind: 'silent' }
  /** Answer every request with this raw HTTP response and close; only the next `times` requests when given. */
  | { kind: 'respond'; response: string; times?: number }
  /** Carry `after` more bytes of the store's answers, then reset that connection; `times` times over. */
  | { kind: 'reset'; after: number; times: number }
  /** Carry `after` more bytes of the store's answers, then hold that connection still until `release()`. */
  | { kind: 'stall'; after: number }
  /** Carry the store's answers at `bytesPerSecond`. */
  | { kind: 'slow'; bytesPerSecond: number };

export interface FaultProxy {
  endpoint: string;
  /** What to do from now on (faults counting bytes count from when they are set, on any connection). */
  fault: Fault;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Sockets open now (either side). */
  readonly open: number;
  /** Bytes of the store's answers carried to seekable. */
  readonly carried: number;
  /** Ends a 'stall': the held connection is reset. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`targetPort`. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let connections = 0;
  let carried = 0;
  /** Bytes left before a 'reset' or 'stall' strikes. */
  let countdown = 0;
  const sockets = new Set<net.Socket>();
  const held = new Set<() => void>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };

  const server = net.createServer((client) => {
    connections++;
    track(client);
    if (proxy.fault.kind === 'refuse') return void client.destroy();
    let store: net.Socket | undefined;
    let holding = false;
    const cut = () => {
      client.destroy();
      store?.destroy();
    };
    client.once('close', () => store?.destroy());

    client.on('data', (chunk: Buffer) => {
      const fault = proxy.fault;
      if (fault.kind === 'refuse') return cut();
      if (fault.kind === 'silent') return;
      if (fault.kind === 'respond') {
        if (fault.times !== undefined && --fault.times <= 0) proxy.fault = { kind: 'none' };
        store?.destroy();
        client.end(fault.response);
        return;
      }
      store ??= connectStore();
      store.write(chunk);
    });

    function connectStore(): net.Socket {
      const socket = net.connect(targetPort, '127.0.0.1');
      track(socket);
      socket.once('close', () => client.destroy());
      socket.on('data', (chunk: Buffer) => {
        if (holding) return;
        const fault = proxy.fault;
        let part = chunk;
        if (fault.kind === 'reset' || fault.kind === 'stall') part = chunk.subarray(0, Math.min(chunk.length, countdown));
        carried += part.length;
        const more = client.write(part);
        if (fault.kind === 'reset' || fault.kind === 'stall') {
          countdown -= part.length;
          if (countdown > 0) return;
          if (fault.kind === 'stall') {
            holding = true;
            held.add(cut);
            proxy.fault = { kind: 'none' };
            return;
          }
          fault.times--;
          countdown = fault.after;
          if (fault.times <= 0) proxy.fault = { kind: 'none' };
          return cut();
        }
        if (fault.kind === 'slow') {
          socket.pause();
          setTimeout(() => socket.resume(), (part.length / fault.bytesPerSecond) * 1000);
        } else if (!more) {
          socket.pause();
          client.once('drain', () => socket.resume());
        }
      });
      return socket;
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;

  let fault: Fault = { kind: 'none' };
  const proxy: FaultProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    get fault() {
      return fault;
    },
    set fault(next: Fault) {
      fault = next;
      if (next.kind === 'reset' || next.kind === 'stall') countdown = next.after;
    },
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    get carried() {
      return carried;
    },
    release() {
      for (const cut of held) cut();
      held.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  return proxy;
}
