/** Starts the benchmark's s3rver (bench/servers/s3rver.mjs) as a process of its own, optionally pinned. */
import path from 'node:path';
import { BENCH_DIR, start, stop, type Child } from './procs.js';

/** s3rver's fixed credentials (it does not check signatures, only their expiry). */
export const STORE_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface RunningStore {
  /** "http://127.0.0.1:<port>" */
  endpoint: string;
  port: number;
  bucket: string;
  child: Child;
}

/**
 * s3rver on 127.0.0.1 serving `directory` (objects already written in its layout, see
 * store-layout.ts), with `bucket`. Resolves once it printed its port; rejects if it exits first or
 * takes longer than 20 s.
 */
export async function startStore(directory: string, bucket: string, pin: string | undefined): Promise<RunningStore> {
  const script = path.join(BENCH_DIR, 'servers', 's3rver.mjs');
  const child = start('s3rver', process.execPath, ['--openssl-legacy-provider', script, directory, bucket], { pin });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 20 s:\n${child.output()}`)), 20_000);
    child.onLine((line) => {
      clearTimeout(timer);
      resolve(Number(line.trim()));
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${code}) before listening:\n${child.output()}`));
    });
  });
  return { endpoint: `http://127.0.0.1:${port}`, port, bucket, child };
}

export async function stopStore(store: RunningStore): Promise<void> {
  await stop(store.child);
}
