/**
 * Slow viewers: `--viewers` connections, each downloading `--path` (no Range) and reading it at about
 * `--rate` bytes per second, as players do once their buffer is full. A socket is paused as soon as it is
 * ahead of its rate and resumed (checked every 50 ms) once it is not, so the server sees real backpressure.
 *
 * stdout, one JSON line per event:
 *   {"event":"streaming","streaming":n,"failed":f}  once every viewer has body bytes or has failed
 *   {"event":"done","streaming":n,"failed":f,"dropped":d,"meanRate":…,"minRate":…,"errors":{…}}  on exit
 * It stops on "stop" (a line on stdin), on SIGTERM, when stdin closes, and after `--max-seconds`.
 *   node --import tsx bench/clients/slow-viewers.ts --port P --path /big.mp4 --viewers 1000 --rate 262144 --max-seconds 60
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { getRequest, option, ResponseReader } from './http1.js';

const port = Number(option('port'));
const path = option('path');
const viewers = Number(option('viewers'));
const rate = Number(option('rate'));
const maxSeconds = Number(option('max-seconds'));
const CONNECTING_AT_ONCE = 64; // stays well inside the servers' listen backlogs
const BURST = 64 * 1024;
const request = getRequest(port, path);

interface Viewer {
  socket: Socket;
  reader: ResponseReader;
  firstByteAt: number;
  paused: boolean;
  dropped: boolean;
}

const streaming: Viewer[] = [];
const errors = new Map<string, number>();
let failed = 0;
let dropped = 0; // streamed, then lost their connection
let stopping = false;
let announced = false;

function announceWhenSettled(): void {
  if (announced || streaming.length + failed < viewers) return;
  announced = true;
  console.log(JSON.stringify({ event: 'streaming', streaming: streaming.length, failed }));
}

function fail(viewer: Viewer | undefined, reason: string): void {
  if (stopping) return;
  errors.set(reason, (errors.get(reason) ?? 0) + 1);
  if (viewer !== undefined) {
    viewer.dropped = true;
    dropped++;
    return;
  }
  failed++;
  announceWhenSettled();
}

/** Opens one viewer; resolves once it is connected or has failed (the next may then connect). */
function open(): Promise<void> {
  return new Promise((resolve) => {
    const reader = new ResponseReader();
    let viewer: Viewer | undefined;
    let settled = false;
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(request);
      resolve();
    });
    const giveUp = (reason: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      fail(viewer, reason);
      resolve();
    };
    socket.setTimeout(20_000, () => giveUp('no data for 20 s'));
    socket.on('data', (chunk: Buffer) => {
      let body: number;
      try {
        body = reader.feed(chunk);
      } catch (err) {
        giveUp((err as Error).message);
        return;
      }
      if (reader.headDone && reader.status !== 200) giveUp(`status ${reader.status}`);
      else if (viewer === undefined && body > 0) {
        viewer = { socket, reader, firstByteAt: Date.now(), paused: false, dropped: false };
        streaming.push(viewer);
        socket.setTimeout(0); // from now on it is paused on purpose for long stretches
        announceWhenSettled();
      } else if (viewer !== undefined && !viewer.paused && ahead(viewer, Date.now())) {
        viewer.paused = true; // at once: kernel buffers could otherwise hand over megabytes in one go
        socket.pause();
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => giveUp(err.code ?? err.message));
    socket.on('close', () => giveUp('closed by the server'));
  });
}

/** Whether a viewer has read more than `rate` since its first byte allows (plus one burst). */
function ahead(viewer: Viewer, now: number): boolean {
  return viewer.reader.received > (rate * (now - viewer.firstByteAt)) / 1000 + BURST;
}

// Pacing: a socket is paused as soon as it gets ahead (in its 'data' handler) and resumed here once
// its allowance has caught up.
const pacing = setInterval(() => {
  const now = Date.now();
  for (const viewer of streaming) {
    if (viewer.dropped || !viewer.paused || ahead(viewer, now)) continue;
    viewer.paused = false;
    viewer.socket.resume();
  }
}, 50);

function stop(reason: string): void {
  if (stopping) return;
  stopping = true;
  clearInterval(pacing);
  const now = Date.now();
  const rates = streaming.filter((v) => !v.dropped).map((v) => v.reader.received / Math.max(0.001, (now - v.firstByteAt) / 1000));
  for (const viewer of streaming) viewer.socket.destroy();
  console.log(
    JSON.stringify({
      event: 'done',
      reason,
      streaming: streaming.length,
      failed,
      dropped,
      meanRate: rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length),
      minRate: rates.length > 0 ? Math.min(...rates) : 0,
      errors: Object.fromEntries(errors),
    }),
  );
  process.exit(0);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stop') stop('asked');
});
process.stdin.on('end', () => stop('harness gone'));
process.on('SIGTERM', () => stop('SIGTERM'));
setTimeout(() => stop('max-seconds'), maxSeconds * 1000).unref();

// Connect with a bounded number of handshakes in flight.
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(CONNECTING_AT_ONCE, viewers) }, async () => {
    while (next < viewers && !stopping) {
      next++;
      await open();
    }
  }),
);
