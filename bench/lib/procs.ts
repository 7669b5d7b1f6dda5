/**
 * Every process the benchmark starts goes through here, so that every one of them is stopped: on
 * success, on error, on SIGINT/SIGTERM, and (as a last resort, with SIGKILL) when the harness exits.
 * Each child gets its own process group, and stopping signals the whole group: nginx's workers and
 * node:cluster workers go with their master.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(BENCH_DIR);

/** Where servers and load generators run: a `taskset -c` core list each, or undefined when unpinned. */
export interface Pinning {
  server: string | undefined;
  load: string | undefined;
  note: string;
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Servers on the first `workers` cores, the load on the rest; unpinned when that leaves no core for the load. */
export function planPinning(workers: number): Pinning {
  const cores = os.availableParallelism();
  if (!hasTaskset()) {
    return { server: undefined, load: undefined, note: `unpinned: taskset (util-linux) not found; ${cores} core(s)` };
  }
  if (cores < workers + 1) {
    return {
      server: undefined,
      load: undefined,
      note: `unpinned: ${cores} core(s) cannot separate ${workers} server worker(s) from the load generator`,
    };
  }
  const server = workers === 1 ? '0' : `0-${workers - 1}`;
  const load = cores - 1 === workers ? `${workers}` : `${workers}-${cores - 1}`;
  return {
    server,
    load,
    note: `pinned: servers on core ${server} (taskset -c ${server}); wrk, the Node clients and this harness on core ${load} (taskset -c ${load})`,
  };
}

/** Moves this harness (all its threads) to the load generator's cores, away from the servers. */
export function pinSelf(cores: string | undefined): void {
  if (cores !== undefined) spawnSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** The last few KiB of stdout and stderr, for error messages. */
  output(): string;
  /** Calls `fn` with each line the process writes to stdout. */
  onLine(fn: (line: string) => void): void;
}

const running = new Set<Child>();
const TAIL = 8192;

export interface StartOptions {
  /** A `taskset -c` core list; undefined runs unpinned. */
  pin?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a process in its own group, optionally pinned. Its stdin is a pipe: Node children exit when it closes. */
export function start(name: string, command: string, args: readonly string[], options: StartOptions = {}): Child {
  const [cmd, argv] = options.pin === undefined ? [command, args] : ['taskset', ['-c', options.pin, command, ...args]];
  const proc = spawn(cmd, argv, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.stdin!.on('error', () => {}); // the child may exit before it reads
  const lines = createInterface({ input: proc.stdout! });
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    proc.once('error', (err) => resolve(err.message));
  });
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    exited,
    output: () => tail,
    onLine: (fn) => void lines.on('line', fn),
  };
  running.add(child);
  return child;
}

/** Runs `node --import tsx <script>` (one process: its pid is the server's or the client's). */
export function startNode(name: string, script: string, args: readonly string[], options: StartOptions = {}): Child {
  return start(name, process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, script), ...args], options);
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left in the group
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM to the child's group, SIGKILL after `graceMs`; resolves when the whole group is gone. */
export async function stop(child: Child, graceMs = 3000): Promise<void> {
  child.proc.stdin?.end();
  signalGroup(child.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (signalGroup(child.pid, 0) && Date.now() < deadline) await sleep(25);
  if (signalGroup(child.pid, 'SIGKILL')) {
    while (signalGroup(child.pid, 0) && Date.now() < deadline + 2000) await sleep(25);
  }
  await Promise.race([child.exited, sleep(1000)]);
  running.delete(child);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stop(child)));
}

let interrupted = false;

/** True once SIGINT or SIGTERM arrived: what fails after that is only the shutdown itself. */
export const isInterrupted = () => interrupted;

/**
 * Makes sure nothing outlives the harness: SIGINT/SIGTERM stop every child and remove `tempDir`,
 * and a plain exit (normal, error or uncaught exception) SIGKILLs whatever is left and removes it too.
 */
export function installCleanup(tempDir: () => string | undefined): void {
  const removeTemp = () => {
    const dir = tempDir();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping every process the benchmark started…`);
    void stopAll().finally(() => {
      removeTemp();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const child of running) signalGroup(child.pid, 'SIGKILL');
    removeTemp();
  });
}

/** Resident memory of a process and all its descendants, in bytes (from /proc/<pid>/status VmRSS). */
export function treeRss(rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may contain spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process exited while we looked
    }
  }
  let total = 0;
  const queue = [rootPid];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(match?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}
