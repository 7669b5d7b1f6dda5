/** Starts seekable over the store (bench/servers/seekable-s3.ts) as its own process, and reads its store counts. */
import { freePort } from './servers.js';
import { startNode, stop, type Child } from './procs.js';
import type { RunningStore } from './store.js';
import type { StoreStats } from '../servers/seekable-s3.js';

export type { StoreStats };

export interface SeekableS3 {
  port: number;
  /** Its tree's RSS is the server's memory. */
  pid: number;
  child: Child;
}

/** GET /__bench/stats: the store requests the server made so far (answered outside its handler). */
export async function storeStats(port: number): Promise<StoreStats> {
  const res = await fetch(`http://127.0.0.1:${port}/__bench/stats`);
  if (!res.ok) throw new Error(`/__bench/stats answered ${res.status}`);
  return (await res.json()) as StoreStats;
}

/** What happened between two readings of the counts. */
export function statsSince(before: StoreStats, after: StoreStats): StoreStats {
  const failures: Record<string, number> = {};
  for (const [what, count] of Object.entries(after.failures)) {
    const n = count - (before.failures[what] ?? 0);
    if (n > 0) failures[what] = n;
  }
  const requests = { ...after.requests };
  for (const operation of Object.keys(requests) as (keyof StoreStats['requests'])[]) requests[operation] -= before.requests[operation];
  return {
    received: after.received - before.received,
    requests,
    failures,
    cache: { hits: after.cache.hits - before.cache.hits, misses: after.cache.misses - before.cache.misses },
  };
}

/**
 * A fresh seekable process over `store`, pinned to `pin`, ready when its stats route answers (within
 * 20 s). `maxSockets` is S3Source's limit of store connections (undefined: its default, 64).
 */
export async function startSeekableS3(store: RunningStore, pin: string | undefined, maxSockets?: number): Promise<SeekableS3> {
  const port = await freePort();
  const args = ['--endpoint', store.endpoint, '--bucket', store.bucket, '--port', String(port)];
  if (maxSockets !== undefined) args.push('--max-sockets', String(maxSockets));
  const child = startNode('seekable-s3', 'servers/seekable-s3.ts', args, { pin });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      await stop(child);
      throw new Error(`seekable-s3 exited before answering:\n${child.output()}`);
    }
    try {
      await storeStats(port);
      return { port, pid: child.pid, child };
    } catch {
      if (Date.now() > deadline) {
        await stop(child);
        throw new Error(`seekable-s3 did not answer within 20 s:\n${child.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function stopSeekableS3(server: SeekableS3): Promise<void> {
  await stop(server.child);
}
