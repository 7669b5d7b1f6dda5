/**
 * seekable's S3 source against the store it reads (s3rver on loopback): random ranges, Safari's
 * probe, slow viewers' memory and a catalog scan, in one run.
 *   npx tsx bench/s3.ts [--quick] [--rounds N]      (npm run bench:s3 builds dist/ first)
 * See bench/README.md ("S3 source") for what it needs and what each row means.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Source } from 'seekable/s3';
import { installCleanup, isInterrupted, pinSelf, planPinning, REPO_ROOT, stopAll } from './lib/procs.js';
import { guard, type Target } from './lib/s3-guard.js';
import { BIG, BUCKET, createBucket, SMALL } from './lib/s3-media.js';
import { s3Table } from './lib/s3-report.js';
import { catalogScan, probes, rangeStorm, slowViewers, type S3Settings } from './lib/s3-scenarios.js';
import { startSeekableS3, stopSeekableS3 } from './lib/s3-server.js';
import { startStore, STORE_CREDENTIALS, stopStore } from './lib/store.js';

const USAGE = 'usage: npx tsx bench/s3.ts [--quick] [--rounds N]';

// The AWS SDK warns once per process that its 2027 releases will need Node 22; every process started
// here inherits this, so that notice is not mistaken for a line the server logged about a failure.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function parseArgs(argv: string[]): { quick: boolean; rounds: number } {
  let quick = false;
  let rounds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--rounds') {
      rounds = Number(argv[++i]);
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds needs a positive whole number\n${USAGE}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return { quick, rounds: rounds ?? (quick ? 1 : 3) };
}

const version = (pkg: string) =>
  (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** A presigned URL of the key as a path and query on the store's port: what wrk and the probe client fetch. */
async function presigned(source: S3Source, key: string): Promise<Target> {
  const url = new URL((await source.urlFor(key, 3600))!);
  return { port: Number(url.port), path: url.pathname + url.search };
}

let tempDir: string | undefined;
installCleanup(() => tempDir);

async function main(): Promise<void> {
  const { quick, rounds } = parseArgs(process.argv.slice(2));
  const wrkVersion = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (wrkVersion.error) throw new Error('wrk not found: apt-get install wrk');
  const pinning = planPinning(1);
  pinSelf(pinning.load);
  const objects = quick ? 500 : 10_000;
  const s: S3Settings = {
    seconds: quick ? 3 : 10,
    rounds,
    viewers: quick ? 200 : 500,
    viewerRate: 256 * 1024,
    settleSeconds: quick ? 2 : 3,
    probeSamples: quick ? 100 : 200,
    serverPin: pinning.server,
    loadPin: pinning.load,
  };
  const say = (line: string) => console.log(line);
  const warnings: string[] = [];
  const warn = (line: string) => {
    warnings.push(line);
    say(`  warning: ${line}`);
  };

  say(`# seekable's S3 source against the store${quick ? ' (--quick)' : ''}`);
  say('');
  say(
    `- store: s3rver ${version('s3rver')} on 127.0.0.1 (bucket \`${BUCKET}\`, path-style); seekable: createHandler(new S3Source(…)) on node:http from dist/; Node ${process.version}; @aws-sdk/client-s3 ${version('@aws-sdk/client-s3')}`,
  );
  say(
    `- load: ${`${wrkVersion.stdout}${wrkVersion.stderr}`.split('\n')[0]?.split(' [')[0]} -t1 -c64, Node clients on raw sockets; ${s.seconds} s per wrk run, ${rounds} round(s) of ranges (direct, then seekable); ${s.viewers} slow viewers; ${objects.toLocaleString('en-US')} catalog objects`,
  );
  say(
    pinning.server === undefined
      ? `- ${pinning.note}`
      : `- pinned: seekable (and the catalog scan's process) on core ${pinning.server}; s3rver, wrk, the Node clients and this harness on core ${pinning.load} (taskset)`,
  );
  say('');

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'seekable-bench-s3-'));
  const storeDir = path.join(tempDir, 'store');
  say(`writing the bucket into ${storeDir} (s3rver's layout; ${objects.toLocaleString('en-US')} hard links under library/) …`);
  const media = createBucket(storeDir, objects);
  const store = await startStore(storeDir, BUCKET, pinning.load);
  const signer = new S3Source({
    bucket: BUCKET,
    endpoint: store.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: STORE_CREDENTIALS,
  });
  const direct = { big: await presigned(signer, BIG), small: await presigned(signer, SMALL) };
  signer.close();

  const server = await startSeekableS3(store, pinning.server);
  const through = { big: { port: server.port, path: `/${BIG}` }, small: { port: server.port, path: `/${SMALL}` } };
  let storm: Awaited<ReturnType<typeof rangeStorm>>;
  let probe: Awaited<ReturnType<typeof probes>>;
  try {
    await guard('direct (presigned URL)', direct, media);
    await guard('through seekable', through, media);
    say('correctness guard: direct and through seekable ok');
    say('random 1 MiB ranges …');
    storm = await rangeStorm(direct.big, server, s, warn);
    say('Safari probes …');
    probe = await probes(direct.small, through.small, server, s, warn);
  } finally {
    await stopSeekableS3(server);
  }
  const logged = server.child
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes(' ready on '));
  if (logged.length > 0) warn(`seekable logged ${logged.length} line(s), e.g. ${logged[0]}`);

  say(`${s.viewers} slow viewers, directly from the store, then through a fresh seekable process …`);
  const viewers = await slowViewers(store, direct.big, s, warn);
  say(`catalog scan of ${objects.toLocaleString('en-US')} objects …`);
  const catalog = await catalogScan(store, s, objects, warn);
  await stopStore(store);

  say('');
  say(s3Table({ storm, probe, viewers, catalog, objects }));
  say('');
  say(
    `Medians${rounds > 1 ? ' over the rounds, (min–max) across them; the ratio is taken within each round' : ''}. MB = 10^6 bytes. ` +
      `Slow viewers: seekable with ${viewers.maxSockets} store sockets (the default 64 would queue the rest). ` +
      'On a 2-core machine shared with other work these figures are noisy.',
  );
  const failures = [probe.stats, storm.perRange, viewers.stats].flatMap((x) => Object.entries(x.failures));
  if (failures.length > 0) warnings.push(`store requests that failed: ${failures.map(([what, n]) => `${n} ${what}`).join(', ')}`);
  if (warnings.length > 0) {
    say('\nwarnings (figures they concern are suspect):');
    for (const warning of warnings) say(`- ${warning}`);
  }
}

main().then(
  async () => {
    await stopAll();
    process.exit(0);
  },
  async (err: unknown) => {
    if (isInterrupted()) return; // the signal handler is already stopping everything
    console.error(`\nbenchmark aborted: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    process.exit(1);
  },
);
