import type { Server } from 'node:net';
import { UsageError } from './usage-error.js';

/** Listens, or fails with a UsageError that says why in words, with the system's code. */
export function listen(server: Server, host: string, port: number, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenFailure(err, host, port, env)));
    server.listen(port, host, () => resolve());
  });
}

/** What to tell the user when listening failed: the problem, then the code and what it means here. */
export function listenFailure(err: NodeJS.ErrnoException, host: string, port: number, env: NodeJS.ProcessEnv): Error {
  switch (err.code) {
    case 'EADDRINUSE': {
      // Through `npm start`, a bare --port would go to npm, not to us: the user must type it after `--`.
      const other = port < 65535 ? port + 1 : port - 1;
      const retry = env.npm_lifecycle_event === 'start' ? `try npm start -- --port ${other}` : 'try --port';
      return new UsageError(`port ${port} on ${host} is already in use (${retry})`);
    }
    case 'EACCES': {
      const why = port > 0 && port < 1024 ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE' : 'permission denied';
      return new UsageError(`no permission to listen on ${host}:${port} (EACCES: ${why})`);
    }
    case 'EADDRNOTAVAIL':
      return new UsageError(`cannot listen on host '${host}' (EADDRNOTAVAIL: no interface has that address)`);
    case 'ENOTFOUND':
      return new UsageError(`cannot listen on host '${host}' (ENOTFOUND: no such host name)`);
    case 'EAI_AGAIN':
      return new UsageError(`cannot listen on host '${host}' (EAI_AGAIN: the name could not be looked up, is DNS reachable?)`);
    case 'EAFNOSUPPORT':
      return new UsageError(`cannot listen on host '${host}' (EAFNOSUPPORT: this machine does not support that kind of address, IPv6 perhaps)`);
    default:
      // Node's own message carries the code and the system's words for it, e.g. "listen EINVAL: invalid argument".
      return new UsageError(`cannot listen on ${host}:${port} (${err.message})`);
  }
}
