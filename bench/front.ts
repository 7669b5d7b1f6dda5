/**
 * Two seekable nodes behind deploy/nginx/seekable.conf on this machine: what the front delivers and
 * what reaches the origin for 100 viewers of one video seeking at random, the cache's hit ratio, time
 * to first byte on hits and misses, and what a node's stop costs (SIGKILL, then SIGTERM).
 *   npm run build && npx tsx bench/front.ts [--seconds 30] [--viewers 100] [--size-mib 256]
 * Not part of npm test. Needs nginx (apt-get install nginx). Traffic stays on 127.0.0.1; everything it
 * starts is stopped, and its temp dir removed, when it ends, fails or gets Ctrl-C.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from './lib/servers.js';
import { type Child, installCleanup, REPO_ROOT, start, stop } from './lib/procs.js';

const MiB = 1024 * 1024;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!(value > 0)) throw new Error(`--${name} needs a positive number`);
  return value;
}
const SECONDS = option('seconds', 30);
const VIEWERS = option('viewers', 100);
const SIZE = option('size-mib', 256) * MiB;
/** What a viewer reads after each seek: 2 MiB, about two seconds of an 8 Mbit/s video. */
const READ = 2 * MiB;

let tempDir: string | undefined;
installCleanup(() => tempDir);

/** A file of pseudo-random bytes (xorshift32), written 8 MiB at a time. */
function writeVideo(file: string, size: number): void {
  const block = Buffer.allocUnsafe(8 * MiB);
  let x = 0x9e3779b9;
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < size; offset += block.length) {
    for (let i = 0; i < block.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      block.writeUInt32LE(x >>> 0, i);
    }
    chunks.push(Buffer.from(block.subarray(0, Math.min(block.length, size - offset))));
  }
  writeFileSync(file, Buffer.concat(chunks));
}

interface Node {
  port: number;
  child: Child;
}

function startNode(root: string, cacheDir: string, port: number): Node {
  const cli = path.join(REPO_ROOT, 'dist/cli.js');
  const args = [cli, 'serve', root, '--port', String(port), '--cache-dir', cacheDir, '--quiet', '--no-posters', '--metrics'];
  return { port, child: start(`seekable :${port}`, process.execPath, args) };
}

function startNginx(dir: string, nodes: Node[], port: number): Child {
  const prefix = path.join(dir, 'nginx');
  mkdirSync(prefix, { recursive: true });
  let site = readFileSync(path.join(REPO_ROOT, 'deploy/nginx/seekable.conf'), 'utf8');
  for (const [from, to] of [
    ['server 127.0.0.1:8081', `server 127.0.0.1:${nodes[0]!.port}`],
    ['server 127.0.0.1:8082', `server 127.0.0.1:${nodes[1]!.port}`],
    ['listen 8080', `listen 127.0.0.1:${port}`],
    ['/var/cache/nginx/seekable', path.join(dir, 'nginx-cache')],
  ]) {
    if (!site.includes(from!)) throw new Error(`deploy/nginx/seekable.conf no longer has ${from}`);
    site = site.split(from!).join(to!);
  }
  writeFileSync(path.join(prefix, 'site.conf'), site);
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
worker_rlimit_nofile 16384;
error_log ${prefix}/error.log warn;
events { worker_connections 8192; }
http {
  types { video/mp4 mp4; }
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/site.conf;
}
`,
  );
  return start('nginx', 'nginx', ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log'), '-g', `daemon off; pid ${prefix}/nginx.pid;`]);
}

/** One GET: its status, X-Cache-Status, time to the response's headers and to its end, body bytes; or the error. */
function get(agent: http.Agent, url: string, range?: string) {
  return new Promise<{ status: number; cache: string; ttfb: number; ms: number; bytes: number } | { error: string; ms: number }>((resolve) => {
    const began = performance.now();
    const req = http.get(url, { agent, headers: range === undefined ? {} : { Range: range } }, (res) => {
      const ttfb = performance.now() - began;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () =>
        resolve({ status: res.statusCode!, cache: String(res.headers['x-cache-status'] ?? '-'), ttfb, ms: performance.now() - began, bytes }),
      );
      res.on('error', (err) => resolve({ error: err.message, ms: performance.now() - began }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message, ms: performance.now() - began }));
  });
}

async function waitForAnswer(url: string): Promise<void> {
  const agent = new http.Agent();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const r = await get(agent, url);
    if ('status' in r && r.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within 30 s`);
}

