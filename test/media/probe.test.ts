import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { MediaInfo } from '../../src/media/media-info.js';
import { probe } from '../../src/media/probe.js';
import { resourceReader } from '../../src/media/resource-reader.js';
import { FileSource } from '../../src/source/file/file-source.js';
import { ffmpegMissing, mediaFixtures } from '../support/fixtures.js';

if (ffmpegMissing) console.log(`# media parser tests skipped: ${ffmpegMissing}`);

describe('probe on real files', { skip: ffmpegMissing }, () => {
  let source: FileSource;
  const reads: { name: string; bytes: number }[] = [];

  before(async () => {
    source = new FileSource(await mediaFixtures());
  });

  /** Probes one fixture, counting the bytes the probe asked for. */
  async function run(name: string): Promise<MediaInfo> {
    const resource = (await source.lookup(name))!;
    const reader = resourceReader(resource);
    let bytes = 0;
    try {
      return await probe(name, {
        size: reader.size,
        read: async (start, length) => {
          const b = await reader.read(start, length);
          bytes += b.length;
          return b;
        },
      });
    } finally {
      reads.push({ name, bytes });
      resource.release();
    }
  }

  const near = (actual: number | undefined, expected: number) =>
    assert.ok(actual !== undefined && Math.abs(actual - expected) <= 0.05, `duration ${actual}, expected ${expected}`);

  it('H.264/AAC MP4 with faststart', async () => {
    const info = await run('h264-aac-faststart.mp4');
    assert.equal(info.container, 'mp4');
    near(info.duration, 4);
    assert.equal(info.width, 320);
    assert.equal(info.height, 240);
    assert.equal(info.videoCodec, 'avc1.64000d');
    assert.equal(info.audioCodec, 'mp4a.40.2');
    assert.equal(info.faststart, true);
    assert.equal(info.error, undefined);
  });

  it('the same without faststart: moov after mdat', async () => {
    const info = await run('h264-aac-moov-at-end.mp4');
    near(info.duration, 4);
    assert.equal(info.videoCodec, 'avc1.64000d');
    assert.equal(info.faststart, false);
    assert.equal(info.error, undefined);
  });

  it('VP9/Opus WebM', async () => {
    const info = await run('vp9-opus.webm');
    assert.equal(info.container, 'webm');
    near(info.duration, 3);
    assert.equal(info.width, 320);
    assert.equal(info.height, 240);
    assert.match(info.videoCodec ?? '', /^(vp9|vp09\.00\.\d\d\.08)$/);
    assert.equal(info.audioCodec, 'opus');
    assert.equal(info.faststart, undefined);
  });

  it('H.264/AAC in Matroska: codec strings from CodecPrivate', async () => {
    const info = await run('h264-aac.mkv');
    assert.equal(info.container, 'matroska');
    near(info.duration, 2);
    assert.equal(info.videoCodec, 'avc1.64000d');
    assert.equal(info.audioCodec, 'mp4a.40.2');
    assert.equal(info.width, 320);
  });

  it('audio only (AAC in MP4)', async () => {
    const info = await run('aac-only.m4a');
    near(info.duration, 5);
    assert.equal(info.audioCodec, 'mp4a.40.2');
    assert.equal(info.videoCodec, undefined);
    assert.equal(info.width, undefined);
  });

  it('HEVC in MP4 and in Matroska give the same codec string (mp4box from hvcC, ours from CodecPrivate)', async () => {
    const mp4 = await run('hevc-aac.mp4');
    const mkv = await run('hevc-aac.mkv');
    assert.match(mp4.videoCodec ?? '', /^hvc1\.1\.6\.L\d+\.[0-9A-F]+/i);
    assert.equal(mkv.videoCodec, mp4.videoCodec);
    assert.deepEqual([mkv.width, mkv.height], [320, 240]);
  });

  for (const [name, container, codec] of [
    ['vbr.mp3', 'mp3', 'mp3'],
    ['cbr-no-tag.mp3', 'mp3', 'mp3'],
    ['tone.flac', 'flac', 'flac'],
    ['tone.wav', 'wav', 'pcm'],
    ['opus.ogg', 'ogg', 'opus'],
    ['vorbis.ogg', 'ogg', 'vorbis'],
  ] as const) {
    it(`audio: ${name}`, async () => {
      const info = await run(name);
      assert.deepEqual([info.container, info.audioCodec, info.error], [container, codec, undefined]);
      near(info.duration, 3);
    });
  }

  it('a truncated file: a clear reason', async () => {
    const info = await run('truncated.mp4');
    assert.equal(info.container, 'mp4');
    assert.match(info.error ?? '', /truncated|no moov/);
    assert.equal(info.duration, undefined);
  });

  it('a zero-byte file', async () => {
    assert.equal((await run('empty.mp4')).error, 'empty file');
  });

  it('random bytes named .mp4', async () => {
    assert.match((await run('random.mp4')).error ?? '', /not an MP4 file/);
  });

  it('reads only headers, never whole files', () => {
    for (const { name, bytes } of reads) assert.ok(bytes <= 140 * 1024, `${name}: read ${bytes} bytes`); // Ogg: head and tail
    const faststart = reads.find((r) => r.name === 'h264-aac-faststart.mp4');
    assert.ok(faststart !== undefined && faststart.bytes < 20 * 1024, `faststart MP4 read ${faststart?.bytes} bytes`);
  });
});
