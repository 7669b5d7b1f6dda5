import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'src/cli.ts');

export interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  exited: Promise<number>;
  out: () => string;
  err: () => string;
  /** Resolves with the first match of `pattern` in stderr; rejects if the CLI exits first. */
  waitForStderr: (pattern: RegExp) => Promise<RegExpExecArray>;
}

/**
 * The real CLI, from the sources through tsx's loader, in a child process run from the repository
 * (relative paths in `args` are relative to it), its output collected.
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  // 'close', not 'exit': by then every byte the process (and any worker sharing its pipes) wrote is in.
  const exited = once(child, 'close').then(([code]) => code as number);
  const waitForStderr = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(stderr);
        if (m) {
          child.stderr.off('data', check);
          resolve(m);
        }
      };
      child.stderr.on('data', check);
      check();
      exited.then(() => reject(new Error(`exited before ${pattern}: ${stderr}`)));
    });
  return { child, exited, out: () => stdout, err: () => stderr, waitForStderr };
}

/** Runs the CLI to its end. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const p = startCli(args, env);
  const code = await p.exited;
  return { code, stdout: p.out(), stderr: p.err() };
}
