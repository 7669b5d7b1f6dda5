/** The media every server serves: generated in a temp dir at bench time, never in the repo. */
import { copyFileSync, mkdirSync, openSync, closeSync, writeSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './procs.js';

export const BIG = 'big.mp4';
export const SMALL = 'small.mp4';
export const BIG_SIZE = 1024 * 1024 * 1024;
const BLOCK = 8 * 1024 * 1024;
const DEMO = path.join(REPO_ROOT, 'demo', 'Test pattern (H.264).mp4');

export interface Media {
  dir: string;
  bigPath: string;
  bigSize: number;
  smallPath: string;
  smallSize: number;
}

/**
 * A 1 GiB file written as 128 copies of an 8 MiB pseudo-random block in which every 4 KiB page also
 * carries its own absolute offset: no two pages are equal, so a server that sends the right bytes from
 * the wrong offset fails the correctness guard. It is not a playable video; only its bytes matter.
 */
export function createMedia(tempDir: string): Media {
  const dir = path.join(tempDir, 'media');
  mkdirSync(dir);
  const block = Buffer.allocUnsafe(BLOCK);
  let x = 0x9e3779b9;
  for (let i = 0; i < BLOCK; i += 4) {
    // xorshift32: fast, deterministic, and nowhere near all-equal bytes
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  const bigPath = path.join(dir, BIG);
  const fd = openSync(bigPath, 'w');
  try {
    for (let offset = 0; offset < BIG_SIZE; offset += BLOCK) {
      for (let page = 0; page < BLOCK; page += 4096) block.writeUInt32LE((offset + page) / 4096, page);
      writeSync(fd, block, 0, BLOCK, offset);
    }
  } finally {
    closeSync(fd);
  }
  const smallPath = path.join(dir, SMALL);
  copyFileSync(DEMO, smallPath);
  return { dir, bigPath, bigSize: BIG_SIZE, smallPath, smallSize: statSync(smallPath).size };
}
