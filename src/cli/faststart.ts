import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileHandleReader, writeFaststart } from '../media/faststart-copy.js';
import { Mp4FormatError } from '../media/mp4/boxes.js';
import { planFaststart } from '../media/mp4/faststart.js';
import { UsageError } from './usage-error.js';

export const FASTSTART_USAGE = `Usage:
  seekable faststart <in> <out> [--progress]
  seekable faststart <in> --in-place [--progress]

Moves the index (moov) of an MP4/MOV file in front of its media data, so that a player can start
from the first bytes, without re-encoding and without ffmpeg. Every other box is kept; chunk offsets
become 64-bit (co64) where they need to. Files already faststart, and fragmented MP4, are left as
they are. The copy is written beside its destination and renamed into place, so a crash or a full
disk never leaves a half-written file; --in-place replaces <in> that way.

Options:
  --in-place        replace <in> with its faststart copy
  --progress        draw a progress bar on stderr even when it is not a terminal
  -h, --help        this text

Exit codes: 0 done, or nothing to do; 1 the file could not be made faststart (one line on
stderr says why; <in> is untouched); 2 the command line is wrong.`;

/** A moov this large is not a moov: refused rather than loaded (a 24-hour movie's is tens of MiB). */
const MAX_MOOV = 1024 * 1024 * 1024;

/** What `seekable faststart` was asked to do. */
export interface FaststartConfig {
  input: string;
  /** Where the copy goes: the input itself with --in-place. */
  output: string;
  inPlace: boolean;
  progress: boolean;
}

/** Reads the command line after `faststart`; 'help', or throws a UsageError. */
export function parseFaststartArgs(argv: string[]): FaststartConfig | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!, true);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [input, output, ...rest] = positionals;
  if (input === undefined) throw new UsageError('missing <in>: seekable faststart <in> <out>, or <in> --in-place', true);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, true);
  if (values['in-place'] && output !== undefined) throw new UsageError('give either <out> or --in-place, not both', true);
  if (!values['in-place'] && output === undefined) throw new UsageError('missing <out>: seekable faststart <in> <out>, or <in> --in-place', true);
  const target = output ?? input;
  if (!values['in-place'] && path.resolve(target) === path.resolve(input)) {
    throw new UsageError('<out> is <in>: to replace it, use --in-place');
  }
  return { input, output: target, inPlace: values['in-place'], progress: values.progress };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'in-place': { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/**
 * `seekable faststart`: plans the move, writes the copy to a temporary file beside the destination and
 * renames it into place; with --in-place it fsyncs the copy first and the folder after, so that a crash
 * cannot leave the original replaced by bytes not yet on disk.
 * Returns the exit code: 0 done or nothing to do, 1 failed (after one line on `stderr`; the input is
 * never written and the temporary file is removed).
 */
export async function runFaststart(config: FaststartConfig, stderr: NodeJS.WriteStream): Promise<number> {
  const say = (line: string) => stderr.write(`${line}\n`);
  let input: FileHandle | undefined;
  try {
    input = await open(config.input, 'r');
    const before = await input.stat();
    if (!before.isFile()) throw new Error('not a regular file');
    if (!config.inPlace) await refuseSameFile(config.output, before);
    const started = performance.now();
    const verdict = await planFaststart(fileHandleReader(input, before.size), { maxMoov: MAX_MOOV });
    if (verdict.kind === 'faststart') return done(say, `${config.input} is already faststart (its moov precedes the media data): nothing to do`);
    if (verdict.kind === 'fragmented') return done(say, `${config.input} is fragmented MP4, which streams as it is: nothing to do`);
    if (verdict.kind === 'too-large') throw new Mp4FormatError(`its moov box claims ${verdict.moovSize} bytes, more than any real index`);
    const { relocation } = verdict;
    const draw = progressBar(stderr, config.progress || stderr.isTTY === true, relocation.size);
    await writeBeside(config.output, before, config.inPlace, async (output) => {
      await writeFaststart(input!, relocation, output, draw.update);
      const after = await input!.stat();
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new Error('the file changed while it was being copied');
    });
    draw.clear();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const wide = relocation.widened > 0 ? `, ${relocation.widened} chunk offset table(s) widened to 64 bits (co64)` : '';
    return done(say, `${config.output}: faststart, moov of ${relocation.moov.length} bytes moved before the media data in ${seconds} s${wide}`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const untouched = config.inPlace ? ' (it is untouched)' : '';
    say(`seekable: ${config.input}: ${describe(err)}${untouched}`);
    return 1;
  } finally {
    await input?.close();
  }
}

function done(say: (line: string) => void, line: string): number {
  say(`seekable: ${line}`);
  return 0;
}

/** <out> naming the input through another path (a link, "./a.mp4" and "a.mp4" aside) is refused too. */
async function refuseSameFile(output: string, input: { dev: number; ino: number }): Promise<void> {
  const existing = await stat(output).catch(() => undefined);
  if (existing !== undefined && existing.dev === input.dev && existing.ino === input.ino) {
    throw new UsageError('<out> is <in>: to replace it, use --in-place');
  }
}

/**
 * Writes a file through a temporary one beside it (same folder, so the rename is atomic): created
 * exclusively with the mode (and, when allowed, the owner) of `like`, filled by `fill`, renamed over
 * `target`. `durable` (replacing the only copy of a video) fsyncs the file before the rename and the
 * folder after it; a new output beside an untouched input does without: the fsync was 0.4 s of 0.7 s
 * on a 245 MB file here, and what a crash could lose is the copy, never the video.
 * On any failure the temporary file is removed and `target` is as it was.
 */
async function writeBeside(
  target: string,
  like: { mode: number; uid: number; gid: number },
  durable: boolean,
  fill: (output: FileHandle) => Promise<void>,
): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.faststart-${randomBytes(4).toString('hex')}.tmp`);
  const output = await open(temp, 'wx', like.mode & 0o777);
  try {
    // Replacing a file keeps its owner when we may (root may; anyone else gets their own, as cp does).
    await output.chown(like.uid, like.gid).catch(() => {});
    await fill(output);
    if (durable) await output.sync();
    await output.close();
    await rename(temp, target);
  } catch (err) {
    await output.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  if (!durable) return;
  // The rename is durable only once the folder's entry is; a platform that cannot fsync a folder has lost nothing.
  const folder = await open(dir, 'r').catch(() => undefined);
  await folder
    ?.sync()
    .catch(() => {})
    .finally(() => folder.close());
}

/** One line for an error: the format's own words, or the system's code and message. */
function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT' && e.syscall === 'open' && e.path !== undefined) return `no such file: ${e.path}`;
  return err instanceof Error ? err.message : String(err);
}

/** A bar of the bytes written, redrawn at most ten times a second; nothing when off. */
function progressBar(stream: NodeJS.WriteStream, on: boolean, total: number) {
  let last = 0;
  let drawn = false;
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  return {
    update(done: number) {
      const now = performance.now();
      if (!on || (now - last < 100 && done < total)) return;
      last = now;
      drawn = true;
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${mib(done)} of ${mib(total)} MiB`);
    },
    clear() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
