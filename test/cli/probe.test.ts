import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type ProbeReport, parseProbeArgs, runProbe } from '../../src/cli/probe.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { repo, runCli } from '../support/cli.js';
import { ffmpegMissing } from '../support/fixtures.js';
import { VERDICT_FIXTURES, verdictFixtures } from '../support/verdict-fixtures.js';

describe('seekable probe: the command line', () => {
  it('reads a target and --json', () => {
    assert.deepEqual(parseProbeArgs(['a.mp4']), { command: 'probe', target: 'a.mp4', json: false });
    assert.deepEqual(parseProbeArgs(['--json', 'dir']), { command: 'probe', target: 'dir', json: true });
    assert.equal(parseProbeArgs(['-h']), 'help');
  });
  it('mistakes are usage errors that point to --help', () => {
    for (const [argv, message] of [
      [[], /missing <file\|dir>/],
      [['a', 'b'], /unexpected argument 'b'/],
      [['--bogus', 'a'], /^Unknown option '--bogus'$/],
    ] as const) {
      assert.throws(
        () => parseProbeArgs([...argv]),
        (err: unknown) => err instanceof UsageError && err.pointToHelp && message.test(err.message),
      );
    }
  });
});

if (ffmpegMissing) console.log(`# probe command tests skipped: ${ffmpegMissing}`);

describe('seekable probe on real files', { skip: ffmpegMissing }, () => {
  let dir: string;
  let base: string;
  before(async () => {
    dir = await verdictFixtures();
    base = await mkdtemp(path.join(tmpdir(), 'seekable-probe-cli-'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('a file: one row with its facts and verdicts, the reason and the command under it', async () => {
    const file = path.join(dir, 'Camcorder.avi');
    const { code, stdout, stderr } = await runCli(['probe', file]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^PATH +CONTAINER +DURATION +WxH +CODECS +BITRATE +FASTSTART +CHROMIUM +FIREFOX +SAFARI$/);
    assert.match(lines[1]!, /Camcorder\.avi +avi +0:04 +320x240 +mp4v, mp3 +\d+ kb\/s +no +no +no$/);
    assert.deepEqual(lines.slice(2), [
      '    AVI: no browser plays it',
      '    MPEG-4 Part 2 video: no browser plays it',
      `    to convert: ffmpeg -i ${file.includes(' ') ? `'${file}'` : file} -c:v libx264 -c:a aac ${path.join(dir, 'Camcorder.mp4')}`,
    ]);
  });

  it('a folder: a row per media file, its notes, and the counts', async () => {
    const { code, stdout, stderr } = await runCli(['probe', dir]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '', 'no progress when stderr is not a terminal');
    for (const name of VERDICT_FIXTURES) assert.ok(stdout.includes(`\n${name}  `), `${name} listed:\n${stdout}`);
    assert.match(stdout, /\n {4}truncated: plays the first 1\.\d s of 4\.0 s\n/);
    assert.match(stdout, /\n {4}truncated: plays the first 0\.\d s of 4\.0 s\n/);
    assert.match(stdout, /\n {4}MKV: not in Safari\n {4}to convert: ffmpeg -i 'H\.264 in Matroska\.mkv' -c copy 'H\.264 in Matroska\.mp4'\n/);
    assert.match(stdout, /\n {4}Theora: no browser shows the picture\n/);
    assert.ok(
      stdout.endsWith(
        '\n7 media files: 3 play in every engine, 2 in none\n' +
          'plays in Chromium 4/7, Firefox 4/7, Safari 4/7\n' +
          '2 truncated, 0 not web-optimized, 0 unreadable\n',
      ),
      stdout,
    );
  });

  it('--json: one document with every file, its verdicts and the counts', async () => {
    const { code, stdout } = await runCli(['probe', dir, '--json']);
    assert.equal(code, 0);
    const doc = JSON.parse(stdout) as { files: ProbeReport[]; summary: { files: number; truncated: number; everywhere: number } };
    assert.deepEqual(
      doc.files.map((f) => f.path),
      VERDICT_FIXTURES,
    );
    const mkv = doc.files.find((f) => f.path.endsWith('.mkv'))!;
    assert.equal(mkv.container, 'matroska');
    assert.deepEqual(mkv.playability?.safari, { verdict: 'no', reasons: ['MKV: not in Safari'] });
    const cut = doc.files.find((f) => f.path === 'Cut download.mp4')!;
    assert.equal(cut.truncated, true);
    assert.equal(cut.error, undefined);
    assert.deepEqual([doc.summary.files, doc.summary.truncated, doc.summary.everywhere], [7, 2, 3]);
  });

  it('a folder on a terminal: progress and the closing line on stderr, the table alone on stdout', async () => {
    const folder = path.join(base, 'some');
    await mkdir(folder);
    await copyFile(path.join(dir, 'Fine.mp4'), path.join(folder, 'Fine.mp4'));
    await writeFile(path.join(folder, 'broken.mp4'), '');
    await writeFile(path.join(folder, 'notes.txt'), 'not media');
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 }) as unknown as NodeJS.WriteStream;
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c));
    (stderr as unknown as PassThrough).on('data', (c: Buffer) => (err += c));
    assert.equal(await runProbe({ command: 'probe', target: folder, json: false }, { stdout, stderr }), 0);
    assert.match(err, /\[#+\.*\] \d\/2 /);
    assert.match(err, /seekable: 2 media files scanned in \d+\.\d s, 1 unreadable\n$/);
    assert.match(out, /\nbroken\.mp4 +mp4 +\? +\? +\?\n {4}unreadable: empty file\n/);
    assert.match(out, /\n2 media files: 1 plays in every engine, 0 in none\n/);
    assert.doesNotMatch(out, /notes\.txt/);
  });

  it("the README's example is this command's output on these files (bitrates aside, which vary with the encoder)", async () => {
    const readme = await readFile(path.join(repo, 'README.md'), 'utf8');
    const block = /\n```\n\$ seekable probe Downloads\n([\s\S]*?)```\n/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'the README has the example');
    const { stdout } = await runCli(['probe', dir]);
    const normal = (text: string) => text.replace(/\d+ kb\/s/g, 'N kb/s').replace(/ +/g, ' ');
    assert.equal(normal(block), normal(stdout));
  });

  it('an empty folder says so', async () => {
    const empty = path.join(base, 'empty');
    await mkdir(empty);
    const { code, stdout } = await runCli(['probe', empty]);
    assert.deepEqual([code, stdout], [0, 'no media files\n']);
  });

  it('a path that does not exist: exit 1 and one line; a mistyped command: exit 2', async () => {
    const missing = await runCli(['probe', path.join(base, 'nope.mp4')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.equal(missing.stderr, `seekable: no such file or folder: ${path.join(base, 'nope.mp4')}\n`);
    const usage = await runCli(['probe']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^seekable: missing <file\|dir>: seekable probe <file\|dir> \[--json\]\nRun 'seekable --help'/);
    const help = await runCli(['probe', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: seekable probe <file\|dir> \[--json\]/);
  });
});
