import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { type RunningCli, repo, startCli } from './cli.js';

/** nginx's binary: on the PATH, or where Debian puts it (/usr/sbin is not on every user's PATH). */
const NGINX = ['nginx', '/usr/sbin/nginx'].find((binary) => spawnSync(binary, ['-v']).status === 0);

/** Tests that need nginx skip, saying why, without it. */
export const nginxMissing = NGINX === undefined ? 'nginx is not installed (apt-get install nginx)' : false;

/**
 * A file of deploy/nginx/ with its ports and paths changed, and nothing else: each `[from, to]` is a
 * literal that must be there (a test whose file changed shape fails here, instead of testing a
 * configuration nobody ships).
 */
export async function deployConfig(name: string, replacements: readonly (readonly [string, string])[]): Promise<string> {
  let text = await readFile(path.join(repo, 'deploy/nginx', name), 'utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`deploy/nginx/${name} no longer has ${JSON.stringify(from)}`);
    text = text.split(from).join(to);
  }
  return text;
}

/** A free loopback port (released just before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunningNginx {
  /** The master process. */
  child: ChildProcess;
  /** nginx's error log so far. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * nginx as this test's own process, in the foreground: its prefix, main configuration, pid file, logs
 * and every temp path in `dir`, reading no system file but its own binary. `site` goes in its http {}
 * block, as deploy/nginx/'s files are meant to; resolves once each of `ports` accepts connections.
 */
export async function startNginx(dir: string, site: string, ports: readonly number[]): Promise<RunningNginx> {
  const prefix = path.join(dir, 'nginx');
  await mkdir(prefix, { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  const errorLog = path.join(prefix, 'error.log');
  await writeFile(path.join(prefix, 'site.conf'), site);
  await writeFile(
    conf,
    `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
error_log ${errorLog} warn;
events { worker_connections 4096; }
http {
  types { video/mp4 mp4; text/html html; }
  default_type application/octet-stream;
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
  const child = spawn(NGINX ?? 'nginx', ['-p', prefix, '-c', conf, '-e', errorLog, '-g', `daemon off; pid ${prefix}/nginx.pid;`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group: stopping it takes its workers along
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = once(child, 'exit');
  const log = () => readFile(errorLog, 'utf8').catch(() => '');
  const deadline = Date.now() + 10_000;
  for (const port of ports) {
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not start: ${stderr}${await log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    child,
    errorLog: log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One seekable node of a test's front: the CLI in a child process, on an ephemeral port. */
export interface SeekableNode {
  port: number;
  base: string;
  cli: RunningCli;
  /** The node's access log so far, parsed (stdout carries nothing else). */
  accessLog(): { path: string; status: number; bytes: number; range?: string }[];
}

/** `seekable serve <root> --port 0` with `args`; resolves once it listens. */
export async function startNode(root: string, cacheDir: string, args: readonly string[] = []): Promise<SeekableNode> {
  const cli = startCli(['serve', root, '--port', '0', '--cache-dir', cacheDir, '--no-posters', ...args]);
  const [, base, port] = await cli.waitForStderr(/at (http:\/\/127\.0\.0\.1:(\d+))\/\n/);
  return {
    port: Number(port),
    base: base!,
    cli,
    accessLog: () =>
      cli
        .out()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line)),
  };
}

/**
 * deploy/nginx/seekable.conf in front of `nodes` (two: the file names two), listening on a free
 * loopback port, its cache in `dir`.
 */
export async function startFront(dir: string, nodes: readonly { port: number }[]) {
  const port = await freePort();
  const site = await deployConfig('seekable.conf', [
    ['server 127.0.0.1:8081', `server 127.0.0.1:${nodes[0]!.port}`],
    ['server 127.0.0.1:8082', `server 127.0.0.1:${nodes[1]!.port}`],
    ['listen 8080', `listen 127.0.0.1:${port}`],
    ['/var/cache/nginx/seekable', path.join(dir, 'nginx-cache')],
  ]);
  const nginx = await startNginx(dir, site, [port]);
  return { url: `http://127.0.0.1:${port}`, nginx };
}
