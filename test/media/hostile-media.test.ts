import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ByteReader } from '../../src/media/media-info.js';
import { Posters } from '../../src/media/posters.js';
import { probe } from '../../src/media/probe.js';
import { srtToVtt } from '../../src/media/srt-to-vtt.js';
import { ffmpegMissing, mediaFixtures } from '../support/fixtures.js';

/** A ByteReader over bytes in memory, for files crafted in the test. */
const memory = (bytes: Buffer): ByteReader => ({ size: bytes.length, read: async (s, l) => bytes.subarray(s, s + l) });

/** Fails if `work` takes longer than `ms`: these inputs used to take minutes or crash the process. */
async function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await work();
  assert.ok(performance.now() - t0 < ms, `took ${Math.round(performance.now() - t0)} ms`);
  return result;
}

describe('hostile and odd media files', () => {
  it('an ftyp claiming 1.5 GB is refused, not read', async () => {
    const file = Buffer.alloc(64);
    file.writeUInt32BE(1_500_000_000, 0);
    file.write('ftypisom', 4, 'latin1');
    const info = await within(1000, () => probe('bigftyp.mp4', memory(file)));
    assert.match(info.error ?? '', /truncated|invalid ftyp/);
  });

  it('an EBML integer claiming 2^52 bytes is not looped over', async () => {
    const file = Buffer.from([
      0x1a,
      0x45,
      0xdf,
      0xa3,
      0x87,
      0x42,
      0x82,
      0x84,
      ...Buffer.from('webm'), // EBML header, DocType webm
      0x18,
      0x53,
      0x80,
      0x67,
      0x01,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff, // Segment of unknown size
      0x16,
      0x54,
      0xae,
      0x6b,
      0x8c, // Tracks, 12 bytes
      0xae,
      0x8a, // TrackEntry, 10 bytes
      0x83,
      0x01,
      0x10,
      0,
      0,
      0,
      0,
      0,
      0,
      0x01, // TrackType, claiming 2^52 bytes
    ]);
    const info = await within(1000, () => probe('hang.webm', memory(file)));
    assert.equal(info.container, 'webm');
  });

  it('subtitle styling codes cannot make conversion quadratic', () => {
    const line = '{\\'.repeat(100_000) + '<font '.repeat(50_000);
    const t0 = performance.now();
    srtToVtt(`1\n00:00:01,000 --> 00:00:02,000\n${line}\n`);
    assert.ok(performance.now() - t0 < 1000, `took ${Math.round(performance.now() - t0)} ms`);
  });

  describe('on real files', { skip: ffmpegMissing }, () => {
    let fixtures: string;
    before(async () => {
      fixtures = await mediaFixtures();
    });

    it('a sample table claiming 4 billion samples does not exhaust the heap', async () => {
      const file = await readFile(path.join(fixtures, 'h264-aac-faststart.mp4'));
      const stsz = file.indexOf('stsz');
      file.writeUInt32BE(1, stsz + 8); // sample_size: every sample 1 byte...
      file.writeUInt32BE(0xfffffff0, stsz + 12); // ...and 4 billion of them
      const info = await within(2000, () => probe('v.mp4', memory(file)));
      assert.ok(Math.abs(info.duration! - 4) < 0.05);
      assert.equal(info.videoCodec, 'avc1.64000d');
    });

    it('an old QuickTime file without ftyp is read as MOV', async () => {
      const file = await readFile(path.join(fixtures, 'h264-aac-faststart.mp4'));
      file.write('free', 4, 'latin1'); // the ftyp box becomes padding
      const info = await probe('old.mov', memory(file));
      assert.equal(info.error, undefined);
      assert.equal(info.container, 'mov');
      assert.ok(Math.abs(info.duration! - 4) < 0.05);
    });

    it('a fragmented MP4 without mehd has no duration rather than 0', async () => {
      const info = await probe('fragmented.mp4', memory(await readFile(path.join(fixtures, 'fragmented.mp4'))));
      assert.equal(info.duration, undefined);
      assert.equal(info.videoCodec, 'avc1.64000d');
    });
  });

  describe('posters never let ffmpeg guess', { skip: ffmpegMissing }, () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'seekable-hostile-'));
    });
    after(() => rm(dir, { recursive: true }));

    it('an HLS playlist named .ogv or .mp4 is flagged and gets no poster', async () => {
      const fixtures = await mediaFixtures();
      const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4.0,\n${path.join(fixtures, 'h264-aac.mkv')}\n#EXT-X-ENDLIST\n`;
      const posters = new Posters(path.join(dir, 'posters'));
      for (const name of ['evil.ogv', 'evil.mp4']) {
        const file = path.join(dir, name);
        await writeFile(file, playlist);
        const info = await probe(name, memory(Buffer.from(playlist)));
        assert.ok(info.error !== undefined, `${name}: ${JSON.stringify(info)}`);
        const entry = { ...info, path: name, kind: 'video' as const, size: playlist.length, mtimeMs: 1, subtitles: [] };
        assert.equal(await posters.get(entry, { path: file }), undefined);
        // Even a file the probe accepted is opened with the demuxer the probe named, never by guess.
        assert.equal(await posters.get({ ...entry, error: undefined, container: 'mp4', duration: 4 }, { path: file }), undefined);
      }
    });
  });
});
