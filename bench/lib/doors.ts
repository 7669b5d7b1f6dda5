/**
 * The doors section: for each framework, seekable's adapter beside that framework's own static
 * serving, and seekable's node:http handler as the baseline, measured in the same rounds on the probe,
 * a full file and memory per slow viewer. The adapters must pass the correctness guard; a framework's
 * own static that fails a case is measured on the rows that case does not concern, and reported.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type CaseFailure, type CaseName, guard, inspect, summarizeFailures } from './guard.js';
import { REPO_ROOT } from './procs.js';
import { type Figures, measureRows, type ScenarioKey, type Settings } from './scenarios.js';
import {
  BUN,
  CHUNKED_STREAMS,
  type DoorServerName,
  type FloorServerName,
  freePorts,
  loggedLines,
  type ServerContext,
  startServer,
  stopServer,
  unavailable,
} from './servers.js';

/** One framework: seekable's door in it and the framework's own way to serve files. */
export interface Door {
  framework: string;
  /** Where the framework's version is read: a package in node_modules, or Bun itself. */
  versionOf: string;
  door: DoorServerName;
  doorLabel: string;
  own: DoorServerName;
  ownLabel: string;
  /** The package of the own static serving, for its version (undefined: part of the framework). */
  ownPackage?: string;
  /** The framework alone answering the probe from memory: what the door cannot cost less than. */
  probeFloor?: FloorServerName;
  /**
   * The framework alone sending a whole file the way the door's body must go through it (a web
   * stream of fresh buffers): what the door's full-file row cannot beat. None where the door writes
   * the framework's node:http response itself, as the handler does.
   */
  fullFloor?: FloorServerName;
}

export const DOORS: readonly Door[] = [
  {
    framework: 'Fastify',
    versionOf: 'fastify',
    door: 'fastify-seekable',
    doorLabel: 'seekable/fastify plugin',
    own: 'fastify-static',
    ownLabel: '@fastify/static',
    ownPackage: '@fastify/static',
    probeFloor: 'fastify-floor',
  },
  {
    framework: 'Koa',
    versionOf: 'koa',
    door: 'koa-seekable',
    doorLabel: 'seekable/koa middleware',
    own: 'koa-static',
    ownLabel: 'koa-static',
    ownPackage: 'koa-static',
    probeFloor: 'koa-floor',
  },
  {
    framework: 'Hono on Node',
    versionOf: 'hono',
    door: 'hono-seekable',
    doorLabel: 'createFetchHandler via @hono/node-server',
    own: 'hono-static',
    ownLabel: 'serveStatic (@hono/node-server)',
    ownPackage: '@hono/node-server',
    probeFloor: 'hono-floor',
    fullFloor: 'hono-stream-floor',
  },
  {
    framework: 'Bun',
    versionOf: 'bun',
    door: 'bun-seekable',
    doorLabel: 'Bun.serve + createFetchHandler',
    own: 'bun-file',
    ownLabel: 'Bun.serve + Bun.file',
  },
];

/** The rows of the doors section, and the guard case each one needs its server to get right. */
export const DOOR_ROWS = ['probe', 'full1', 'viewerMemory'] as const satisfies readonly ScenarioKey[];
export type DoorRow = (typeof DOOR_ROWS)[number];
export const ROW_NEEDS: Record<DoorRow, CaseName> = { probe: 'probe', full1: 'whole', viewerMemory: 'whole' };

/** What one server of the section got: its figures per round (absent rows were not measured) and its failed cases. */
export interface DoorServerResult {
  rounds: Partial<Figures>[];
  /** Every guard case it failed in any round, with the problems as first seen. */
  failures: Map<CaseName, CaseFailure>;
}

export interface DoorResults {
  rounds: number;
  /** seekable's node:http handler, measured in the same rounds with the same settings. */
  baseline: Partial<Figures>[];
  servers: Map<DoorServerName, DoorServerResult>;
  /**
   * Each floor's figure per round on its row: probe rates (req/s) of node:http and each
   * framework alone answering from memory, which a door's and the handler's own cost per request is
   * read above, and full-file rates (MB/s) of a framework's web-stream path (doors-report.ts).
   */
  floors: Map<FloorServerName, number[]>;
  /** The frameworks measured, and those skipped with the reason. */
  doors: Door[];
  skipped: { door: Door; why: string }[];
}

