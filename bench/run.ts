/**
 * seekable against nginx and Express static, on the same generated media, in interleaved rounds; then
 * the doors: seekable's Fastify, Koa and Fetch adapters beside each framework's own static serving.
 *   npx tsx bench/run.ts [--quick] [--rounds N] [--workers N] [--only core|doors]
 * See bench/README.md for what it needs and what the columns mean.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { doorsTable } from './lib/doors-report.js';
import { availableDoors, doorVersions, runDoors } from './lib/doors.js';
import { guard } from './lib/guard.js';
import { createMedia, type Media } from './lib/media.js';
import { installCleanup, isInterrupted, pinSelf, planPinning, REPO_ROOT, stopAll } from './lib/procs.js';
import { absolutes, table, type Results } from './lib/report.js';
import { measure, type Settings } from './lib/scenarios.js';
import { loggedLines, SERVERS, startServer, stopServer, type ServerContext } from './lib/servers.js';

const USAGE = 'usage: npx tsx bench/run.ts [--quick] [--rounds N] [--workers N] [--only core|doors]';

type Section = 'core' | 'doors';

interface Args {
  quick: boolean;
  /** Rounds of the core comparison. */
  rounds: number;
  /** Rounds of the doors section: --rounds when given, else fewer than the core's (it has three times the servers). */
  doorRounds: number;
  workers: number;
  sections: ReadonlySet<Section>;
}

function parseArgs(argv: string[]): Args {
  let quick = false;
  let rounds: number | undefined;
  let workers = 1;
  let only: Section | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const count = () => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive whole number\n${USAGE}`);
      return value;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--rounds') rounds = count();
    else if (arg === '--workers') workers = count();
    else if (arg === '--only') {
      const value = argv[++i];
      if (value !== 'core' && value !== 'doors') throw new Error(`--only needs core or doors\n${USAGE}`);
      only = value;
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return {
    quick,
    rounds: rounds ?? (quick ? 1 : 3),
    doorRounds: rounds ?? (quick ? 1 : DOOR_ROUNDS),
    workers,
    sections: new Set<Section>(only === undefined ? ['core', 'doors'] : [only]),
  };
}

/** The version line of a tool, or an error saying how to install it. */
function requireTool(command: string, args: string[], install: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${command} not found: ${install}`);
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? command;
}

/**
 * The doors section's settings at default rounds: 2 rounds of 9 servers, 5 s per scenario and 300 slow
 * viewers, to stay near the ~8 minutes it may add to the whole run (the core comparison takes ~10).
 * With 500 viewers, 2 rounds took 11.5 minutes on this project's 2-core machine under a load of 10-12
 * from other work, most Node servers waiting out 20 s for viewers that got no byte.
 */
const DOOR_ROUNDS = 2;
const DOOR_SECONDS = 5;
const DOOR_VIEWERS = 300;

let tempDir: string | undefined;
installCleanup(() => tempDir);

