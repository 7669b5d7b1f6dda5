import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CatalogEntry } from '../../src/media/catalog.js';
import type { ByteReader } from '../../src/media/media-info.js';
import { Posters } from '../../src/media/posters.js';
import { probe } from '../../src/media/probe.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { verdictFixtures } from '../support/verdict-fixtures.js';

if (ffmpegMissing) console.log(`# poster tests skipped: ${ffmpegMissing}`);

describe('posters of the files the library once left out', { skip: ffmpegMissing }, () => {
  let dir: string;
  let cache: string;
  before(async () => {
    dir = await verdictFixtures();
    cache = await mkdtemp(path.join(tmpdir(), 'seekable-posters-'));
  });
  after(() => rm(cache, { recursive: true, force: true }));

  async function entry(name: string): Promise<CatalogEntry> {
    const bytes = await readFile(path.join(dir, name));
    const reader: ByteReader = { size: bytes.length, read: async (s, l) => bytes.subarray(s, s + l) };
    return { ...(await probe(name, reader)), path: name, kind: 'video', size: bytes.length, mtimeMs: 1, subtitles: [] };
  }

  const isJpeg = async (file: string | undefined) => file !== undefined && (await readFile(file)).subarray(0, 2).equals(Buffer.from([0xff, 0xd8]));

  it('an AVI gets a poster, read with the AVI demuxer', { timeout: 60_000 }, async () => {
    const avi = await entry('Camcorder.avi');
    assert.ok(await isJpeg(await new Posters(path.join(cache, 'b')).get(avi, { path: path.join(dir, avi.path) })));
  });
});
