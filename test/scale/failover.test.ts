import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request, waitFor } from '../support/http.js';
import { nginxMissing, type SeekableNode, startFront, startNode } from '../support/nginx.js';

const REQUESTS = 1000;
const CONCURRENCY = 8;

/**
 * A node stopped (SIGTERM: its graceful stop) in the middle of a run of range requests through the
 * nginx front: none is lost. Each request carries its own query string, which is part of the cache
 * key, so every one is a miss that reaches a node, as a run over a library too large to cache would.
 */
describe('failover: a node stops during 1,000 range requests through the nginx front', { skip: nginxMissing }, () => {
  let dir: string;
  let nodes: SeekableNode[];
  let front: Awaited<ReturnType<typeof startFront>>;
  const clip = randomBytes(64 * 1024);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-failover-'));
    await mkdir(path.join(dir, 'a'));
    await writeFile(path.join(dir, 'a', 'clip.mp4'), clip);
    execFileSync('cp', ['-a', path.join(dir, 'a'), path.join(dir, 'b')]);
    nodes = [
      await startNode(path.join(dir, 'a'), path.join(dir, 'cache-a'), ['--shutdown-timeout', '10s']),
      await startNode(path.join(dir, 'b'), path.join(dir, 'cache-b'), ['--shutdown-timeout', '10s']),
    ];
    front = await startFront(dir, nodes);
  });
  after(async () => {
    await front?.nginx.stop();
    for (const node of nodes ?? []) node.cli.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('every request gets its exact bytes; after the stop, the other node answers them all', async (t) => {
    let next = 0;
    let stoppedAt: number | undefined;
    const failures: string[] = [];
    let exitedAfter: number | undefined;
    const worker = async () => {
      while (next < REQUESTS) {
        const i = next++;
        if (i === 300) {
          stoppedAt = Date.now();
          nodes[0]!.cli.child.kill('SIGTERM');
          void nodes[0]!.cli.exited.then(() => (exitedAfter = Date.now() - stoppedAt!));
        }
        const start = (i * 7919) % clip.length;
        const end = Math.min(clip.length - 1, start + ((i * 104729) % 20000));
        try {
          const r = await request(`${front.url}/media/clip.mp4?n=${i}`, { headers: { Range: `bytes=${start}-${end}` } });
          if (r.status !== 206 || !r.body.equals(clip.subarray(start, end + 1))) failures.push(`#${i}: ${r.status}, ${r.body.length} bytes`);
        } catch (err) {
          failures.push(`#${i}: ${(err as Error).message}`);
        }
      }
    };
    const began = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(failures, []);
    // The stopped node exits 0 once what it had in flight is done.
    assert.equal(await nodes[0]!.cli.exited, 0);
    t.diagnostic(`${REQUESTS} requests in ${Date.now() - began} ms; the stopped node exited ${exitedAfter} ms after SIGTERM`);
    // Node b's last lines may still be on their way through its stdout pipe.
    const served = await waitFor(
      () => nodes.map((node) => node.accessLog().filter((entry) => entry.path === '/media/clip.mp4').length),
      ([a, b]) => a! + b! >= REQUESTS,
    );
    t.diagnostic(`node a answered ${served[0]} requests, node b ${served[1]}; the stop came at request 300`);
    assert.ok(served[0]! > 0 && served[0]! < REQUESTS, 'node a answered none, or all');
    assert.equal(served[0]! + served[1]!, REQUESTS, 'a request reached no node, or two');
    // nginx logged the refused connections it moved on from, and no request that failed for good.
    const log = await front.nginx.errorLog();
    assert.doesNotMatch(log, /no live upstreams/);
  });
});
