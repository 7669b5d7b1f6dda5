import type { Server } from 'node:http';
import { UsageError } from './usage-error.js';

export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new UsageError(`port ${port} on ${host} is already in use (try --port)`));
      else if (err.code === 'EACCES') reject(new UsageError(`no permission to listen on ${host}:${port}`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new UsageError(`cannot listen on host '${host}'`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
}
