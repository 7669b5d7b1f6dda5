import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { ByteReader } from '../../src/media/media-info.js';
import { lastBlockTime } from '../../src/media/probe-matroska.js';
import { probe } from '../../src/media/probe.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { VERDICT_FIXTURES, verdictFixtures } from '../support/verdict-fixtures.js';

/** A ByteReader over bytes in memory. */
const memory = (bytes: Buffer): ByteReader => ({ size: bytes.length, read: async (s, l) => bytes.subarray(s, s + l) });

describe('the new readers on crafted bytes', () => {
  it('an AVI whose header is cut or claims sizes past the end: what is there, never a throw', async () => {
    const head = Buffer.alloc(40);
    head.write('RIFF', 0, 'latin1');
    head.writeUInt32LE(0xffffffff, 4);
    head.write('AVI LIST', 8, 'latin1');
    head.writeUInt32LE(0xfffffff0, 16); // a LIST claiming 4 GB
    head.write('hdrlavih', 20, 'latin1');
    head.writeUInt32LE(56, 28);
    const info = await probe('x.avi', memory(head));
    assert.equal(info.container, 'avi');
    assert.equal(info.duration, undefined);
    assert.deepEqual(await probe('y.avi', memory(Buffer.from('RIFF\0\0\0\0AVI '))), { container: 'avi', error: 'no hdrl list in the AVI header' });
  });

  it('an Ogg file whose first page names no codec we know', async () => {
    const page = Buffer.alloc(28 + 10);
    page.write('OggS', 0, 'latin1');
    page[5] = 0x02; // BOS
    page[26] = 1;
    page[27] = 10;
    page.write('speexxxxxx', 28, 'latin1');
    assert.deepEqual(await probe('a.ogg', memory(page)), { container: 'ogg', error: 'unknown codec in the Ogg stream' });
  });

  it('the last block of a tail: no Cluster, a Cluster without its Timestamp first, a block cut short', () => {
    assert.equal(lastBlockTime(Buffer.from('no clusters here')), undefined);
    const cluster = (children: number[]) => Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x80 | children.length, ...children]);
    assert.equal(lastBlockTime(cluster([0xa3, 0x84, 0x81, 0x00, 0x10, 0x80])), undefined, 'a SimpleBlock before any Timestamp');
    // Timestamp 1000, a SimpleBlock at +40, a BlockGroup whose Block is at +80, then a block cut short.
    const ok = cluster([0xe7, 0x82, 0x03, 0xe8, 0xa3, 0x84, 0x81, 0x00, 0x28, 0x80, 0xa0, 0x86, 0xa1, 0x84, 0x81, 0x00, 0x50, 0x80]);
    assert.equal(lastBlockTime(ok), 1080);
    assert.equal(lastBlockTime(Buffer.concat([ok, Buffer.from([0xa3, 0x90, 0x81])])), 1080);
  });
});

if (ffmpegMissing) console.log(`# mutation tests skipped: ${ffmpegMissing}`);

describe('the fixtures cut and corrupted: a probe always answers, quickly', { skip: ffmpegMissing }, () => {
  let dir: string;
  before(async () => {
    dir = await verdictFixtures();
  });

  it('a WebM written to a pipe (Segment of unknown size, no Duration): its length from its last block', async () => {
    const live = execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=3'],
      ...['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-f', 'webm', 'pipe:1'],
    ]);
    const info = await probe('live.webm', memory(live));
    assert.equal(info.truncated, undefined);
    assert.ok(info.duration !== undefined && info.duration > 2.8 && info.duration <= 3, `duration ${info.duration}`);
  });

  it('junk after a whole mdat is a problem of its own, not a cut', async () => {
    const whole = await readFile(path.join(dir, 'Fine.mp4'));
    const info = await probe('junk.mp4', memory(Buffer.concat([whole, Buffer.from([0, 0, 0, 9, 1, 2, 3, 4, 5])])));
    assert.equal(info.truncated, undefined);
    assert.match(info.error ?? '', /^not an MP4 file \(no box header at byte \d+\)$/);
  });

  it('every cut length and 100 corruptions of each head give an answer, never a throw or a hang', { timeout: 120_000 }, async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (const name of VERDICT_FIXTURES) {
      const whole = await readFile(path.join(dir, name));
      for (let i = 1; i <= 40; i++) {
        const info = await probe(name, memory(whole.subarray(0, Math.floor((whole.length * i) / 41))));
        assert.equal(typeof info.container, 'string');
      }
      for (let i = 0; i < 100; i++) {
        const bytes = Buffer.from(whole);
        for (let j = 0; j < 8; j++) bytes[Math.floor(random() * Math.min(bytes.length, 4096))] = Math.floor(random() * 256);
        const t0 = performance.now();
        const info = await probe(name, memory(bytes));
        assert.equal(typeof info.container, 'string');
        assert.ok(performance.now() - t0 < 5000, `${name}: ${Math.round(performance.now() - t0)} ms`);
      }
    }
  });
});
