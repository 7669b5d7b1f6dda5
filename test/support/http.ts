import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type RequestListener } from 'node:http';
import net from 'node:net';
import { createMediaServer, type ServerLimits } from '../../src/serve/create-server.js';
import type { Handler } from '../../src/serve/handler.js';
import type { FileSource } from '../../src/source/file/file-source.js';
import { S3Source } from '../../src/source/s3/s3-source.js';

export interface TestServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** Starts a real HTTP server on an ephemeral loopback port. */
export async function startServer(listener: RequestListener): Promise<TestServer> {
  const server = http.createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a fresh connection; the body is collected whole. */
export function request(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sends raw bytes on a socket and returns everything the server wrote until it closed the connection
 * (the request should say `Connection: close`). Nothing is normalised on the way, unlike an HTTP client.
 */
export async function rawRequest(port: number, data: string | Buffer, timeoutMs = 5000): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error('raw request timed out')));
  socket.write(data);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

/**
 * What a handler's source still holds open once its keeps are let go: a file source's descriptors
 * (its open-file cache emptied first), a store's requests whose body is open. 0 unless a response
 * leaked one. Counted on the source, not on the process, whose count also moves with the closes of
 * whatever ran before (it made one test fail one run in five). The source stays usable.
 */
export async function leakedDescriptors(handler: Pick<Handler, 'source'>, timeoutMs = 5000): Promise<number> {
  const { source } = handler;
  if (source instanceof S3Source)
    return waitFor(
      () => source.openRequests,
      (n) => n === 0,
      timeoutMs,
    );
  const files = source as FileSource;
  files.close();
  return waitFor(
    () => files.openDescriptors,
    (n) => n === 0,
    timeoutMs,
  );
}

/** Polls until `check` holds or the time is up; returns the last value seen. */
export async function waitFor<T>(read: () => T, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    value = read();
  }
  return value;
}

/** Splits a multipart/byteranges body into its parts' headers and bytes. */
export function parseMultipart(body: Buffer, contentType: string): { headers: Record<string, string>; data: Buffer }[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (boundary === undefined) throw new Error(`no boundary in ${contentType}`);
  const parts: { headers: Record<string, string>; data: Buffer }[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos !== 0) throw new Error('body does not start with the boundary');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // close-delimiter
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    const headers: Record<string, string> = {};
    for (const line of body
      .subarray(pos + 2, headerEnd)
      .toString('latin1')
      .split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const range = /bytes (\d+)-(\d+)\/\d+/.exec(headers['content-range'] ?? '');
    if (range === null) throw new Error('part without Content-Range');
    const start = headerEnd + 4;
    const end = start + Number(range[2]) - Number(range[1]) + 1;
    parts.push({ headers, data: body.subarray(start, end) });
    if (body.subarray(end, end + 2).toString() !== '\r\n') throw new Error('part not followed by CRLF');
    pos = end + 2;
    if (!body.subarray(pos, pos + delimiter.length).equals(delimiter)) throw new Error('missing delimiter');
  }
  return parts;
}

/**
 * createMediaServer on an ephemeral loopback port, collecting any unhandled rejection or uncaught
 * exception in the process while it runs: the hardening tests assert there were none.
 */
export async function startMediaServer(listener: RequestListener, limits: ServerLimits = {}) {
  const server = createMediaServer(listener, limits);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const unexpected: unknown[] = [];
  const onUnexpected = (e: unknown) => unexpected.push(e);
  process.on('unhandledRejection', onUnexpected);
  process.on('uncaughtException', onUnexpected);
  return {
    server,
    port: (server.address() as net.AddressInfo).port,
    unexpected,
    close: () => {
      process.off('unhandledRejection', onUnexpected);
      process.off('uncaughtException', onUnexpected);
      server.closeAllConnections();
      server.close();
    },
  };
}
