/**
 * One table of HTTP cases that every door (createHandler on node:http, Express, the Fetch door on Hono,
 * Bun and Deno, ...) must answer alike over real HTTP: the engine decides, and a door may only carry
 * its answer, never change it. Bodies are compared byte for byte with the files on disk.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Source } from '../../src/source/types.js';
import { parseMultipart, type Reply, request } from '../support/http.js';

/** A door serving a folder over HTTP on 127.0.0.1, as a test started it. */
export interface RunningDoor {
  /** The URL the folder's files are under, ending in '/': `${base}clip.mp4` is the file clip.mp4. */
  base: string;
  /** The source it reads through, when the door runs in this process: the abort case counts its descriptors. */
  source?: Source;
  /** The process serving, when it is another one (Bun, Deno): the abort case counts its descriptors on the served files. */
  pid?: number;
  close(): Promise<void>;
}

/** A way to serve a folder: one entry of the doors list. */
export interface Door {
  name: string;
  start(root: string): Promise<RunningDoor>;
  /** Why the door cannot run here (its runtime is not installed), or false. */
  skip?: string | false;
  /**
   * Middleware that passes what it does not have (a missing file, a method other than GET and HEAD) to
   * the framework's next handler: the door then installs, after itself, a handler answering PASSED_ON.
   */
  passesOn?: boolean;
  /**
   * Why the runtime may frame a streamed body chunked and drop the Content-Length the engine set
   * (Bun.serve does: oven-sh/bun#10507). The bytes are still compared, and a Content-Length it does
   * send must still be exact.
   */
  dropsStreamLength?: string;
}

/** What the handler after a middleware door answers, so that a test sees the request was passed on. */
export const PASSED_ON = { status: 404, header: 'x-passed-on', value: 'yes' } as const;

/** The files every door serves: a clip with a byte pattern, a zero-length file, and one outside the folder. */
export const CLIP_SIZE = 1024 * 1024;
/** Big enough that a download cannot fit in the socket buffers: an abort cuts it mid-body. */
export const BIG_SIZE = 32 * 1024 * 1024;
const SECRET = 'secret outside the served folder';

export interface Fixture {
  dir: string;
  root: string;
  files: Map<string, Buffer>;
  remove(): Promise<void>;
}

/** Writes the served folder (root) inside a temporary folder that also holds secret.txt, outside it. */
export async function makeFixture(): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'seekable-doors-'));
  const root = path.join(dir, 'root');
  await mkdir(root);
  const written: [string, Buffer][] = [
    ['clip.mp4', Buffer.from(Array.from({ length: CLIP_SIZE }, (_, i) => (i * 31) % 251))],
    ['empty.mp4', Buffer.alloc(0)],
    ['big.mp4', Buffer.alloc(BIG_SIZE, 7)],
  ];
  for (const [name, bytes] of written) await writeFile(path.join(root, name), bytes);
  // Bodies are compared with the files as read back from disk, not with what this test meant to write.
  const files = new Map<string, Buffer>();
  for (const [name] of written) files.set(name, await readFile(path.join(root, name)));
  await writeFile(path.join(dir, 'secret.txt'), SECRET);
  return { dir, root, files, remove: () => rm(dir, { recursive: true }) };
}

/** The validators of clip.mp4 as the door reports them, for the conditional cases. */
export interface Validators {
  etag: string;
  lastModified: string;
}

type Body =
  /** No body bytes at all (HEAD, 304, a zero-length file). */
  | 'none'
  /** Not compared: the engine's short text of an error status. */
  | 'text'
  /** The file whole, or the bytes start..end (inclusive) of it. */
  | { file: string; range?: readonly [number, number] }
  /** multipart/byteranges: each part, in order, byte-compared with the file. */
  | { file: string; parts: readonly (readonly [number, number])[] };

export interface Case {
  name: string;
  method?: string;
  /** Relative to the door's base; may carry a query or percent-encoding. */
  path: string;
  headers?: (v: Validators) => Record<string, string>;
  status: number;
  /** Header fields that must have this value (a RegExp: must match), or be absent (null). */
  expect?: (v: Validators) => Record<string, string | RegExp | null>;
  body: Body;
  /** A middleware door passes this request on instead of answering it. */
  notOurs?: boolean;
}

