/** The scenarios, run against one started server; each returns one figure per row of the table. */
import { BIG, SMALL, type Media } from './media.js';
import { startNode, stop, treeRss, type Child } from './procs.js';
import type { RunningServer } from './servers.js';
import { wrk, wrkErrors, type WrkResult } from './wrk.js';

export interface Settings {
  /** Length of each wrk scenario and of the slow viewers' hold, in seconds. */
  seconds: number;
  viewers: number;
  viewerRate: number;
  /** Pause after the viewers are streaming before memory is sampled. */
  settleSeconds: number;
  latencySamples: number;
  ttfbSamples: number;
  loadPin: string | undefined;
  media: Media;
}

export const SCENARIOS = [
  { key: 'full1', short: 'full-file, 1 client', label: 'full-file GET of 1 GiB, 1 client', unit: 'MB/s' },
  { key: 'full8', short: 'full-file, 8 clients', label: 'full-file GET of 1 GiB, 8 clients', unit: 'MB/s' },
  { key: 'seek', short: 'seek storm', label: 'seek storm: 64 keep-alive conns, random 1 MiB ranges', unit: 'req/s' },
  { key: 'probe', short: 'Safari probe', label: 'Safari probe: 64 conns, `bytes=0-1` on small.mp4', unit: 'req/s' },
  {
    key: 'viewerMemory',
    short: 'memory per slow viewer',
    label: '{viewers} slow viewers (256 KiB/s each): server RSS growth per viewer, lower is better',
    unit: 'KiB',
  },
  {
    key: 'viewerLatency',
    short: 'fresh request among viewers, p50',
    label: 'fresh `bytes=0-1` request while the {viewers} viewers stream, p50, lower is better',
    unit: 'ms',
  },
  {
    key: 'ttfb',
    short: 'first 64 KiB of a range, p50',
    label: 'time to first 64 KiB of a random 1 MiB range, warm, p50, lower is better',
    unit: 'ms',
  },
] as const;

export type ScenarioKey = (typeof SCENARIOS)[number]['key'];
export type Figures = Record<ScenarioKey, number>;

