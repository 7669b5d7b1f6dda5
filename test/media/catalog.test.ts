import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Catalog, type ScanProgress } from '../../src/media/catalog.js';
import type { ByteReader, MediaInfo } from '../../src/media/media-info.js';
import { FileSource } from '../../src/source/file/file-source.js';

describe('Catalog', () => {
  let base: string;
  let root: string;
  let cacheFile: string;
  let probed: string[];

  /** A stand-in probe that reads the first bytes, as a real one does, and records each call. */
  const countingProbe = async (name: string, reader: ByteReader): Promise<MediaInfo> => {
    probed.push(name);
    const head = (await reader.read(0, 16)).toString();
    if (head.startsWith('bad')) return { container: 'mp4', error: 'not an MP4 file' };
    return { container: 'mp4', duration: head.length };
  };

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'seekable-catalog-'));
    root = path.join(base, 'media');
    cacheFile = path.join(base, 'cache', 'catalog.json');
    await mkdir(path.join(root, 'Trips', 'Alps'), { recursive: true });
    await mkdir(path.join(root, '.trash'));
    await writeFile(path.join(root, 'movie.mp4'), 'abcdef');
    await writeFile(path.join(root, 'movie.vtt'), 'WEBVTT\n');
    await writeFile(path.join(root, 'movie.en.srt'), '1\n');
    await writeFile(path.join(root, 'movie.fr.srt'), '1\n');
    await writeFile(path.join(root, 'movie.fr.vtt'), 'WEBVTT\n');
    await writeFile(path.join(root, 'movie.notes.txt'), 'x');
    await writeFile(path.join(root, 'movie2.mp4'), 'abc');
    await writeFile(path.join(root, 'Trips', 'Alps', 'day1.webm'), 'abcd');
    await writeFile(path.join(root, 'song.mp3'), 'abcdefgh');
    await writeFile(path.join(root, 'broken.mp4'), 'bad bytes');
    await writeFile(path.join(root, 'readme.txt'), 'not media');
    await writeFile(path.join(root, '.trash', 'old.mp4'), 'hidden');
  });
  after(() => rm(base, { recursive: true }));

  it('lists media with what the probe found, subtitles, and errors without stopping', async () => {
    probed = [];
    const progress: ScanProgress[] = [];
    const catalog = new Catalog(new FileSource(root), { cacheFile, probe: countingProbe, onProgress: (p) => progress.push(p) });
    await catalog.refresh();
    const entries = catalog.list();
    assert.deepEqual(
      entries.map((e) => [e.path, e.kind]),
      [
        ['broken.mp4', 'video'],
        ['movie.mp4', 'video'],
        ['movie2.mp4', 'video'],
        ['song.mp3', 'audio'],
        ['Trips/Alps/day1.webm', 'video'],
      ],
    );
    assert.equal(catalog.get('movie.mp4')?.duration, 6);
    assert.equal(catalog.get('movie.mp4')?.size, 6);
    assert.equal(catalog.get('broken.mp4')?.error, 'not an MP4 file');
    assert.deepEqual(catalog.get('movie.mp4')?.subtitles, [
      { path: 'movie.en.srt', lang: 'en', label: 'English' },
      { path: 'movie.fr.vtt', lang: 'fr', label: 'French' }, // the .vtt wins over the .srt
      { path: 'movie.vtt', label: 'Subtitles' },
    ]);
    assert.deepEqual(catalog.get('movie2.mp4')?.subtitles, []);
    assert.equal(probed.length, 5);
    const last = progress[progress.length - 1]!;
    assert.deepEqual([last.done, last.total, last.unreadable, last.finished], [5, 5, 1, true]);
  });

  it('a restart probes nothing that did not change, and re-probes what did', async () => {
    probed = [];
    const again = new Catalog(new FileSource(root), { cacheFile, probe: countingProbe });
    await again.refresh();
    assert.deepEqual(probed, []);
    assert.equal(again.get('movie.mp4')?.duration, 6);

    const later = new Date(Date.now() + 5000);
    await writeFile(path.join(root, 'movie2.mp4'), 'abcdefghij');
    await utimes(path.join(root, 'movie2.mp4'), later, later);
    const third = new Catalog(new FileSource(root), { cacheFile, probe: countingProbe });
    await third.refresh();
    assert.deepEqual(probed, ['movie2.mp4']);
    assert.equal(third.get('movie2.mp4')?.duration, 10);
  });

  it('files added and removed show up without a restart', async () => {
    probed = [];
    const catalog = new Catalog(new FileSource(root), { probe: countingProbe, staleAfterMs: 0 });
    await catalog.refresh();
    await writeFile(path.join(root, 'new.mkv'), 'xy');
    await unlink(path.join(root, 'song.mp3'));
    catalog.list(); // stale: starts a refresh in the background
    await catalog.refresh();
    const paths = catalog.list().map((e) => e.path);
    assert.ok(paths.includes('new.mkv'));
    assert.ok(!paths.includes('song.mp3'));
  });

  it('a page does not wait for a scan already running (the first one on a large library), only for a rescan it starts', async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const catalog = new Catalog(new FileSource(root), {
      staleAfterMs: 0,
      probe: async () => {
        await slow; // the first scan's probes take as long as the test wants
        return { container: 'mp4' };
      },
    });
    const first = catalog.refresh();
    const started = Date.now();
    await catalog.catchUp(5000);
    assert.ok(Date.now() - started < 500, `waited ${Date.now() - started} ms for a scan it did not start`);
    release();
    await first;
    // Stale now (staleAfterMs 0) and idle: catchUp starts a rescan and waits for it.
    await writeFile(path.join(root, 'later.webm'), 'z');
    await catalog.catchUp(5000);
    assert.ok(catalog.get('later.webm') !== undefined);
  });
});