const clip = (start: number, end: number) => ({ file: 'clip.mp4', range: [start, end] as const });
const ranged = (start: number, end: number, size = CLIP_SIZE) => ({
  'content-range': `bytes ${start}-${end}/${size}`,
  'content-length': String(end - start + 1),
  'content-type': 'video/mp4',
});
const whole = { 'content-length': String(CLIP_SIZE), 'content-range': null, 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };

/** The table: every door answers each case alike. */
export const cases: readonly Case[] = [
  { name: 'the whole file', path: 'clip.mp4', status: 200, expect: (v) => ({ ...whole, etag: v.etag }), body: { file: 'clip.mp4' } },
  {
    name: 'a single range',
    path: 'clip.mp4',
    headers: () => ({ Range: 'bytes=1000-1999' }),
    status: 206,
    expect: () => ranged(1000, 1999),
    body: clip(1000, 1999),
  },
  {
    name: 'an open range',
    path: 'clip.mp4',
    headers: () => ({ Range: 'bytes=1000000-' }),
    status: 206,
    expect: () => ranged(1000000, CLIP_SIZE - 1),
    body: clip(1000000, CLIP_SIZE - 1),
  },
  {
    name: 'a suffix range',
    path: 'clip.mp4',
    headers: () => ({ Range: 'bytes=-500' }),
    status: 206,
    expect: () => ranged(CLIP_SIZE - 500, CLIP_SIZE - 1),
    body: clip(CLIP_SIZE - 500, CLIP_SIZE - 1),
  },
  {
    name: 'several ranges answer multipart/byteranges',
    path: 'clip.mp4',
    headers: () => ({ Range: 'bytes=0-99,500000-500099' }),
    status: 206,
    expect: () => ({ 'content-type': /^multipart\/byteranges; boundary=/, 'content-range': null }),
    body: {
      file: 'clip.mp4',
      parts: [
        [0, 99],
        [500000, 500099],
      ],
    },
  },
  {
    name: 'a range past the end is 416',
    path: 'clip.mp4',
    headers: () => ({ Range: 'bytes=2000000-' }),
    status: 416,
    expect: () => ({ 'content-range': `bytes */${CLIP_SIZE}` }),
    body: 'text',
  },
  // RFC 9110 §14.2: a Range that does not parse is ignored.
  {
    name: 'a malformed Range answers 200',
    path: 'clip.mp4',
    headers: () => ({ Range: 'bytes=abc' }),
    status: 200,
    expect: () => whole,
    body: { file: 'clip.mp4' },
  },
  {
    name: 'If-None-Match with the ETag answers 304',
    path: 'clip.mp4',
    headers: (v) => ({ 'If-None-Match': v.etag }),
    status: 304,
    expect: (v) => ({ etag: v.etag, 'content-range': null }),
    body: 'none',
  },
  { name: 'If-Match with another ETag answers 412', path: 'clip.mp4', headers: () => ({ 'If-Match': '"other"' }), status: 412, body: 'text' },
  {
    name: 'If-Range that matches keeps the range',
    path: 'clip.mp4',
    headers: (v) => ({ 'If-Range': v.etag, Range: 'bytes=10-19' }),
    status: 206,
    expect: () => ranged(10, 19),
    body: clip(10, 19),
  },
  {
    name: 'If-Range that does not match answers the whole file',
    path: 'clip.mp4',
    headers: () => ({ 'If-Range': '"other"', Range: 'bytes=10-19' }),
    status: 200,
    expect: () => whole,
    body: { file: 'clip.mp4' },
  },
  { name: 'HEAD', method: 'HEAD', path: 'clip.mp4', status: 200, expect: (v) => ({ ...whole, etag: v.etag }), body: 'none' },
  {
    name: 'HEAD with a Range',
    method: 'HEAD',
    path: 'clip.mp4',
    headers: () => ({ Range: 'bytes=0-99' }),
    status: 206,
    expect: () => ranged(0, 99),
    body: 'none',
  },
  { name: 'a missing file is 404', path: 'missing.mp4', status: 404, body: 'text', notOurs: true },
  { name: 'POST is 405', method: 'POST', path: 'clip.mp4', status: 405, expect: () => ({ allow: 'GET, HEAD' }), body: 'text', notOurs: true },
  { name: 'a path out of the folder (..%2f) is 404', path: '..%2fsecret.txt', status: 404, body: 'text', notOurs: true },
  {
    name: 'a download',
    path: 'clip.mp4?download=1',
    status: 200,
    expect: () => ({ ...whole, 'content-disposition': 'attachment; filename="clip.mp4"' }),
    body: { file: 'clip.mp4' },
  },
  {
    name: 'a zero-length file',
    path: 'empty.mp4',
    status: 200,
    expect: () => ({ 'content-length': '0', 'content-type': 'video/mp4' }),
    body: 'none',
  },
];

