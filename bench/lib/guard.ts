/**
 * The correctness guard: before a server is measured, its answers are compared byte for byte with the
 * files. A fast wrong answer must never count as a win.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { request } from 'node:http';
import { BIG, SMALL, type Media } from './media.js';

interface Check {
  file: string;
  filePath: string;
  size: number;
  range?: string;
  /** Inclusive byte positions the answer must hold. */
  start: number;
  end: number;
  status: 200 | 206;
}

function checks(media: Media): Check[] {
  const small = { file: SMALL, filePath: media.smallPath, size: media.smallSize };
  const big = { file: BIG, filePath: media.bigPath, size: media.bigSize };
  const midStart = media.bigSize / 2 - 12_345; // unaligned, and across a page and a block boundary
  const midEnd = midStart + 1024 * 1024 + 16;
  return [
    { ...small, start: 0, end: small.size - 1, status: 200 },
    { ...small, range: 'bytes=0-1', start: 0, end: 1, status: 206 },
    { ...small, range: 'bytes=100-199', start: 100, end: 199, status: 206 },
    { ...small, range: 'bytes=-500', start: small.size - 500, end: small.size - 1, status: 206 },
    { ...big, range: `bytes=${midStart}-${midEnd}`, start: midStart, end: midEnd, status: 206 },
  ];
}

function expected(check: Check): Buffer {
  const fd = openSync(check.filePath, 'r');
  try {
    const buffer = Buffer.alloc(check.end - check.start + 1);
    readSync(fd, buffer, 0, buffer.length, check.start);
    return buffer;
  } finally {
    closeSync(fd);
  }
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, check: Check): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = check.range === undefined ? {} : { range: check.range };
    const req = request({ host: '127.0.0.1', port, path: `/${check.file}`, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > 64 * 1024 * 1024) req.destroy(new Error('answer larger than 64 MiB'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

function verify(check: Check, answer: Answer): string[] {
  const problems: string[] = [];
  const want = expected(check);
  if (answer.status !== check.status) problems.push(`status ${answer.status}, expected ${check.status}`);
  if (check.status === 206) {
    const contentRange = `bytes ${check.start}-${check.end}/${check.size}`;
    if (answer.headers['content-range'] !== contentRange) {
      problems.push(`Content-Range ${JSON.stringify(answer.headers['content-range'])}, expected "${contentRange}"`);
    }
  }
  if (answer.headers['content-length'] !== String(want.length)) {
    problems.push(`Content-Length ${JSON.stringify(answer.headers['content-length'])}, expected "${want.length}"`);
  }
  if (!answer.body.equals(want)) {
    let at = 0;
    while (at < want.length && answer.body[at] === want[at]) at++;
    problems.push(`body of ${answer.body.length} bytes differs from the file's ${want.length} bytes (first difference at body byte ${at})`);
  }
  return problems;
}

/** Throws one error listing every failed check when the server does not serve the files exactly. */
export async function guard(server: string, port: number, media: Media): Promise<void> {
  const failures: string[] = [];
  for (const check of checks(media)) {
    const label = `GET /${check.file}${check.range === undefined ? ' (whole file)' : ` with Range: ${check.range}`}`;
    try {
      for (const problem of verify(check, await get(port, check))) failures.push(`${label}: ${problem}`);
    } catch (err) {
      failures.push(`${label}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) {
    throw new Error(`correctness guard failed for ${server}; nothing was measured:\n  ${failures.join('\n  ')}`);
  }
}