const SPAN = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs a Node client (pinned to `pin`) to completion, bounded, and returns the JSON of its last stdout line. */
export async function runClient<T>(script: string, args: string[], pin: string | undefined, timeoutSeconds: number): Promise<T> {
  const child = startNode(script, script, args, { pin });
  let last = '';
  child.onLine((line) => (last = line));
  const timer = setTimeout(() => void stop(child), timeoutSeconds * 1000);
  const code = await child.exited;
  clearTimeout(timer);
  await stop(child);
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${script} failed (${code}):\n${child.output()}`);
  return JSON.parse(last) as T;
}

/** Collects a client's JSON events and waits for one of them by name. */
export function events(child: Child): (name: string, timeoutMs: number) => Promise<Record<string, unknown> | undefined> {
  const seen: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  child.onLine((line) => {
    try {
      seen.push(JSON.parse(line) as Record<string, unknown>);
      for (const wake of waiters.splice(0)) wake();
    } catch {
      // not an event
    }
  });
  void child.exited.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  return async (name, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = seen.find((e) => e.event === name);
      if (event !== undefined) return event;
      const left = deadline - Date.now();
      if (left <= 0 || child.proc.exitCode !== null || child.proc.signalCode !== null) return undefined;
      await new Promise<void>((wake) => {
        waiters.push(wake);
        setTimeout(wake, left);
      });
    }
  };
}

function checked(what: string, result: WrkResult, warn: (line: string) => void): WrkResult {
  const errors = wrkErrors(result);
  if (errors !== undefined) warn(`${what}: wrk reported ${errors}`);
  return result;
}

interface ViewerFigures {
  viewerMemory: number;
  /** Undefined when the fresh requests were not asked for. */
  viewerLatency: number | undefined;
}

/**
 * Slow viewers: the server's RSS (its whole process tree) before any viewer connects, then while they
 * all stream; the growth divided by the viewers that stream is the memory per viewer. Meanwhile, with
 * `timeFresh`, fresh `bytes=0-1` requests are timed. Bounded: connecting may take 60 s at most, the rest
 * is fixed time.
 */
async function slowViewers(server: RunningServer, s: Settings, timeFresh: boolean, warn: (line: string) => void): Promise<ViewerFigures> {
  const rssSamples = async (count: number) => {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      samples.push(treeRss(server.pid));
      await sleep(100);
    }
    return median(samples);
  };
  const before = await rssSamples(5);
  const args = ['--port', String(server.port), '--path', `${server.base}/${BIG}`, '--viewers', String(s.viewers), '--rate', String(s.viewerRate)];
  const client = startNode('slow-viewers', 'clients/slow-viewers.ts', [...args, '--max-seconds', String(s.seconds + s.settleSeconds + 120)], {
    pin: s.loadPin,
  });
  const next = events(client);
  try {
    const streaming = await next('streaming', 60_000);
    if (streaming === undefined) throw new Error(`slow viewers: not every viewer was streaming after 60 s:\n${client.output()}`);
    const started = Date.now();
    await sleep(s.settleSeconds * 1000);
    const during: number[] = [];
    const sampler = setInterval(() => during.push(treeRss(server.pid)), 250);
    const latencyArgs = ['--port', String(server.port), '--path', `${server.base}/${SMALL}`, '--samples', String(s.latencySamples)];
    const latency = timeFresh
      ? await runClient<{ samples: number[]; errors: number; lastError: string }>('clients/probe-latency.ts', latencyArgs, s.loadPin, 60)
      : undefined;
    await sleep(started + (s.settleSeconds + s.seconds) * 1000 - Date.now());
    clearInterval(sampler);
    during.push(treeRss(server.pid));

    client.proc.stdin!.write('stop\n');
    const done = (await next('done', 10_000)) as
      | { streaming: number; failed: number; dropped: number; meanRate: number; minRate: number; errors: Record<string, number> }
      | undefined;
    if (done === undefined) throw new Error(`slow viewers: no final report:\n${client.output()}`);
    const viewing = done.streaming - done.dropped;
    if (done.failed + done.dropped > 0) {
      warn(`slow viewers: ${done.failed} never streamed and ${done.dropped} were cut off (${JSON.stringify(done.errors)})`);
    }
    if (done.meanRate < 0.9 * s.viewerRate) {
      warn(`slow viewers: they got ${(done.meanRate / 1024).toFixed(0)} KiB/s on average, not ${s.viewerRate / 1024} KiB/s: the server fell behind`);
    }
    if (latency !== undefined && latency.errors > 0) warn(`fresh requests while viewers stream: ${latency.errors} failed (${latency.lastError})`);
    if (viewing <= 0) throw new Error('slow viewers: no viewer streamed');
    return {
      viewerMemory: (median(during) - before) / 1024 / viewing,
      viewerLatency: latency === undefined ? undefined : median(latency.samples),
    };
  } finally {
    await stop(client);
  }
}

/** Every row: what the core comparison measures. */
export const ALL_ROWS: ReadonlySet<ScenarioKey> = new Set(SCENARIOS.map((scenario) => scenario.key));

/** Measures one server in every scenario; `log` narrates, `warn` collects what makes a figure suspect. */
export async function measure(server: RunningServer, s: Settings, log: (line: string) => void, warn: (line: string) => void): Promise<Figures> {
  return (await measureRows(server, s, ALL_ROWS, log, warn)) as Figures;
}

/**
 * Measures one server in the scenarios of `rows` only (the doors section runs three, and skips those a
 * server fails the guard for); the fresh-request latency (`viewerLatency`) is timed while the slow viewers
 * (`viewerMemory`) stream, so it needs them. The rows not asked for are absent from the result.
 */
export async function measureRows(
  server: RunningServer,
  s: Settings,
  rows: ReadonlySet<ScenarioKey>,
  log: (line: string) => void,
  warn: (line: string) => void,
): Promise<Partial<Figures>> {
  const figures: Partial<Figures> = {};
  const base = { port: server.port, pin: s.loadPin };
  const big = { ...base, path: `${server.base}/${BIG}` };
  const probe = { ...base, path: `${server.base}/${SMALL}`, headers: ['Range: bytes=0-1'] };
  const seek = {
    ...big,
    script: 'seek.lua',
    env: { BENCH_SIZE: String(s.media.bigSize), BENCH_SPAN: String(SPAN), BENCH_SEED: '1' },
  };
  const wholeRows = rows.has('full1') || rows.has('full8') || rows.has('viewerMemory');

  // A light warm-up (JIT, first opens) that leaves little memory behind for the viewers' baseline.
  if (rows.has('probe') || rows.has('viewerLatency')) await wrk({ ...probe, connections: 8, seconds: 1 });
  if (wholeRows) await wrk({ ...big, connections: 1, seconds: 1 });

  if (rows.has('viewerMemory')) {
    const viewers = await slowViewers(server, s, rows.has('viewerLatency'), warn);
    figures.viewerMemory = viewers.viewerMemory;
    figures.viewerLatency = viewers.viewerLatency;
    const fresh = viewers.viewerLatency === undefined ? '' : `, fresh request p50 ${viewers.viewerLatency.toFixed(2)} ms`;
    log(`slow viewers: ${viewers.viewerMemory.toFixed(1)} KiB/viewer${fresh}`);
  }

  if (rows.has('full1')) {
    const full1 = checked('full-file, 1 client', await wrk({ ...big, connections: 1, seconds: s.seconds }), warn);
    figures.full1 = full1.bytesPerSecond / 1e6;
    log(`full-file 1 client: ${(full1.bytesPerSecond / 1e6).toFixed(0)} MB/s`);
  }
  if (rows.has('full8')) {
    const full8 = checked('full-file, 8 clients', await wrk({ ...big, connections: 8, seconds: s.seconds }), warn);
    figures.full8 = full8.bytesPerSecond / 1e6;
    log(`full-file 8 clients: ${(full8.bytesPerSecond / 1e6).toFixed(0)} MB/s`);
  }

  if (rows.has('seek')) {
    const storm = checked('seek storm', await wrk({ ...seek, connections: 64, seconds: s.seconds }), warn);
    const perStorm = storm.bytes / Math.max(1, storm.requests);
    if (perStorm < SPAN || perStorm > 2 * SPAN) warn(`seek storm: ${perStorm.toFixed(0)} bytes per answer, expected just over ${SPAN}`);
    figures.seek = storm.requestsPerSecond;
    log(`seek storm: ${storm.requestsPerSecond.toFixed(0)} req/s`);
  }

  if (rows.has('probe')) {
    const safari = checked('Safari probe', await wrk({ ...probe, connections: 64, seconds: s.seconds }), warn);
    const perProbe = safari.bytes / Math.max(1, safari.requests);
    if (perProbe > 2048) warn(`Safari probe: ${perProbe.toFixed(0)} bytes per answer, expected a 2-byte 206`);
    figures.probe = safari.requestsPerSecond;
    log(`Safari probe: ${safari.requestsPerSecond.toFixed(0)} req/s`);
  }

  if (rows.has('ttfb')) {
    const ttfbArgs = [
      '--port',
      String(server.port),
      '--path',
      `${server.base}/${BIG}`,
      '--size',
      String(s.media.bigSize),
      '--samples',
      String(s.ttfbSamples),
      '--seed',
      '1',
    ];
    const ttfb = await runClient<{ samples: number[] }>('clients/ttfb.ts', ttfbArgs, s.loadPin, 120);
    figures.ttfb = median(ttfb.samples);
    log(`time to first 64 KiB: p50 ${median(ttfb.samples).toFixed(3)} ms`);
  }
  return figures;
}
