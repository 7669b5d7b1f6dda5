/**
 * The S3 benchmark's scenarios. Each compares seekable's S3 source with the store itself, or checks
 * what the source costs the store: random 1 MiB ranges, Safari's probe, slow viewers, a catalog scan.
 */
import { readFileSync } from 'node:fs';
import { treeRss, startNode, stop } from './procs.js';
import { BIG, BIG_SIZE, LIBRARY } from './s3-media.js';
import { startSeekableS3, statsSince, stopSeekableS3, storeStats, type SeekableS3, type StoreStats } from './s3-server.js';
import type { Target } from './s3-guard.js';
import { events, median, runClient } from './scenarios.js';
import type { RunningStore } from './store.js';
import { wrk, wrkErrors, type WrkResult } from './wrk.js';

export interface S3Settings {
  /** Length of each wrk run and of the slow viewers' hold, in seconds. */
  seconds: number;
  /** Rounds of the range storm, each running direct then through seekable. */
  rounds: number;
  viewers: number;
  viewerRate: number;
  /** Pause after the viewers are streaming before memory is sampled. */
  settleSeconds: number;
  probeSamples: number;
  serverPin: string | undefined;
  loadPin: string | undefined;
}

type Warn = (line: string) => void;
const SPAN = 1024 * 1024;
const CONNECTIONS = 64;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile (p in 0..1) of samples. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export interface StormFigures {
  /** One run per round. */
  direct: WrkResult[];
  seekable: WrkResult[];
  /** Store requests seekable made during its runs, and the requests it received, over every round. */
  perRange: StoreStats;
}

/**
 * Random 1 MiB ranges of the 64 MiB object (bench/wrk/seek.lua, the same seeded offsets both ways),
 * 64 keep-alive connections of one wrk thread: from the store directly with a presigned URL, then
 * through seekable, once per round.
 */
export async function rangeStorm(direct: Target, server: SeekableS3, s: S3Settings, warn: Warn): Promise<StormFigures> {
  const run = async (target: Target, via: string) => {
    const result = await wrk({
      port: target.port,
      path: target.path,
      connections: CONNECTIONS,
      seconds: s.seconds,
      pin: s.loadPin,
      script: 'seek.lua',
      env: { BENCH_SIZE: String(BIG_SIZE), BENCH_SPAN: String(SPAN), BENCH_SEED: '1' },
    });
    const errors = wrkErrors(result);
    if (errors !== undefined) warn(`ranges ${via}: wrk reported ${errors}`);
    // wrk's bytes include the part of the last answer each connection was reading when time ran out.
    const most = ((result.requests + CONNECTIONS) * (SPAN + 1024)) / Math.max(1, result.requests);
    const perAnswer = result.bytes / Math.max(1, result.requests);
    if (perAnswer < SPAN || perAnswer > most) warn(`ranges ${via}: ${perAnswer.toFixed(0)} bytes per answer, expected just over ${SPAN}`);
    return result;
  };
  const figures: StormFigures = { direct: [], seekable: [], perRange: await storeStats(server.port) };
  const before = figures.perRange;
  for (let round = 0; round < s.rounds; round++) {
    figures.direct.push(await run(direct, 'direct'));
    figures.seekable.push(await run({ port: server.port, path: `/${BIG}` }, 'through seekable'));
  }
  figures.perRange = statsSince(before, await storeStats(server.port));
  return figures;
}

export interface ProbeFigures {
  /** Ms from connect to the last byte, one per fresh connection. */
  direct: number[];
  seekable: number[];
  /** Store requests seekable made during its measured probes, and how many probes that was. */
  stats: StoreStats;
  probes: number;
}

/**
 * Safari's `bytes=0-1` on the small object, warm (a few probes first, so seekable holds the HEAD):
 * clients/probe-latency.ts makes sequential requests, each on a fresh connection, timed from connect
 * to the last byte; directly from the store, then through seekable, whose store requests are counted.
 */
export async function probes(direct: Target, small: Target, server: SeekableS3, s: S3Settings, warn: Warn): Promise<ProbeFigures> {
  type Latency = { samples: number[]; errors: number; lastError: string };
  const run = async (target: Target, samples: number, via: string) => {
    const args = ['--port', String(target.port), '--path', target.path, '--samples', String(samples)];
    const result = await runClient<Latency>('clients/probe-latency.ts', args, s.loadPin, 120);
    if (result.errors > 0) warn(`probe ${via}: ${result.errors} failed (${result.lastError})`);
    return result;
  };
  await run(direct, 10, 'direct, warm-up');
  await run(small, 10, 'through seekable, warm-up');
  const directRun = await run(direct, s.probeSamples, 'direct');
  const before = await storeStats(server.port);
  const seekableRun = await run(small, s.probeSamples, 'through seekable');
  const stats = statsSince(before, await storeStats(server.port));
  return { direct: directRun.samples, seekable: seekableRun.samples, stats, probes: s.probeSamples };
}

/** How one crowd of slow viewers fared (clients/slow-viewers.ts's final report). */
export interface ViewerRun {
  asked: number;
  /** Viewers that got body bytes, and of those, the ones still streaming at the end. */
  streamed: number;
  viewing: number;
  meanRate: number;
}

export interface ViewerFigures {
  /** The same crowd fetching the presigned URL: what the store itself can carry on this machine. */
  direct: ViewerRun;
  seekable: ViewerRun;
  /** Median RSS while they stream minus RSS before they came, ÷ viewing, in KiB. */
  rssPerViewer: number;
  /**
   * Most bytes seekable held at once, ÷ viewing, in KiB: bytes it read from its sockets minus bytes it
   * wrote to them since the viewers came (/proc/<pid>/io rchar − wchar), sampled while they stream.
   * What it took from the store and has not yet handed to a viewer's kernel socket buffer is there.
   */
  heldPerViewer: number;
  stats: StoreStats;
  maxSockets: number;
}