/** Bytes the node has sent for /media/ (its own metrics). */
async function originBytes(node: Node): Promise<number> {
  const r = await new Promise<string>((resolve, reject) =>
    http
      .get(`http://127.0.0.1:${node.port}/metrics`, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve(text));
      })
      .on('error', reject),
  );
  const m = /^seekable_sent_bytes_total\{route="media"\} (\S+)$/m.exec(r);
  return m === null ? 0 : Number(m[1]);
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** 100 viewers seeking at random in one video, for SECONDS. */
async function seekStorm(front: string, nodes: Node[]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: VIEWERS });
  const before = (await Promise.all(nodes.map(originBytes))).reduce((a, b) => a + b, 0);
  const ttfb = { HIT: [] as number[], MISS: [] as number[] };
  let delivered = 0;
  let requests = 0;
  let errors = 0;
  const statuses = new Map<string, number>();
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const began = performance.now();
  const end = began + SECONDS * 1000;
  const viewer = async () => {
    while (performance.now() < end) {
      const start = Math.floor(random() * (SIZE - READ));
      const r = await get(agent, `${front}/media/video.mp4`, `bytes=${start}-${start + READ - 1}`);
      requests++;
      if ('error' in r || r.status !== 206 || r.bytes !== READ) {
        errors++;
        continue;
      }
      delivered += r.bytes;
      statuses.set(r.cache, (statuses.get(r.cache) ?? 0) + 1);
      if (r.cache === 'HIT' || r.cache === 'MISS') ttfb[r.cache].push(r.ttfb);
    }
  };
  await Promise.all(Array.from({ length: VIEWERS }, viewer));
  const seconds = (performance.now() - began) / 1000;
  agent.destroy();
  const origin = (await Promise.all(nodes.map(originBytes))).reduce((a, b) => a + b, 0) - before;
  const hits = statuses.get('HIT') ?? 0;
  console.log(`\n${VIEWERS} viewers seeking at random in one ${SIZE / MiB} MiB video for ${seconds.toFixed(1)} s (2 MiB per seek, cold cache):`);
  console.log(`  requests ${requests}, failed ${errors}; cache status ${[...statuses].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(
    `  delivered ${(delivered / MiB / seconds).toFixed(1)} MiB/s; origin ${(origin / MiB / seconds).toFixed(1)} MiB/s; origin/delivered ${(origin / delivered).toFixed(4)}`,
  );
  console.log(`  hit ratio ${((100 * hits) / (requests - errors)).toFixed(1)}% of requests (first slice of each)`);
  console.log(
    `  time to first byte: HIT p50 ${ms(percentile(ttfb.HIT, 50))}, p99 ${ms(percentile(ttfb.HIT, 99))}; MISS p50 ${ms(percentile(ttfb.MISS, 50))}, p99 ${ms(percentile(ttfb.MISS, 99))} (${ttfb.MISS.length} misses)`,
  );
}

/** Time to first byte with nothing else running: 300 requests one after another for a hit, then for a miss. */
async function ttfbAlone(front: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const seen = { HIT: [] as number[], MISS: [] as number[] };
  for (let i = 0; i < 300; i++) {
    // The first 64 KiB of the video: cached by the storm. Then the same with a query of its own: a miss.
    for (const url of [`${front}/media/video.mp4`, `${front}/media/video.mp4?alone=${i}`]) {
      const r = await get(agent, url, 'bytes=0-65535');
      if ('status' in r && (r.cache === 'HIT' || r.cache === 'MISS')) seen[r.cache].push(r.ttfb);
    }
  }
  agent.destroy();
  console.log(
    `
one request at a time, 64 KiB each: time to first byte HIT p50 ${ms(percentile(seen.HIT, 50))}, p99 ${ms(percentile(seen.HIT, 99))}; MISS p50 ${ms(percentile(seen.MISS, 50))}, p99 ${ms(percentile(seen.MISS, 99))} (${seen.HIT.length} hits, ${seen.MISS.length} misses)`,
  );
}

/**
 * Requests that each reach a node (a query string per request makes each a cache miss), 20 at a time,
 * while node 0 is stopped with `signal` after 3 s: failures, and the slowest requests after the stop.
 */
async function failover(front: string, nodes: Node[], signal: NodeJS.Signals, dir: string, cacheDir: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  let n = 0;
  let stoppedAt = Number.POSITIVE_INFINITY;
  const before: number[] = [];
  const after: { at: number; ms: number }[] = [];
  const failures: string[] = [];
  const began = performance.now();
  const end = began + 8000;
  let stopping: Promise<void> | undefined;
  const worker = async () => {
    while (performance.now() < end) {
      if (stopping === undefined && performance.now() - began > 3000) {
        stoppedAt = performance.now();
        if (signal === 'SIGKILL') nodes[0]!.child.proc.kill('SIGKILL');
        stopping = signal === 'SIGKILL' ? nodes[0]!.child.exited.then(() => {}) : stop(nodes[0]!.child, 60_000);
      }
      const sent = performance.now();
      const i = n++;
      const r = await get(agent, `${front}/media/clip.mp4?n=${signal}-${i}`, 'bytes=0-65535');
      const bad = 'error' in r ? r.error : r.status !== 206 || r.bytes !== 65536 ? `status ${r.status}, ${r.bytes} bytes` : undefined;
      if (bad !== undefined) failures.push(bad);
      if (sent < stoppedAt) before.push(r.ms);
      else after.push({ at: sent - stoppedAt, ms: r.ms });
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  await stopping;
  agent.destroy();
  const firstSecond = after.filter((r) => r.at < 1000).map((r) => r.ms);
  console.log(`\nnode stopped with ${signal} during a run of cache misses (20 at a time, ${n} requests):`);
  console.log(`  failed: ${failures.length}${failures.length ? ` (${[...new Set(failures)].join('; ')})` : ''}`);
  console.log(`  latency before the stop: p50 ${ms(percentile(before, 50))}, max ${ms(Math.max(...before))}`);
  console.log(
    `  in the second after it:  p50 ${ms(percentile(firstSecond, 50))}, max ${ms(Math.max(...firstSecond))} (${firstSecond.length} requests)`,
  );
  console.log(
    `  after that:              p50 ${ms(
      percentile(
        after.filter((r) => r.at >= 1000).map((r) => r.ms),
        50,
      ),
    )}`,
  );
  // Back to two nodes for what comes next.
  nodes[0] = startNode(path.join(dir, 'a'), cacheDir, nodes[0]!.port);
  await waitForAnswer(`http://127.0.0.1:${nodes[0].port}/readyz`);
}

