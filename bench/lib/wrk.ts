/** Runs wrk (Debian package) against one URL and reads its exact totals from bench/wrk/report.lua. */
import path from 'node:path';
import { BENCH_DIR, start, stop } from './procs.js';

export interface WrkRun {
  port: number;
  path: string;
  connections: number;
  seconds: number;
  pin: string | undefined;
  /** Extra request headers, e.g. "Range: bytes=0-1". */
  headers?: string[];
  /** A script in bench/wrk/ (default report.lua: a fixed request) and its environment. */
  script?: string;
  env?: Record<string, string>;
}

export interface WrkResult {
  requests: number;
  bytes: number;
  seconds: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  requestsPerSecond: number;
  bytesPerSecond: number;
}

const LUA_DIR = path.join(BENCH_DIR, 'wrk');

export async function wrk(run: WrkRun): Promise<WrkResult> {
  const args = [
    '-t1', // one thread: the load generator has one core
    `-c${run.connections}`,
    `-d${run.seconds}s`,
    '--timeout',
    '60s', // a 1 GiB response to one of 8 clients takes seconds; that is not an error
    '-s',
    path.join(LUA_DIR, run.script ?? 'report.lua'),
    ...(run.headers ?? []).flatMap((header) => ['-H', header]),
    `http://127.0.0.1:${run.port}${run.path}`,
  ];
  const child = start('wrk', 'wrk', args, { pin: run.pin, env: { BENCH_LUA_DIR: LUA_DIR, ...run.env } });
  let json: string | undefined;
  child.onLine((line) => {
    if (line.startsWith('BENCH_JSON ')) json = line.slice('BENCH_JSON '.length);
  });
  // wrk stops itself after -d; the deadline only catches a wedged run.
  const timer = setTimeout(() => void stop(child), (run.seconds + 30) * 1000);
  const code = await child.exited;
  clearTimeout(timer);
  await stop(child);
  if (json === undefined) throw new Error(`wrk ${args.join(' ')} failed (${code}):\n${child.output()}`);
  const raw = JSON.parse(json) as { requests: number; bytes: number; durationUs: number } & WrkResult['errors'];
  const seconds = raw.durationUs / 1e6;
  return {
    requests: raw.requests,
    bytes: raw.bytes,
    seconds,
    errors: { connect: raw.connect, read: raw.read, write: raw.write, status: raw.status, timeout: raw.timeout },
    requestsPerSecond: raw.requests / seconds,
    bytesPerSecond: raw.bytes / seconds,
  };
}

/** A short description of wrk's errors, or undefined when there were none. */
export function wrkErrors(result: WrkResult): string | undefined {
  const parts = Object.entries(result.errors)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
