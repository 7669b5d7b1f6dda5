import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import type { Readable } from 'node:stream';

/** A process started in a process group of its own, which `stop()` ends whole. */
export interface GroupProcess {
  child: ChildProcess;
  /** Ends the whole group (the process and whatever it started), at once, and waits for the leader. */
  stop(): Promise<void>;
}

/**
 * Starts a command as the leader of a new process group, watched by guardGroup. The browsers start
 * helpers of their own (content processes, web processes, MiniBrowser under WebKitWebDriver), which stay
 * in the group: killing the group ends them too.
 */
export function startGroup(command: string, args: string[], options: SpawnOptions = {}): GroupProcess {
  const child = spawn(command, args, { ...options, detached: true });
  const pgid = child.pid;
  // spawn reports a missing binary through 'error'; stop() must still be safe to call.
  if (pgid === undefined) return { child, stop: async () => {} };
  const guard = guardGroup(pgid);
  let stopped: Promise<void> | undefined;
  return {
    child,
    stop: () => {
      stopped ??= (async () => {
        const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit').then(() => {});
        killGroup(pgid);
        await exited;
        await guard.release();
      })();
      return stopped;
    },
  };
}

/**
 * Watches a process group with a guard: a shell that reads its stdin from this process and, should it
 * see end-of-file before release() says the group ended cleanly, kills the group. The pipe closes when
 * this process dies in any way, SIGKILL included, so a browser, its driver or its display never
 * outlives the test file that started it, even when nothing of ours gets to run.
 */
export function guardGroup(pgid: number): { release(): Promise<void> } {
  // dash's kill takes no "--": "-PGID" after the signal names the group.
  const guard = spawn('sh', ['-c', 'read line; [ "$line" = done ] || kill -KILL "-$0" 2>/dev/null', String(pgid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  // The guard and its pipe must not keep the test file's event loop alive.
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void }).unref?.();
  const exited = once(guard, 'exit').then(() => {});
  return {
    // Waited for: a guard left to exit after this process would stay a zombie where init does not reap.
    release: async () => {
      guard.ref();
      guard.stdin?.end('done\n');
      await exited;
    },
  };
}

/** SIGKILL to a process group we started; a group that is already gone is fine. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Starts a virtual X display for WebKitGTK, which has no headless mode. `-displayfd` makes Xvfb pick a
 * free display number itself and write it once it accepts connections: no guessing, no race with the
 * other Xvfbs of a shared machine.
 */
export async function startXvfb(): Promise<{ display: string; process: GroupProcess }> {
  const xvfb = startGroup('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  try {
    const number = await readLine(xvfb.child.stdio[3] as Readable, xvfb.child, 'Xvfb', 20_000);
    return { display: `:${number}`, process: xvfb };
  } catch (error) {
    await xvfb.stop();
    throw error;
  }
}

/** The first line a child writes on a stream, or an error (with its stderr) if it exits or times out first. */
export function readLine(stream: Readable, child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const timer = setTimeout(() => reject(new Error(`${what} said nothing in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      const end = text.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, end).trim());
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
}

/** A TCP port free on the loopback interface right now, for a server that must be told its port. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
