import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CatalogEntry } from '../../src/media/catalog.js';
import { Ffmpeg } from '../../src/media/ffmpeg.js';
import { Posters } from '../../src/media/posters.js';
import { Previews } from '../../src/media/previews.js';
import { openFile } from '../../src/source/file/file-resource.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { jpegSize } from '../support/jpeg.js';

if (ffmpegMissing) console.log(`# previews tests skipped: ${ffmpegMissing}`);

/** 30 s at 25 fps with a keyframe every 3 s exactly (no scene-cut keyframes), so their times are known. */
const KEYFRAMES_EVERY_3S = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '75', '-keyint_min', '75', '-sc_threshold', '0'];

function entry(file: string, size: number, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return { path: path.basename(file), kind: 'video', size, mtimeMs: 1_700_000_000_000, subtitles: [], container: 'mp4', duration: 30, ...extra };
}

/** A stand-in for ffmpeg that logs each run's start and end (its exit code) around the real one. */
async function loggingFfmpeg(dir: string, log: string): Promise<string> {
  const script = path.join(dir, 'logging-ffmpeg.sh');
  await writeFile(
    script,
    `#!/bin/sh\n[ "$1" = "-version" ] && exec ffmpeg -version\necho start >> '${log}'\nffmpeg "$@"\nrc=$?\necho end >> '${log}'\nexit $rc\n`,
  );
  await chmod(script, 0o755);
  return script;
}

/** A stand-in for ffmpeg that never finishes a job (and logs that it started one). */
async function stuckFfmpeg(dir: string, log: string): Promise<string> {
  const script = path.join(dir, 'stuck-ffmpeg.sh');
  await writeFile(script, `#!/bin/sh\n[ "$1" = "-version" ] && exit 0\necho start >> '${log}'\nexec sleep 60\n`);
  await chmod(script, 0o755);
  return script;
}

