import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, link, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffmpegMissing } from '../support/fixtures.js';
import { runCli, startCli } from '../support/cli.js';
import { faststartFixtures, framemd5, probeSummary, topLevelTypes } from './faststart-fixtures.js';

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('seekable faststart', { skip: ffmpegMissing }, () => {
  let fixtures: string;
  let dir: string;
  before(async () => {
    fixtures = await faststartFixtures();
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-faststart-cmd-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const relocated: [what: string, name: string, layout: string][] = [
    ['H.264/AAC without faststart', 'plain.mp4', 'ftyp moov free mdat'],
    ['several tracks (two video, audio with an edit list, timed text)', 'tracks.mp4', 'ftyp moov free mdat'],
    ["QuickTime's layout with a wide box", 'quicktime.mov', 'ftyp moov wide mdat'],
  ];
  for (const [what, name, layout] of relocated) {
    it(`${what}: moov first, the same streams, duration and packet bytes (${name})`, async () => {
      const input = path.join(fixtures, name);
      const output = path.join(dir, name);
      const before = await sha(input);
      const { code, stderr, stdout } = await runCli(['faststart', input, output]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, /^seekable: .*: faststart, moov of \d+ bytes moved before the media data in [\d.]+ s\n$/);
      assert.equal((await topLevelTypes(output)).join(' '), layout);
      assert.deepEqual(probeSummary(output), probeSummary(input));
      assert.equal(framemd5(output), framemd5(input));
      assert.equal((await stat(output)).size, (await stat(input)).size);
      assert.equal(await sha(input), before, 'the input is never written');
    });
  }

  it('widens the chunk offsets of a file over 4 GiB to co64, writing the copy sparse as the input is', async () => {
    const input = path.join(fixtures, 'co64.mp4');
    const output = path.join(dir, 'co64.mp4');
    const { code, stderr } = await runCli(['faststart', input, output]);
    try {
      assert.equal(code, 0, stderr);
      assert.match(stderr, /2 chunk offset table\(s\) widened to 64 bits \(co64\)/);
      assert.equal((await topLevelTypes(output)).join(' '), 'ftyp moov free free mdat');
      const front = execFileSync('head', ['-c', '65536', output]);
      assert.ok(front.includes('co64') && !front.includes('stco'), 'every track now has a co64 table');
      assert.deepEqual(probeSummary(output), probeSummary(input));
      assert.equal(framemd5(output), framemd5(input));
      const { blocks, size } = await stat(output);
      assert.ok(size > 2 ** 32 && blocks * 512 < 64 * 1024 * 1024, `a sparse copy: ${blocks * 512} bytes on disk of ${size}`);
    } finally {
      await rm(output, { force: true });
    }
  });

  it('leaves files already faststart and fragmented MP4 alone: exit 0, nothing written', async () => {
    for (const [name, message] of [
      ['faststart.mp4', /is already faststart \(its moov precedes the media data\): nothing to do\n$/],
      ['fragmented.mp4', /is fragmented MP4, which streams as it is: nothing to do\n$/],
    ] as const) {
      const output = path.join(dir, `untouched-${name}`);
      const { code, stderr } = await runCli(['faststart', path.join(fixtures, name), output]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, message);
      await assert.rejects(stat(output), { code: 'ENOENT' });
    }
  });

  it('refuses a truncated or corrupt file with exit 1 and one line, writing nothing and leaving no temporary file', async () => {
    const work = await mkdtemp(path.join(dir, 'bad-'));
    for (const [name, message] of [
      ['truncated.mp4', /^seekable: .*truncated\.mp4: the 'mdat' box at byte 40 needs \d+ bytes but the file ends at byte \d+ \(truncated\)\n$/],
      ['subtitles.srt', /^seekable: .*subtitles\.srt: /],
      ['missing.mp4', /^seekable: .*missing\.mp4: no such file: .*missing\.mp4\n$/],
    ] as const) {
      const { code, stderr } = await runCli(['faststart', path.join(fixtures, name), path.join(work, 'out.mp4')]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, message);
      assert.equal(stderr.split('\n').length, 2, 'one line');
    }
    assert.deepEqual(await readdir(work), []);
  });

  it('a copy that cannot be put in place (here: <out> is a folder) exits 1 and leaves no temporary file', async () => {
    const work = await mkdtemp(path.join(dir, 'rename-'));
    const folder = path.join(work, 'taken');
    await mkdir(path.join(folder, 'inside'), { recursive: true });
    const { code, stderr } = await runCli(['faststart', path.join(fixtures, 'plain.mp4'), folder]);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^seekable: .*plain\.mp4: .*(EISDIR|ENOTEMPTY|EEXIST).*\n$/);
    assert.deepEqual(await readdir(work), ['taken']);
  });

  it('--in-place replaces the file through a temporary one, keeping its mode', async () => {
    const file = path.join(dir, 'in-place.mp4');
    await copyFile(path.join(fixtures, 'plain.mp4'), file);
    await chmod(file, 0o640);
    const { code, stderr } = await runCli(['faststart', file, '--in-place']);
    assert.equal(code, 0, stderr);
    assert.equal((await topLevelTypes(file)).join(' '), 'ftyp moov free mdat');
    assert.equal(framemd5(file), framemd5(path.join(fixtures, 'plain.mp4')));
    assert.equal((await stat(file)).mode & 0o777, 0o640);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
    // Done once, a second run has nothing to do.
    const again = await runCli(['faststart', file, '--in-place']);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already faststart/);
  });

  it('--in-place killed mid-copy leaves the original as it was', async () => {
    const work = await mkdtemp(path.join(dir, 'crash-'));
    const file = path.join(work, 'big.mp4');
    execFileSync('cp', ['--sparse=always', path.join(fixtures, 'co64.mp4'), file]);
    const before = await stat(file);
    const run = startCli(['faststart', file, '--in-place', '--progress']);
    await run.waitForStderr(/\] [1-9]\d?% /);
    run.child.kill('SIGKILL');
    await run.exited;
    const after = await stat(file);
    assert.deepEqual([after.ino, after.size, after.mtimeMs], [before.ino, before.size, before.mtimeMs]);
    assert.equal(framemd5(file), framemd5(path.join(fixtures, 'co64.mp4')));
    // What a crash leaves is the temporary file beside it, never a half-written original.
    assert.deepEqual(
      (await readdir(work)).filter((n) => n !== 'big.mp4').map((n) => /^\.big\.mp4\.faststart-[0-9a-f]{8}\.tmp$/.test(n)),
      [true],
    );
  });

  it('draws a progress bar on stderr when asked', async () => {
    const { code, stderr } = await runCli(['faststart', path.join(fixtures, 'plain.mp4'), path.join(dir, 'progress.mp4'), '--progress']);
    assert.equal(code, 0);
    const clear = '\r\x1b[2K';
    assert.ok(stderr.includes(`${clear}[${'#'.repeat(30)}] 100% 0.2 of 0.2 MiB${clear}`), JSON.stringify(stderr));
  });

  it('refuses command lines it cannot follow with exit 2', async () => {
    const input = path.join(fixtures, 'plain.mp4');
    const alias = path.join(dir, 'alias.mp4');
    await link(input, alias).catch(() => copyFile(input, alias));
    const sameInode = (await stat(alias)).ino === (await stat(input)).ino;
    const cases: [string[], RegExp][] = [
      [['faststart'], /^seekable: missing <in>: seekable faststart <in> <out>, or <in> --in-place\nRun 'seekable --help'/],
      [['faststart', input], /^seekable: missing <out>/],
      [['faststart', input, 'x.mp4', '--in-place'], /^seekable: give either <out> or --in-place, not both\n/],
      [['faststart', input, input], /^seekable: <out> is <in>: to replace it, use --in-place\n$/],
      [['faststart', input, 'a', 'b'], /^seekable: unexpected argument 'b'/],
      [['faststart', input, 'x.mp4', '--fast'], /^seekable: Unknown option '--fast'/],
    ];
    if (sameInode) cases.push([['faststart', input, alias], /^seekable: <out> is <in>: to replace it, use --in-place\n$/]);
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message);
    }
    const help = await runCli(['faststart', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage:\n {2}seekable faststart <in> <out>/);
    const general = await runCli(['--help']);
    assert.match(general.stdout, /seekable faststart <in> <out> \| <in> --in-place/);
  });
});
