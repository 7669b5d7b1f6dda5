import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MediaInfo } from '../../src/media/media-info.js';
import { AUDIO_CODECS, CONTAINERS, ENGINES, playability, shellWord, type SupportRow, typeChecks, VIDEO_CODECS } from '../../src/media/playability.js';
import { probe } from '../../src/media/probe.js';
import { resourceReader } from '../../src/media/resource-reader.js';
import { FileSource } from '../../src/source/file/file-source.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { verdictFixtures } from '../support/verdict-fixtures.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Each engine's verdict as one line: "chromium no, firefox no, safari plays". */
const verdicts = (info: Pick<MediaInfo, 'container' | 'videoCodec' | 'audioCodec'>) =>
  ENGINES.map((engine) => `${engine} ${playability(info)[engine].verdict}`).join(', ');

describe('the playability table', () => {
  it('H.264/AAC MP4 plays everywhere, with nothing to say or run', () => {
    const result = playability({ container: 'mp4', videoCodec: 'avc1.64001f', audioCodec: 'mp4a.40.2' });
    assert.deepEqual(result, {
      chromium: { verdict: 'plays', reasons: [] },
      firefox: { verdict: 'plays', reasons: [] },
      safari: { verdict: 'plays', reasons: [] },
    });
  });

  it('the reasons the issue asks for: HEVC, MKV, AC-3', () => {
    const hevc = playability({ container: 'mp4', videoCodec: 'hvc1.1.6.L93.B0', audioCodec: 'mp4a.40.2' });
    assert.equal(hevc.safari.verdict, 'plays');
    assert.deepEqual(hevc.chromium, { verdict: 'depends', reasons: ["HEVC: Safari only; elsewhere only with the system's hardware decoder"] });
    const mkv = playability({ container: 'matroska', videoCodec: 'avc1.64000d', audioCodec: 'mp4a.40.2' }, 'Trips/day 1.mkv');
    assert.deepEqual(mkv.safari, { verdict: 'no', reasons: ['MKV: not in Safari'] });
    assert.equal(mkv.chromium.verdict, 'plays');
    assert.equal(mkv.fix, "ffmpeg -i 'Trips/day 1.mkv' -c copy 'Trips/day 1.mp4'");
    const ac3 = playability({ container: 'mp4', videoCodec: 'avc1.64000d', audioCodec: 'ac-3' }, 'match.mp4');
    assert.equal(verdicts({ container: 'mp4', videoCodec: 'avc1.64000d', audioCodec: 'ac-3' }), 'chromium no, firefox no, safari plays');
    assert.match(ac3.chromium.reasons[0]!, /^AC-3 audio: Safari only/);
    assert.equal(ac3.fix, 'ffmpeg -i match.mp4 -c:v copy -c:a aac match.web.mp4'); // not over itself
  });

  it('"no" outranks "depends", and every deciding row gives its reason', () => {
    const result = playability({ container: 'avi', videoCodec: 'hvc1', audioCodec: 'ac-3' });
    assert.equal(result.chromium.verdict, 'no');
    assert.deepEqual(result.chromium.reasons, ['AVI: no browser plays it', 'AC-3 audio: Safari only (elsewhere the picture plays in silence)']);
    assert.deepEqual(result.safari, { verdict: 'no', reasons: ['AVI: no browser plays it'] });
  });

  it('what the table has no row for plays nowhere, and says what it is', () => {
    const result = playability({ container: 'mpeg', videoCodec: 'V_MPEG2', audioCodec: 'A_DTS' });
    assert.deepEqual(result.firefox.reasons, [
      'MPEG: not a format browsers play',
      'V_MPEG2 video: not a format browsers play',
      'A_DTS audio: not a format browsers play',
    ]);
    assert.equal(playability({ container: '' }).chromium.reasons[0], 'This container: not a format browsers play');
  });

  it('codec strings fall in their rows whatever their details', () => {
    for (const [codec, expected] of [
      ['avc3.640028', 'chromium plays, firefox plays, safari plays'],
      ['hev1.2.4.L120.90', 'chromium depends, firefox depends, safari plays'],
      ['vp09.02.10.10', 'chromium plays, firefox plays, safari plays'],
      ['av01.0.08M.10', 'chromium plays, firefox plays, safari depends'],
      ['mp4v.20.9', 'chromium no, firefox no, safari no'],
    ] as const) {
      assert.equal(verdicts({ container: 'mp4', videoCodec: codec }), expected, codec);
    }
    for (const codec of ['mp4a.40.5', 'mp4a.69', 'mp3', 'opus', 'flac', 'pcm', 'sowt']) {
      assert.equal(verdicts({ container: 'mp4', audioCodec: codec }), 'chromium plays, firefox plays, safari plays', codec);
    }
    assert.equal(verdicts({ container: 'ogg', audioCodec: 'vorbis' }), 'chromium plays, firefox plays, safari no');
    assert.equal(verdicts({ container: 'mov', videoCodec: 'avc1.4d401e', audioCodec: 'mp4a.40.2' }), 'chromium plays, firefox plays, safari plays');
    assert.equal(verdicts({ container: 'webm', videoCodec: 'vp8', audioCodec: 'vorbis' }), 'chromium plays, firefox plays, safari plays');
    assert.equal(verdicts({ container: 'mp4', audioCodec: 'ec-3' }), 'chromium no, firefox no, safari plays');
  });

  it('paths in the suggested command are quoted for a shell when they need it', () => {
    assert.equal(shellWord('a/b-c_d.mp4'), 'a/b-c_d.mp4');
    assert.equal(shellWord("it's here.avi"), "'it'\\''s here.avi'");
  });

  it('every row has a type string to ask the engines, and typeChecks lists them all', () => {
    const checks = typeChecks();
    assert.equal(checks.length, Object.keys(CONTAINERS).length + Object.keys(VIDEO_CODECS).length + Object.keys(AUDIO_CODECS).length);
    for (const check of checks) assert.match(check.type, /^(video|audio)\/[\w.-]+(; codecs="[^"]+")?$/, check.row);
    assert.deepEqual(checks.find((c) => c.row === 'video hevc')?.expected, { chromium: 'depends', firefox: 'depends', safari: 'plays' });
  });

  it('docs/playability.md shows exactly the table of the module', async () => {
    const doc = await readFile(path.join(repo, 'docs/playability.md'), 'utf8');
    const documented = doc.split('\n').filter((line) => /^\| (container|video|audio) \|/.test(line));
    const groups: [string, Record<string, SupportRow>][] = [
      ['container', CONTAINERS],
      ['video', VIDEO_CODECS],
      ['audio', AUDIO_CODECS],
    ];
    const expected = groups.flatMap(([group, rows]) =>
      Object.values(rows).map((row) => {
        const reason = ENGINES.some((engine) => row[engine] !== 'plays') ? row.reason : '';
        return `| ${group} | ${row.name} | ${row.chromium} | ${row.firefox} | ${row.safari} | ${reason} |`;
      }),
    );
    assert.deepEqual(
      documented.map((line) => line.replace(/\s+\|$/, ' |')),
      expected.map((line) => line.replace(/\s+\|$/, ' |')),
    );
  });
});

if (ffmpegMissing) console.log(`# fixture verdict tests skipped: ${ffmpegMissing}`);

describe('the files the library once described wrongly, probed', { skip: ffmpegMissing }, () => {
  let source: FileSource;
  before(async () => {
    source = new FileSource(await verdictFixtures());
  });

  async function run(name: string): Promise<MediaInfo> {
    const resource = (await source.lookup(name))!;
    try {
      return await probe(name, resourceReader(resource));
    } finally {
      resource.release();
    }
  }

  it('H.264/AAC in Matroska: container matroska, plays in Chromium and Firefox, not in Safari', async () => {
    const info = await run('H.264 in Matroska.mkv');
    assert.deepEqual([info.container, info.videoCodec, info.audioCodec, info.error], ['matroska', 'avc1.64000d', 'mp4a.40.2', undefined]);
    assert.equal(verdicts(info), 'chromium plays, firefox plays, safari no');
    assert.ok(info.bitrate !== undefined && info.bitrate > 100_000 && info.bitrate < 2_000_000, `bitrate ${info.bitrate}`);
    assert.deepEqual(info.audioTracks, [{ codec: 'mp4a.40.2', channels: 1 }]);
  });

  it('an MP4 cut in its mdat: truncated, playing about the first half, not unreadable', async () => {
    const info = await run('Cut download.mp4');
    assert.equal(info.error, undefined);
    assert.equal(info.truncated, true);
    assert.equal(info.duration, 4);
    // Chromium plays this file to 1.76 s and stops with a decode error (measured): the cut chunk's start.
    assert.ok(info.playableDuration !== undefined && info.playableDuration > 1.2 && info.playableDuration < 2.2, `plays ${info.playableDuration}`);
    assert.equal(info.bitrate, undefined);
    assert.equal(verdicts(info), 'chromium plays, firefox plays, safari plays');
  });

  it('a WebM cut to 5 %: truncated, and what plays is a fraction of a second, not its full length', async () => {
    const info = await run('Cut recording.webm');
    assert.equal(info.truncated, true);
    assert.ok(info.duration !== undefined && Math.abs(info.duration - 4) < 0.05);
    assert.ok(info.playableDuration !== undefined && info.playableDuration < 0.5, `plays ${info.playableDuration}`);
  });

  it('Theora/Vorbis .ogv: both codecs and the picture size read, and no engine shows its picture', async () => {
    const info = await run('Old clip (Theora).ogv');
    assert.deepEqual([info.container, info.videoCodec, info.audioCodec, info.width, info.height], ['ogg', 'theora', 'vorbis', 320, 240]);
    assert.ok(info.duration !== undefined && Math.abs(info.duration - 4) < 0.05, `duration ${info.duration}`);
    assert.equal(verdicts(info), 'chromium no, firefox no, safari no');
    assert.deepEqual(playability(info).chromium.reasons, ['Theora: no browser shows the picture']);
  });

  it('AVI: read from its RIFF header, played by no browser, with the command that converts it', async () => {
    const info = await run('Camcorder.avi');
    assert.deepEqual([info.container, info.videoCodec, info.audioCodec, info.width, info.height], ['avi', 'mp4v', 'mp3', 320, 240]);
    assert.ok(info.duration !== undefined && Math.abs(info.duration - 4) < 0.1, `duration ${info.duration}`);
    const result = playability(info, 'Camcorder.avi');
    assert.equal(result.chromium.reasons[0], 'AVI: no browser plays it');
    assert.equal(result.fix, 'ffmpeg -i Camcorder.avi -c:v libx264 -c:a aac Camcorder.mp4');
  });

  it('AC-3 in MP4: Safari only', async () => {
    const info = await run('Broadcast (AC-3).mp4');
    assert.equal(info.audioCodec, 'ac-3');
    assert.equal(verdicts(info), 'chromium no, firefox no, safari plays');
  });
});