/** Reads clip.mp4's validators through the door. */
export async function validatorsOf(door: RunningDoor): Promise<Validators> {
  const r = await request(`${door.base}clip.mp4`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  const etag = r.headers.etag;
  const lastModified = r.headers['last-modified'];
  assert.ok(etag !== undefined && lastModified !== undefined, 'clip.mp4 has an ETag and a Last-Modified');
  return { etag, lastModified };
}

/** Sends a case to a running door and checks the answer: status, header fields, and bytes. */
export async function check(door: RunningDoor, spec: Door, c: Case, v: Validators, fixture: Fixture): Promise<void> {
  const r = await request(`${door.base}${c.path}`, { method: c.method ?? 'GET', headers: c.headers?.(v) });
  if (c.notOurs && spec.passesOn) {
    assert.equal(r.status, PASSED_ON.status);
    assert.equal(r.headers[PASSED_ON.header], PASSED_ON.value, 'passed on to the next handler');
    return;
  }
  assert.equal(r.status, c.status, `status of ${c.name}`);
  for (const [field, want] of Object.entries(c.expect?.(v) ?? {})) {
    const got = r.headers[field];
    if (field === 'content-length' && got === undefined && spec.dropsStreamLength && typeof c.body === 'object') {
      assert.equal(r.headers['transfer-encoding'], 'chunked', `no content-length, so chunked: ${spec.dropsStreamLength}`);
      continue;
    }
    if (want === null) assert.equal(got, undefined, `${field} must be absent`);
    else if (want instanceof RegExp) assert.match(String(got), want, field);
    else assert.equal(got, want, field);
  }
  assert.ok(!r.body.toString('latin1').includes(SECRET), 'nothing from outside the folder');
  checkBody(r, c.body, fixture);
}

function checkBody(r: Reply, body: Body, fixture: Fixture): void {
  if (body === 'none') return assert.equal(r.body.length, 0, 'no body');
  if (body === 'text') return assert.match(String(r.headers['content-type']), /^text\/plain/);
  const file = fixture.files.get(body.file)!;
  if ('parts' in body) {
    const parts = parseMultipart(r.body, String(r.headers['content-type']));
    assert.equal(parts.length, body.parts.length, 'number of parts');
    body.parts.forEach(([start, end], i) => {
      assert.equal(parts[i]!.headers['content-range'], `bytes ${start}-${end}/${file.length}`);
      assert.ok(parts[i]!.data.equals(file.subarray(start, end + 1)), `part ${i} byte-exact`);
    });
    return;
  }
  const [start, end] = body.range ?? [0, file.length - 1];
  assert.equal(r.body.length, end - start + 1, 'body length');
  assert.ok(r.body.equals(file.subarray(start, end + 1)), 'body byte-exact');
}

/**
 * Starts downloads of big.mp4 (whole, an open range, multipart), each cut as soon as its first body
 * bytes arrive: the door must then let go of every descriptor it opened.
 */
export async function abortDownloads(door: RunningDoor, count = 12): Promise<void> {
  const ranges: Record<string, string>[] = [{}, { Range: 'bytes=1000-' }, { Range: 'bytes=0-10,20000000-30000000' }];
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(`${door.base}big.mp4`, { headers: ranges[i % ranges.length], agent: false }, (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          });
          req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
        }),
    ),
  );
}
