/**
 * Time to the first 64 KiB of a random range, warm. On one keep-alive connection, `--samples` requests
 * for `bytes=o-(o+1MiB-1)` at 64 KiB-aligned offsets; each is timed from sending the request to holding
 * the first 64 KiB of its body, then drained. The same offsets are requested twice and only the second
 * pass is measured, so the first pass warms caches (page cache, the server's own).
 * Prints one JSON line: {"samples":[ms…]}.
 *   node --import tsx bench/clients/ttfb.ts --port P --path /big.mp4 --size BYTES --samples 200 --seed 1
 */
import { connect, type Socket } from 'node:net';
import { exitWithParent, getRequest, option, random, ResponseReader } from './http1.js';

exitWithParent();
const port = Number(option('port'));
const path = option('path');
const size = Number(option('size'));
const samples = Number(option('samples', '200'));
const next = random(Number(option('seed', '1')));
const SPAN = 1024 * 1024;
const FIRST = 64 * 1024;
const slots = Math.floor((size - SPAN) / FIRST) + 1;
const offsets = Array.from({ length: samples }, () => Math.floor(next() * slots) * FIRST);

const socket: Socket = await new Promise((resolve, reject) => {
  const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
  s.once('error', reject);
});
socket.setTimeout(10_000, () => socket.destroy(new Error('no data within 10 s')));
const reader = new ResponseReader();
let waiting: { started: bigint; firstAt?: number; resolve: (ms: number) => void; reject: (err: Error) => void } | undefined;
socket.on('data', (chunk: Buffer) => {
  if (waiting === undefined) return;
  try {
    reader.feed(chunk);
  } catch (err) {
    socket.destroy(err as Error);
    return;
  }
  if (waiting.firstAt === undefined && reader.received >= FIRST) {
    waiting.firstAt = Number(process.hrtime.bigint() - waiting.started) / 1e6;
  }
  if (!reader.complete) return;
  const done = waiting;
  waiting = undefined;
  if (reader.status !== 206 || reader.contentLength !== SPAN) done.reject(new Error(`status ${reader.status}, ${reader.contentLength} bytes`));
  else done.resolve(done.firstAt!);
});
socket.on('error', (err) => waiting?.reject(err));
socket.on('close', () => waiting?.reject(new Error('connection closed')));

function timed(offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = getRequest(port, path, { Range: `bytes=${offset}-${offset + SPAN - 1}` });
    reader.reset();
    waiting = { started: process.hrtime.bigint(), resolve, reject };
    socket.write(request);
  });
}

for (const offset of offsets) await timed(offset); // warm-up pass, not measured
const times: number[] = [];
for (const offset of offsets) times.push(await timed(offset));
socket.destroy();
console.log(JSON.stringify({ samples: times }));
process.exit(0);