/** `framework x.y.z`, `@fastify/static x.y.z`: what the section measured, for the header. */
export function doorVersions(door: Door): { framework: string; own: string } {
  const version = (name: string) => {
    if (name === 'bun') return (spawnSync(BUN, ['--version'], { encoding: 'utf8' }).stdout ?? '').trim() || '?';
    try {
      return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  return {
    framework: `${door.framework === 'Hono on Node' ? 'Hono' : door.framework} ${version(door.versionOf)}`,
    own: door.ownPackage === undefined ? door.ownLabel : `${door.ownLabel} ${version(door.ownPackage)}`,
  };
}

/** The doors that can run here, and those that cannot with the reason (Bun missing). */
export function availableDoors(): { doors: Door[]; skipped: { door: Door; why: string }[] } {
  const doors: Door[] = [];
  const skipped: { door: Door; why: string }[] = [];
  for (const door of DOORS) {
    const why = unavailable(door.door) ?? unavailable(door.own);
    if (why === undefined) doors.push(door);
    else skipped.push({ door, why });
  }
  return { doors, skipped };
}

/**
 * Runs the section: every server is checked first (an adapter that fails aborts the run; a framework's
 * own static that fails is noted), then `rounds` interleaved rounds, each server a fresh process.
 */
export async function runDoors(
  ctx: ServerContext,
  settings: Settings,
  rounds: number,
  say: (line: string) => void,
  warnings: string[],
): Promise<DoorResults> {
  const { doors, skipped } = availableDoors();
  for (const { door, why } of skipped) say(`doors: ${door.framework} skipped: ${why}`);
  const order: ('seekable' | DoorServerName)[] = ['seekable', ...doors.flatMap((door) => [door.door, door.own])];
  const owns = new Set(doors.map((door) => door.own));
  const servers = new Map<DoorServerName, DoorServerResult>();
  for (const name of order) if (name !== 'seekable') servers.set(name, { rounds: [], failures: new Map() });

  /** Guards a server; for a framework's own static, returns the rows it can be measured on. */
  const check = async (name: 'seekable' | DoorServerName, port: number, base: string): Promise<Set<ScenarioKey>> => {
    const allow = { chunkedStreams: CHUNKED_STREAMS[name as DoorServerName] };
    if (name === 'seekable' || !owns.has(name)) {
      await guard(name, port, settings.media, base, allow);
      return new Set(DOOR_ROWS);
    }
    const failures = await inspect(port, settings.media, base, allow);
    const result = servers.get(name)!;
    for (const failure of failures) if (!result.failures.has(failure.name)) result.failures.set(failure.name, failure);
    const failed = new Set(failures.map((failure) => failure.name));
    return new Set(DOOR_ROWS.filter((row) => !failed.has(ROW_NEEDS[row])));
  };

  // Every server is checked before anything is measured, all at once (nine processes starting one
  // after another took most of a minute), so that a wrong adapter fails the run within seconds.
  const ports = await freePorts(order.length);
  const checked = await Promise.allSettled(
    order.map(async (name, i) => {
      const server = await startServer(name, ctx, ports[i]);
      try {
        return await check(name, server.port, server.base);
      } finally {
        await stopServer(server);
      }
    }),
  );
  for (const [i, outcome] of checked.entries()) {
    if (outcome.status === 'rejected') throw outcome.reason;
    const name = order[i]!;
    const rows = outcome.value;
    const failures = servers.get(name as DoorServerName)?.failures;
    const chunked = CHUNKED_STREAMS[name as DoorServerName];
    if (failures === undefined || failures.size === 0) {
      say(`correctness guard: ${name} ok${chunked === undefined ? '' : ` (streamed bodies may come chunked without Content-Length: ${chunked})`}`);
      continue;
    }
    const skippedRows = DOOR_ROWS.filter((row) => !rows.has(row));
    say(
      `correctness guard: ${name} fails ${[...failures.values()].map((f) => f.name).join(', ')}; ` +
        (skippedRows.length > 0 ? `not measured on ${skippedRows.join(', ')}` : 'measured on every row (no row needs those cases)'),
    );
    for (const line of summarizeFailures([...failures.values()])) say(`  ${line}`);
  }

  const baseline: Partial<Figures>[] = [];
  // Each floor on the one row it bounds: node:http and the doors' probe floors on the probe, a full floor on the full file.
  const floorRows: { name: FloorServerName; row: 'probe' | 'full1' }[] = [
    { name: 'node-floor', row: 'probe' },
    ...doors.flatMap((door) => [
      ...(door.probeFloor === undefined ? [] : [{ name: door.probeFloor, row: 'probe' as const }]),
      ...(door.fullFloor === undefined ? [] : [{ name: door.fullFloor, row: 'full1' as const }]),
    ]),
  ];
  const floors = new Map<FloorServerName, number[]>(floorRows.map(({ name }) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    // Every other round runs backwards: on a shared machine whose load drifts over the minutes a round
    // takes, the servers measured last in one round are measured first in the next.
    for (const name of round % 2 === 1 ? order : [...order].reverse()) {
      const label = name === 'seekable' ? 'seekable (node:http handler)' : name;
      say(`\ndoors round ${round}/${rounds}: ${label}`);
      const started = Date.now();
      const server = await startServer(name, ctx);
      try {
        const rows = await check(name, server.port, server.base);
        const warn = (line: string) => {
          warnings.push(`doors round ${round}, ${name}: ${line}`);
          say(`  warning: ${line}`);
        };
        const figures = await measureRows(server, settings, rows, (line) => say(`  ${line}`), warn);
        if (server.child.proc.exitCode !== null || server.child.proc.signalCode !== null) {
          throw new Error(`${name} died during the measurements:\n${server.child.output()}`);
        }
        if (name === 'seekable') baseline.push(figures);
        else servers.get(name)!.rounds.push(figures);
      } finally {
        await stopServer(server);
      }
      say(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      const logged = loggedLines(server);
      if (logged.length > 0) warnings.push(`doors round ${round}, ${name}: the server logged ${logged.length} line(s), e.g. ${logged[0]}`);
    }
    // The floors are measured on their one row and not guarded: the probe floors answer every request
    // alike (no file is read), the stream floor sends whole files without ranges.
    for (const { name, row } of floorRows) {
      say(`\ndoors round ${round}/${rounds}: ${name} (${row === 'probe' ? "the probe's answer from memory" : 'the whole file as a web stream'})`);
      const server = await startServer(name, ctx);
      try {
        const warn = (line: string) => {
          warnings.push(`doors round ${round}, ${name}: ${line}`);
          say(`  warning: ${line}`);
        };
        const figures = await measureRows(server, settings, new Set<ScenarioKey>([row]), (line) => say(`  ${line}`), warn);
        const figure = figures[row];
        if (figure !== undefined) floors.get(name)!.push(figure);
      } finally {
        await stopServer(server);
      }
    }
  }
  return { rounds, baseline, servers, floors, doors, skipped };
}
