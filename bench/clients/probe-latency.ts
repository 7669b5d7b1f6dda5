/**
 * Latency of fresh small requests: `--samples` sequential requests for `Range: bytes=0-1`, each on a new
 * connection (a newcomer arriving while others stream), timed from connect to the last body byte.
 * Prints one JSON line: {"samples":[ms…],"errors":n}.
 *   node --import tsx bench/clients/probe-latency.ts --port P --path /small.mp4 --samples 50
 */
import { connect } from 'node:net';
import { exitWithParent, getRequest, option, ResponseReader } from './http1.js';

exitWithParent();
const port = Number(option('port'));
const path = option('path');
const samples = Number(option('samples', '50'));
const request = getRequest(port, path, { Range: 'bytes=0-1' });

function once(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const reader = new ResponseReader();
    const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => socket.write(request));
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.feed(chunk);
      } catch (err) {
        socket.destroy(err as Error);
        return;
      }
      if (!reader.complete) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      socket.destroy();
      if (reader.status !== 206 || reader.contentLength !== 2) reject(new Error(`status ${reader.status}, ${reader.contentLength} bytes`));
      else resolve(ms);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before the answer was complete')));
  });
}

const times: number[] = [];
let errors = 0;
let lastError = '';
for (let i = 0; i < samples; i++) {
  try {
    times.push(await once());
  } catch (err) {
    errors++;
    lastError = (err as Error).message;
  }
}
console.log(JSON.stringify({ samples: times, errors, lastError }));
process.exit(0);