const lines = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('seek-bar previews made by ffmpeg', { skip: ffmpegMissing }, () => {
  let dir: string;
  let video: string;
  let moovAtEnd: string;
  let portrait: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-previews-'));
    video = path.join(dir, 'keyframes.mp4');
    moovAtEnd = path.join(dir, 'moov-at-end.mp4');
    portrait = path.join(dir, 'portrait.mp4');
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=30'];
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...src, ...KEYFRAMES_EVERY_3S, '-movflags', '+faststart', video]);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...src, ...KEYFRAMES_EVERY_3S, moovAtEnd]);
    const tall = ['-f', 'lavfi', '-i', 'testsrc2=size=180x320:rate=25:duration=6'];
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...tall, ...KEYFRAMES_EVERY_3S, '-movflags', '+faststart', portrait]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keyframes only, at their real times, on a sheet of the stated size; cached by version, made once', async () => {
    const log = path.join(dir, 'runs.log');
    const ffmpeg = new Ffmpeg({ binary: await loggingFfmpeg(dir, log) });
    const previews = new Previews(path.join(dir, 'cache-1'), { ffmpeg });
    const { size } = await stat(video);
    // Asked twice at once: one job.
    const [set, again] = await Promise.all([previews.get(entry(video, size), { path: video }), previews.get(entry(video, size), { path: video })]);
    assert.ok(set !== undefined);
    assert.deepEqual(again, set);
    // Frames at least 2 s apart (the layout of 30 s), taken from keyframes, which are 3 s apart.
    assert.deepEqual(set.index.times, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    assert.equal(set.index.end, 30);
    assert.deepEqual([set.index.frameWidth, set.index.frameHeight, set.index.columns, set.index.rows, set.index.sheets], [160, 120, 10, 2, 1]);
    assert.deepEqual(jpegSize(await readFile(path.join(set.dir, '1.jpg'))), { width: 1600, height: 240 });
    assert.deepEqual((await readdir(set.dir)).sort(), ['1.jpg', 'index.json']);
    assert.deepEqual(await lines(log), ['start', 'end']);

    // A new Previews on the same folder (a restart) reads the set from disk without running ffmpeg.
    const restarted = new Previews(path.join(dir, 'cache-1'), { ffmpeg });
    assert.deepEqual(await restarted.get(entry(video, size), { path: video }), set);
    assert.deepEqual(await lines(log), ['start', 'end']);
    // Another version of the file (it changed) is another set.
    const changed = await restarted.get(entry(video, size, { mtimeMs: 1_700_000_000_001 }), { path: video });
    assert.notEqual(changed?.dir, set.dir);
    assert.equal((await lines(log)).length, 4);
  });

  it('the first keyframe of each cell of `interval` seconds: frames that far apart on average, not further', async () => {
    // 12 s with a keyframe every 1.2 s; the layout of 12 s has cells of 2 s.
    const dense = path.join(dir, 'dense.mp4');
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=12'];
    const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0'];
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...src, ...h264, dense]);
    const previews = new Previews(path.join(dir, 'cache-dense'), { ffmpeg: new Ffmpeg() });
    const set = await previews.get(entry(dense, (await stat(dense)).size, { duration: 12 }), { path: dense });
    // Taking each keyframe at least 2 s after the last would drift to 2.4 s apart: 0, 2.4, 4.8, 7.2, 9.6.
    assert.deepEqual(set?.index.times, [0, 2.4, 4.8, 6, 8.4, 10.8]);
  });

  it('a portrait video fits the 160-pixel box in height', async () => {
    const previews = new Previews(path.join(dir, 'cache-portrait'), { ffmpeg: new Ffmpeg() });
    const set = await previews.get(entry(portrait, (await stat(portrait)).size, { duration: 6 }), { path: portrait });
    assert.deepEqual([set?.index.frameWidth, set?.index.frameHeight], [90, 160]);
    assert.deepEqual(set?.index.times, [0, 3]);
  });

  it('from bytes on stdin, for a source without a local path (a web-optimized MP4)', async () => {
    const previews = new Previews(path.join(dir, 'cache-stdin'), { ffmpeg: new Ffmpeg() });
    const resource = (await openFile(video))!;
    try {
      const set = await previews.get(entry(video, resource.size), { resource });
      assert.deepEqual(set?.index.times, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    } finally {
      resource.release();
    }
  });

  it('an MP4 whose index is at the end cannot be read from a pipe: none, and not tried again', async () => {
    const log = path.join(dir, 'moov.log');
    const previews = new Previews(path.join(dir, 'cache-moov'), { ffmpeg: new Ffmpeg({ binary: await loggingFfmpeg(dir, log) }) });
    const resource = (await openFile(moovAtEnd))!;
    try {
      assert.equal(await previews.get(entry(moovAtEnd, resource.size), { resource }), undefined);
      assert.equal(await previews.get(entry(moovAtEnd, resource.size), { resource }), undefined);
      assert.deepEqual(await lines(log), ['start', 'end']);
      // From its path it can.
      const fromPath = new Previews(path.join(dir, 'cache-moov-path'), { ffmpeg: new Ffmpeg() });
      assert.equal((await fromPath.get(entry(moovAtEnd, resource.size), { path: moovAtEnd }))?.index.times.length, 10);
    } finally {
      resource.release();
    }
  });

  it('what is not a readable video in a known container gets none, without running ffmpeg', async () => {
    const log = path.join(dir, 'none.log');
    const previews = new Previews(path.join(dir, 'cache-none'), { ffmpeg: new Ffmpeg({ binary: await loggingFfmpeg(dir, log) }) });
    const size = (await stat(video)).size;
    for (const odd of [{ kind: 'audio' as const }, { error: 'unreadable' }, { container: 'flv' }]) {
      assert.equal(await previews.get(entry(video, size, odd), { path: video }), undefined, JSON.stringify(odd));
    }
    assert.deepEqual(await lines(log), []);
    // Random bytes named .mp4 reach ffmpeg, which fails: none.
    const noise = path.join(dir, 'noise.mp4');
    await writeFile(noise, Buffer.alloc(4096, 7));
    assert.equal(await previews.get(entry(noise, 4096), { path: noise }), undefined);
  });

  it('without ffmpeg: none', async () => {
    const previews = new Previews(path.join(dir, 'cache-absent'), { ffmpeg: new Ffmpeg({ binary: path.join(dir, 'no-such-ffmpeg') }) });
    assert.equal(await previews.available(), false);
    assert.equal(await previews.get(entry(video, (await stat(video)).size), { path: video }), undefined);
  });

  it('one preview job at a time, within the bound the posters share', async () => {
    const log = path.join(dir, 'bound.log');
    const ffmpeg = new Ffmpeg({ binary: await loggingFfmpeg(dir, log), concurrency: 2 });
    const previews = new Previews(path.join(dir, 'cache-bound'), { ffmpeg });
    const size = (await stat(video)).size;
    const sets = await Promise.all([1, 2, 3].map((n) => previews.get(entry(video, size, { path: `v${n}.mp4` }), { path: video })));
    assert.ok(sets.every((set) => set !== undefined));
    assert.deepEqual(await lines(log), ['start', 'end', 'start', 'end', 'start', 'end']);

    // The posters' jobs and the previews' share the runner's two slots: never more than two at once.
    await writeFile(log, '');
    const posters = new Posters(path.join(dir, 'cache-bound-posters'), { ffmpeg });
    const again = new Previews(path.join(dir, 'cache-bound-2'), { ffmpeg, concurrency: 3 });
    await Promise.all([
      ...[1, 2, 3].map((n) => again.get(entry(video, size, { path: `w${n}.mp4` }), { path: video })),
      ...[1, 2, 3].map((n) => posters.get(entry(video, size, { path: `p${n}.mp4` }), { path: video })),
    ]);
    let running = 0;
    let most = 0;
    for (const line of await lines(log)) {
      running += line === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    assert.equal(most, 2);
  });

  it('a job past its timeout is killed: none, and not tried again for that version', async () => {
    const log = path.join(dir, 'stuck.log');
    const previews = new Previews(path.join(dir, 'cache-stuck'), { ffmpeg: new Ffmpeg({ binary: await stuckFfmpeg(dir, log) }), timeoutMs: 300 });
    const size = (await stat(video)).size;
    assert.equal(await previews.get(entry(video, size), { path: video }), undefined);
    assert.equal(await previews.get(entry(video, size), { path: video }), undefined);
    assert.deepEqual(await lines(log), ['start']);
    assert.deepEqual(await readdir(path.join(dir, 'cache-stuck')), [], 'the temporary folder is gone');
  });

  it('closing the runner kills the jobs running and refuses new ones', async () => {
    const log = path.join(dir, 'close.log');
    const ffmpeg = new Ffmpeg({ binary: await stuckFfmpeg(dir, log) });
    const previews = new Previews(path.join(dir, 'cache-close'), { ffmpeg });
    const size = (await stat(video)).size;
    const job = previews.get(entry(video, size), { path: video });
    for (const deadline = Date.now() + 10_000; (await lines(log)).length === 0 && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await lines(log), ['start']);
    const closedAt = Date.now();
    ffmpeg.close();
    assert.equal(await job, undefined);
    assert.ok(Date.now() - closedAt < 5000, 'the stuck job ended with close(), not its 10-minute timeout');
    assert.equal(await previews.get(entry(video, size, { path: 'other.mp4' }), { path: video }), undefined);
    assert.deepEqual(await lines(log), ['start']);
  });
});
