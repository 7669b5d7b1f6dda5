/**
 * Time to first frame in Chromium for an MP4 whose moov follows its media data, served plain
 * (`/media/`, what a static server sends) and as its faststart copy made on the fly (`/stream/`), and
 * the bytes the app had written on the media's connections (headers included) when `canplay` reached
 * the harness (a little more than before it: the browser reads on). The app serves a folder with one generated 60 s 720p clip (moov at the end,
 * about 30 MB), to a browser throttled to 20 Mbit/s with 40 ms of latency; each run asks a URL of its
 * own, so nothing comes from the HTTP cache. Not part of npm test. Needs Debian's chromium and ffmpeg.
 *
 *   npx tsx bench/first-frame.ts [--runs 5]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app/app.js';
import { launchBrowser } from '../test/support/browser.js';
import { startServer } from '../test/support/http.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const dir = mkdtempSync(path.join(tmpdir(), 'seekable-bench-first-frame-'));
try {
  const media = path.join(dir, 'media');
  execFileSync('mkdir', ['-p', media]);
  const film = path.join(media, 'film.mp4');
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=60'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=60'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '4M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', film],
  ]);
  const size = statSync(film).size;
  const app = createApp({ root: media, cacheDir: path.join(dir, 'cache'), posters: false, previews: false });
  await app.catalog.refresh();
  /** The sockets that carried /media/ and /stream/ answers since the last reset, with their count of bytes written then. */
  let sockets = new Map<Socket, number>();
  const sent = () => [...sockets].reduce((sum, [socket, before]) => sum + socket.bytesWritten - before, 0);
  const server = await startServer((req, res) => {
    if (/^\/(media|stream)\//.test(req.url ?? '') && !sockets.has(req.socket)) sockets.set(req.socket, req.socket.bytesWritten);
    app(req, res);
  });
  const browser = await launchBrowser();
  const rows: Record<string, { ms: number[]; bytes: number[] }> = {
    '/media/ (plain)': { ms: [], bytes: [] },
    '/stream/ (faststart on the fly)': { ms: [], bytes: [] },
  };
  for (let run = 0; run < runs; run++) {
    for (const [label, route] of [
      ['/media/ (plain)', 'media'],
      ['/stream/ (faststart on the fly)', 'stream'],
    ] as const) {
      const page = await browser.context.newPage();
      // A viewer's network, not loopback's: 20 Mbit/s down, 40 ms of latency (Chromium's own throttling).
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 40, downloadThroughput: 2.5e6, uploadThroughput: 1.25e6 });
      await page.goto(`${server.url}/assets-missing-ok`).catch(() => undefined);
      sockets = new Map();
      const result = (await page.evaluate(`(async () => {
        document.body.innerHTML = '';
        const video = document.createElement('video');
        video.muted = true;
        video.preload = 'auto';
        const started = performance.now();
        const ready = new Promise((resolve, reject) => {
          video.addEventListener('canplay', () => resolve(performance.now() - started), { once: true });
          video.addEventListener('error', () => reject(new Error('media error ' + (video.error && video.error.code))), { once: true });
        });
        video.src = '/${route}/film.mp4?run=${run}'; // a URL of its own per run: nothing from the HTTP cache
        document.body.append(video);
        return { ms: await ready };
      })()`)) as { ms: number };
      const bytes = sent();
      rows[label]!.ms.push(result.ms);
      rows[label]!.bytes.push(bytes);
      await page.close();
    }
  }
  await browser.close();
  await server.close();
  app.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`# Time to first frame in Chromium at 20 Mbit/s and 40 ms: a 60 s 720p MP4 (${(size / 1e6).toFixed(1)} MB) with its moov at the end`);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${runs} runs each, alternating; median (min-max)\n`,
  );
  console.log('| served as | canplay after | bytes sent before canplay |');
  console.log('|---|---|---|');
  for (const [label, { ms, bytes }] of Object.entries(rows)) {
    console.log(
      `| ${label} | ${median(ms).toFixed(0)} ms (${Math.min(...ms).toFixed(0)}-${Math.max(...ms).toFixed(0)}) | ${(median(bytes) / 1e6).toFixed(2)} MB (${(Math.min(...bytes) / 1e6).toFixed(2)}-${(Math.max(...bytes) / 1e6).toFixed(2)}) |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
