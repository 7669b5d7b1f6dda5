import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';

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

/** The certificate and its private key, PEM-encoded, of a secure media server. */
export interface TlsCredentials {
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * createMediaServer over TLS: HTTP/2 for clients that offer it in ALPN (every browser), HTTP/1.1 for
 * the others, on one port, with the same limits. HTTP/1.1 connections get the same header, request
 * and keep-alive timeouts; both kinds are closed after `idleTimeout` with nothing moving (an HTTP/2
 * session with all its streams), and connections beyond `maxConnections` are refused. `listener` is
 * a node:http listener (createHandler, createApp): on HTTP/2 it is handed node:http2's compatibility
 * request and response, which answer every call those make. Throws if the certificate or key is
 * not valid PEM or they do not belong together.
 */
export function createSecureMediaServer(
  tls: TlsCredentials,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits = {},
): Http2SecureServer {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const server = createSecureServer(
    { cert: tls.cert, key: tls.key, allowHTTP1: true },
    listener as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void,
  );
  // Read by node:http's connection handling, which serves the HTTP/1.1 connections (allowHTTP1);
  // the checking interval is read when the server starts listening.
  const http1 = server as unknown as {
    headersTimeout: number;
    requestTimeout: number;
    keepAliveTimeout: number;
    connectionsCheckingInterval: number;
  };
  http1.headersTimeout = l.headersTimeout;
  http1.requestTimeout = Math.max(l.headersTimeout, 30_000);
  http1.keepAliveTimeout = l.keepAliveTimeout;
  http1.connectionsCheckingInterval = Math.min(1000, l.headersTimeout);
  server.maxConnections = l.maxConnections;
  // No 'timeout' listener: Node destroys the idle session (HTTP/2) or socket (HTTP/1.1).
  if (l.idleTimeout > 0) server.setTimeout(l.idleTimeout);
  return server;
}
