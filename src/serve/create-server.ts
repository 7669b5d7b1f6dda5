import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** The limits a media server facing the internet needs (see createMediaServer). */
export interface ServerLimits {
  /** Time a client has to send its request headers, in ms (default 10 s): slowloris is cut here. */
  headersTimeout?: number;
  /** A connection with no bytes moving either way for this long is closed, in ms (default 60 s; 0: never). */
  idleTimeout?: number;
  /** Time a keep-alive connection may wait for its next request, in ms (default 5 s). */
  keepAliveTimeout?: number;
  /** Connections beyond this are refused at once (default 10,000). */
  maxConnections?: number;
}

/** The limits used where none is given. */
export const DEFAULT_LIMITS: Required<ServerLimits> = {
  headersTimeout: 10_000,
  idleTimeout: 60_000,
  keepAliveTimeout: 5_000,
  maxConnections: 10_000,
};

/**
 * A node:http server with limits suited to a media server facing the internet. Node's defaults let
 * a client take 60 s to send headers and checked that only every 30 s; a client that stops reading
 * (but keeps its connection) would hold a file descriptor forever. The idle timeout is what frees
 * those; it also ends a player that stays paused for that long, which reconnects with a Range
 * request when it resumes.
 */
export function createMediaServer(listener: (req: IncomingMessage, res: ServerResponse) => void, limits: ServerLimits = {}): Server {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const server = createServer(
    {
      headersTimeout: l.headersTimeout,
      requestTimeout: Math.max(l.headersTimeout, 30_000), // GET and HEAD have no body: headers are the request
      keepAliveTimeout: l.keepAliveTimeout,
      // How often the timeouts above are enforced; Node's default of 30 s would let a 10 s limit slip to 40 s.
      connectionsCheckingInterval: Math.min(1000, l.headersTimeout),
    },
    listener,
  );
  server.maxConnections = l.maxConnections;
  if (l.idleTimeout > 0) server.setTimeout(l.idleTimeout); // no 'timeout' listener: Node destroys the socket
  return server;
}
