/**
 * The S3 benchmark's correctness guard: before anything is measured, the same ranges are fetched
 * through seekable and directly from the store (the presigned URLs the load generator uses), and
 * each answer's status, Content-Range and bytes are compared with the objects. A fast wrong answer,
 * or a presigned URL the store refuses, must never count.
 */
import { BIG, BIG_SIZE, SMALL, type BucketMedia } from './s3-media.js';

/** Where one object is fetched: a path and query on 127.0.0.1:port. */
export interface Target {
  port: number;
  path: string;
}

interface Check {
  name: string;
  first: number;
  last: number;
}

async function check(via: string, target: Target, object: Buffer, { name, first, last }: Check): Promise<void> {
  const range = `bytes=${first}-${last}`;
  const res = await fetch(`http://127.0.0.1:${target.port}${target.path}`, { headers: { range } });
  const body = Buffer.from(await res.arrayBuffer());
  const what = `${via}: ${name} ${range}`;
  if (res.status !== 206) throw new Error(`${what}: status ${res.status}, not 206`);
  const contentRange = `bytes ${first}-${last}/${object.length}`;
  if (res.headers.get('content-range') !== contentRange)
    throw new Error(`${what}: Content-Range ${res.headers.get('content-range')}, not ${contentRange}`);
  if (!body.equals(object.subarray(first, last + 1))) throw new Error(`${what}: ${body.length} bytes that differ from the object's`);
}

/** Checks the probe and a few ranges of both objects through one way in; throws naming the first mismatch. */
export async function guard(via: string, targets: { big: Target; small: Target }, media: BucketMedia): Promise<void> {
  const mid = BIG_SIZE / 2 - 12_345; // unaligned, across page boundaries
  await check(via, targets.small, media.small, { name: SMALL, first: 0, last: 1 });
  await check(via, targets.small, media.small, { name: SMALL, first: 100, last: 199 });
  await check(via, targets.big, media.big, { name: BIG, first: 0, last: 1024 * 1024 - 1 });
  await check(via, targets.big, media.big, { name: BIG, first: mid, last: mid + 1024 * 1024 - 1 });
  await check(via, targets.big, media.big, { name: BIG, first: BIG_SIZE - 1024 * 1024, last: BIG_SIZE - 1 });
}