async function main(): Promise<void> {
  if (!existsSync(path.join(REPO_ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run npm run build first');
  execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'seekable-front-bench-'));
  const dir = tempDir;
  mkdirSync(path.join(dir, 'a'));
  writeVideo(path.join(dir, 'a', 'video.mp4'), SIZE);
  writeVideo(path.join(dir, 'a', 'clip.mp4'), 64 * 1024);
  execFileSync('cp', ['-a', path.join(dir, 'a'), path.join(dir, 'b')]); // times kept: same validators
  const nodes = [
    startNode(path.join(dir, 'a'), path.join(dir, 'cache-a'), await freePort()),
    startNode(path.join(dir, 'b'), path.join(dir, 'cache-b'), await freePort()),
  ];
  for (const node of nodes) await waitForAnswer(`http://127.0.0.1:${node.port}/readyz`);
  const port = await freePort();
  const nginx = startNginx(dir, nodes, port);
  const front = `http://127.0.0.1:${port}`;
  await waitForAnswer(`${front}/readyz`);
  const nginxVersion = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim();
  console.log(`${nginxVersion}, 1 worker; 2 seekable nodes (dist/cli.js); ${os.availableParallelism()} cores, shared; node ${process.version}`);

  await seekStorm(front, nodes);
  await ttfbAlone(front);
  await failover(front, nodes, 'SIGKILL', dir, path.join(dir, 'cache-a'));
  await failover(front, nodes, 'SIGTERM', dir, path.join(dir, 'cache-a'));
  await stop(nginx);
  for (const node of nodes) await stop(node.child);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