/** Bytes a process read and wrote through system calls, sockets included (/proc/<pid>/io). */
function io(pid: number): { read: number; written: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { read: field('rchar'), written: field('wchar') };
}

/**
 * Streams `target` (the 64 MiB object, no Range) to `s.viewers` viewers at `s.viewerRate` with
 * backpressure; once all stream or have failed (60 s at most) and `s.settleSeconds` have passed,
 * calls `sample` every 250 ms for `s.seconds`, then stops them.
 */
async function crowd(target: Target, via: string, s: S3Settings, warn: Warn, sample: () => void): Promise<ViewerRun> {
  const args = ['--port', String(target.port), '--path', target.path, '--viewers', String(s.viewers), '--rate', String(s.viewerRate)];
  const client = startNode('slow-viewers', 'clients/slow-viewers.ts', [...args, '--max-seconds', String(s.seconds + s.settleSeconds + 120)], {
    pin: s.loadPin,
  });
  const next = events(client);
  try {
    if ((await next('streaming', 60_000)) === undefined) throw new Error(`slow viewers ${via}: not every viewer had streamed or failed after 60 s`);
    await sleep(s.settleSeconds * 1000);
    const sampler = setInterval(sample, 250);
    await sleep(s.seconds * 1000);
    clearInterval(sampler);
    sample();
    client.proc.stdin!.write('stop\n');
    const done = (await next('done', 10_000)) as
      | { streaming: number; failed: number; dropped: number; meanRate: number; errors: Record<string, number> }
      | undefined;
    if (done === undefined) throw new Error(`slow viewers ${via}: no final report:\n${client.output()}`);
    if (done.failed + done.dropped > 0) {
      warn(`slow viewers ${via}: ${done.failed} never streamed and ${done.dropped} were cut off (${JSON.stringify(done.errors)})`);
    }
    if (done.meanRate < 0.9 * s.viewerRate) {
      warn(`slow viewers ${via}: they got ${(done.meanRate / 1024).toFixed(0)} KiB/s on average, not ${s.viewerRate / 1024} KiB/s`);
    }
    return { asked: s.viewers, streamed: done.streaming, viewing: done.streaming - done.dropped, meanRate: done.meanRate };
  } finally {
    await stop(client);
  }
}

/**
 * Slow viewers: first the crowd fetches the presigned URL directly, to show what the store carries;
 * then a fresh seekable process (store sockets raised to viewers + 64: at the default 64, viewers past
 * the 64th would wait for a store socket that a 256 KiB/s viewer holds for minutes), warmed up lightly,
 * has its RSS and I/O counts read before the crowd comes and sampled while it streams through it.
 */
export async function slowViewers(store: RunningStore, direct: Target, s: S3Settings, warn: Warn): Promise<ViewerFigures> {
  const directRun = await crowd(direct, 'direct', s, warn, () => undefined);
  const maxSockets = s.viewers + 64;
  const server = await startSeekableS3(store, s.serverPin, maxSockets);
  try {
    // A light warm-up (JIT, the SDK's first requests) that leaves little memory behind for the baseline.
    await wrk({ port: server.port, path: `/${BIG}`, headers: ['Range: bytes=0-1'], connections: 8, seconds: 1, pin: s.loadPin });
    await wrk({ port: server.port, path: `/${BIG}`, connections: 1, seconds: 1, pin: s.loadPin });
    const rssBefore: number[] = [];
    for (let i = 0; i < 5; i++) {
      rssBefore.push(treeRss(server.pid));
      await sleep(100);
    }
    const statsBefore = await storeStats(server.port);
    const ioBefore = io(server.pid);
    const rss: number[] = [];
    let held = 0;
    const run = await crowd({ port: server.port, path: `/${BIG}` }, 'through seekable', s, warn, () => {
      rss.push(treeRss(server.pid));
      const now = io(server.pid);
      held = Math.max(held, now.read - ioBefore.read - (now.written - ioBefore.written));
    });
    if (run.viewing <= 0) throw new Error('slow viewers: no viewer streamed through seekable');
    return {
      direct: directRun,
      seekable: run,
      rssPerViewer: (median(rss) - median(rssBefore)) / 1024 / run.viewing,
      heldPerViewer: held / 1024 / run.viewing,
      stats: statsSince(statsBefore, await storeStats(server.port)),
      maxSockets,
    };
  } finally {
    await stopSeekableS3(server);
  }
}

export interface CatalogFigures {
  ms: number;
  entries: number;
  unreadable: number;
  requests: StoreStats['requests'];
  failures: Record<string, number>;
}

/** One catalog scan of `library/` (clients/catalog-scan.ts), on the server's core, as seekable serve would make it. */
export async function catalogScan(store: RunningStore, s: S3Settings, objects: number, warn: Warn): Promise<CatalogFigures> {
  const args = ['--endpoint', store.endpoint, '--bucket', store.bucket, '--prefix', LIBRARY];
  const result = await runClient<CatalogFigures>('clients/catalog-scan.ts', args, s.serverPin, 900);
  if (result.entries !== objects) warn(`catalog: ${result.entries} entries, not the ${objects} objects in the store`);
  if (result.unreadable > 0) warn(`catalog: ${result.unreadable} objects could not be probed`);
  if (Object.keys(result.failures).length > 0) warn(`catalog: store requests failed: ${JSON.stringify(result.failures)}`);
  return result;
}