async function main(): Promise<void> {
  const { quick, rounds, doorRounds, workers, sections } = parseArgs(process.argv.slice(2));
  const core = sections.has('core');
  const doors = sections.has('doors');
  const nginxVersion = core ? requireTool('nginx', ['-v'], 'apt-get install nginx') : '';
  const wrkVersion = requireTool('wrk', ['-v'], 'apt-get install wrk');
  const expressVersion = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/express/package.json'), 'utf8')) as { version: string }).version;
  const pinning = planPinning(workers);
  pinSelf(pinning.load);

  const seconds = quick ? 3 : 10;
  const viewers = quick ? 200 : 1000;
  const doorSeconds = quick ? 3 : DOOR_SECONDS;
  const doorViewers = quick ? 200 : DOOR_VIEWERS;
  const say = (line: string) => console.log(line);
  say(`# seekable benchmark${quick ? ' (--quick)' : ''}${sections.size === 1 ? ` (--only ${[...sections][0]})` : ''}`);
  say('');
  if (core) {
    say(`- ${rounds} round(s), interleaved nginx → express → seekable; ${seconds} s per scenario; ${viewers} slow viewers`);
    say(
      `- servers: ${nginxVersion.replace('nginx version: ', '')} (${workers} worker process${workers > 1 ? 'es' : ''}, sendfile on), express ${expressVersion} static, seekable createHandler on node:http${workers > 1 ? ` (node:cluster, ${workers} workers)` : ''}; Node ${process.version}`,
    );
  }
  if (doors) {
    const { doors: here } = availableDoors();
    const names = here.map((door) => {
      const versions = doorVersions(door);
      return `${versions.framework} (${door.doorLabel} vs ${versions.own})`;
    });
    say(
      `- doors: ${doorRounds} round(s), interleaved seekable's node:http handler → each framework's door → its own static; ${doorSeconds} s per scenario; ${doorViewers} slow viewers; ${names.join(', ')}${core ? '' : `; Node ${process.version}`}`,
    );
  }
  say(`- load: ${wrkVersion.split(' [')[0]} -t1, Node clients on raw sockets`);
  say(`- ${pinning.note}`);
  say('');

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'seekable-bench-'));
  say(`creating media in ${tempDir} …`);
  const media = createMedia(tempDir);
  const ctx: ServerContext = { tempDir, mediaDir: media.dir, workers, pin: pinning.server };
  const settings: Settings = {
    seconds,
    viewers,
    viewerRate: 256 * 1024,
    settleSeconds: quick ? 2 : 3,
    latencySamples: 50,
    ttfbSamples: 200,
    loadPin: pinning.load,
    media,
  };
  const warnings: string[] = [];

  if (core) {
    const results = await runCore(ctx, settings, rounds, media, say, warnings);
    say('');
    say(table(results, viewers));
    say('');
    say(
      `nginx: median over ${rounds} round(s)` +
        (rounds > 1 ? ', (min–max) across rounds' : '') +
        '. express, seekable: ratio to nginx measured in the same round (higher is better for MB/s and req/s, lower for KiB and ms); ' +
        `MB = 10^6 bytes. ${pinning.note}.`,
    );
    say('');
    say(absolutes(results));
  }
  if (doors) {
    if (core) say('');
    const doorSettings: Settings = { ...settings, seconds: doorSeconds, viewers: doorViewers, settleSeconds: 2 };
    const results = await runDoors(ctx, doorSettings, doorRounds, say, warnings);
    say('');
    say("## Doors: seekable's adapters beside each framework's own static serving");
    say('');
    say(doorsTable(results, doorViewers));
  }
  if (warnings.length > 0) {
    say('\nwarnings (figures they concern are suspect):');
    for (const warning of warnings) say(`- ${warning}`);
  }
}

/** The core comparison: nginx, express and seekable's node:http handler in interleaved rounds, every scenario. */
async function runCore(
  ctx: ServerContext,
  settings: Settings,
  rounds: number,
  media: Media,
  say: (line: string) => void,
  warnings: string[],
): Promise<Results> {
  // Every server is checked before anything is measured, so a wrong one fails the run within seconds.
  for (const name of SERVERS) {
    const server = await startServer(name, ctx);
    try {
      await guard(name, server.port, media);
    } finally {
      await stopServer(server);
    }
    say(`correctness guard: ${name} ok`);
  }

  const results: Results = { nginx: [], express: [], seekable: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const name of SERVERS) {
      say(`\nround ${round}/${rounds}: ${name}`);
      // A fresh process each round: the memory baseline is not what an earlier round left behind.
      const server = await startServer(name, ctx);
      try {
        await guard(name, server.port, media);
        const log = (line: string) => say(`  ${line}`);
        const warn = (line: string) => {
          warnings.push(`round ${round}, ${name}: ${line}`);
          say(`  warning: ${line}`);
        };
        results[name].push(await measure(server, settings, log, warn));
        if (server.child.proc.exitCode !== null || server.child.proc.signalCode !== null) {
          throw new Error(`${name} died during the measurements:\n${server.child.output()}`);
        }
      } finally {
        await stopServer(server);
      }
      // Anything a Node server printed besides its ready line is a failure it logged (seekable logs one line each).
      const logged = loggedLines(server);
      if (logged.length > 0) {
        warnings.push(`round ${round}, ${name}: the server logged ${logged.length} line(s), e.g. ${logged[0]}`);
      }
    }
  }
  return results;
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
