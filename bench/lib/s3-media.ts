/** What the S3 benchmark's bucket holds: generated in a temp dir at bench time, never in the repo. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './procs.js';
import { linkObject, writeObject } from './store-layout.js';

export const BUCKET = 'videos';
export const BIG = 'big.mp4';
export const SMALL = 'small.mp4';
export const BIG_SIZE = 64 * 1024 * 1024;
/** The catalog's objects are under this prefix, 100 to a folder (s3rver walks folders when it lists). */
export const LIBRARY = 'library/';
const PER_FOLDER = 100;
const DEMO = path.join(REPO_ROOT, 'demo', 'Test pattern (H.264).mp4');

export interface BucketMedia {
  /** The 64 MiB object's bytes, to check answers against. */
  big: Buffer;
  small: Buffer;
  /** How many objects the catalog finds under LIBRARY. */
  libraryObjects: number;
}

/**
 * 64 MiB of pseudo-random bytes (xorshift32) in which every 4 KiB page also carries its own offset,
 * as bench/lib/media.ts makes its 1 GiB file: a range sent from the wrong offset fails the guard.
 * Not a playable video; only its bytes matter.
 */
function pattern(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes.writeUInt32LE(x >>> 0, i);
  }
  for (let page = 0; page < size; page += 4096) bytes.writeUInt32LE(page / 4096, page);
  return bytes;
}

/**
 * Fills `root` (s3rver's directory) with the bucket: `big.mp4` (64 MiB pattern), `small.mp4` (the demo
 * test pattern, a real H.264 MP4) and `libraryObjects` copies of it under `library/` (hard links), for
 * the catalog scan.
 */
export function createBucket(root: string, libraryObjects: number): BucketMedia {
  const big = pattern(BIG_SIZE);
  const small = readFileSync(DEMO);
  writeObject(root, BUCKET, BIG, big, 'video/mp4');
  writeObject(root, BUCKET, SMALL, small, 'video/mp4');
  for (let i = 0; i < libraryObjects; i++) {
    const folder = String(Math.floor(i / PER_FOLDER)).padStart(3, '0');
    linkObject(root, BUCKET, SMALL, `${LIBRARY}f${folder}/v${String(i).padStart(5, '0')}.mp4`);
  }
  return { big, small, libraryObjects };
}
