/**
 * The correctness guard: before a server is measured, its answers are compared byte for byte with the
 * files. A fast wrong answer must never count as a win.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { request } from 'node:http';
import { BIG, SMALL, type Media } from './media.js';

/** The guard's cases by name: what each row of the doors section needs its server to get right. */
export type CaseName = 'whole' | 'probe' | 'range' | 'suffix' | 'middle';

interface Check {
  name: CaseName;
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
    { name: 'whole', ...small, start: 0, end: small.size - 1, status: 200 },
    { name: 'probe', ...small, range: 'bytes=0-1', start: 0, end: 1, status: 206 },
    { name: 'range', ...small, range: 'bytes=100-199', start: 100, end: 199, status: 206 },
    { name: 'suffix', ...small, range: 'bytes=-500', start: small.size - 500, end: small.size - 1, status: 206 },
    { name: 'middle', ...big, range: `bytes=${midStart}-${midEnd}`, start: midStart, end: midEnd, status: 206 },
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

function get(port: number, base: string, check: Check): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = check.range === undefined ? {} : { range: check.range };
    const req = request({ host: '127.0.0.1', port, path: `${base}/${check.file}`, headers, agent: false }, (res) => {
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

/** How a server may depart from the exact framing, and why: see `chunkedStreams` in servers.ts. */
export interface GuardAllowances {
  /** A streamed body may come chunked without its Content-Length (the runtime's doing, named here); the bytes still count. */
  chunkedStreams?: string;
}

function verify(check: Check, answer: Answer, allow: GuardAllowances): string[] {
  const problems: string[] = [];
  const want = expected(check);
  if (answer.status !== check.status) problems.push(`status ${answer.status}, expected ${check.status}`);
  if (check.status === 206) {
    const contentRange = `bytes ${check.start}-${check.end}/${check.size}`;
    if (answer.headers['content-range'] !== contentRange) {
      problems.push(`Content-Range ${JSON.stringify(answer.headers['content-range'])}, expected "${contentRange}"`);
    }
  }
  const chunkedAllowed =
    allow.chunkedStreams !== undefined && answer.headers['content-length'] === undefined && answer.headers['transfer-encoding'] === 'chunked';
  if (answer.headers['content-length'] !== String(want.length) && !chunkedAllowed) {
    problems.push(`Content-Length ${JSON.stringify(answer.headers['content-length'])}, expected "${want.length}"`);
  }
  if (!answer.body.equals(want)) {
    let at = 0;
    while (at < want.length && answer.body[at] === want[at]) at++;
    problems.push(`body of ${answer.body.length} bytes differs from the file's ${want.length} bytes (first difference at body byte ${at})`);
  }
  return problems;
}

/** One case a server got wrong: its name, the request, and every problem with the answer. */
export interface CaseFailure {
  name: CaseName;
  request: string;
  problems: string[];
}

/** Every case the server at `port` (serving under `base`) gets wrong; empty when it serves the files exactly. */
export async function inspect(port: number, media: Media, base = '', allow: GuardAllowances = {}): Promise<CaseFailure[]> {
  const failures: CaseFailure[] = [];
  for (const check of checks(media)) {
    const label = `GET ${base}/${check.file}${check.range === undefined ? ' (whole file)' : ` with Range: ${check.range}`}`;
    let problems: string[];
    try {
      problems = verify(check, await get(port, base, check), allow);
    } catch (err) {
      problems = [(err as Error).message];
    }
    if (problems.length > 0) failures.push({ name: check.name, request: label, problems });
  }
  return failures;
}

/** One line per problem: `GET /small.mp4 with Range: bytes=-500: status 200, expected 206`. */
export function describeFailures(failures: readonly CaseFailure[]): string[] {
  return failures.flatMap((failure) => failure.problems.map((problem) => `${failure.request}: ${problem}`));
}

/** One short item per failed case, its request and first problem: `bytes=-500: status 200, expected 206`. */
export function summarizeFailures(failures: readonly CaseFailure[]): string[] {
  return failures.map((failure) => {
    const range = /Range: (\S+)/.exec(failure.request)?.[1] ?? 'whole file';
    const more = failure.problems.length > 1 ? ` (+${failure.problems.length - 1} more)` : '';
    return `\`${range}\`: ${failure.problems[0]}${more}`;
  });
}

/** Throws one error listing every failed check when the server does not serve the files exactly. */
export async function guard(server: string, port: number, media: Media, base = '', allow: GuardAllowances = {}): Promise<void> {
  const failures = await inspect(port, media, base, allow);
  if (failures.length > 0) {
    throw new Error(`correctness guard failed for ${server}; nothing was measured:\n  ${describeFailures(failures).join('\n  ')}`);
  }
}
