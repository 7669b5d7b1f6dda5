import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration } from '../app/format.js';
import { progressReporter } from '../app/progress.js';
import type { MediaInfo, TrackInfo } from '../media/media-info.js';
import { mediaKind } from '../media/media-kind.js';
import { ENGINES, type Engine, type Playability, playability, shellWord } from '../media/playability.js';
import { probe } from '../media/probe.js';
import { resourceReader } from '../media/resource-reader.js';
import { FileSource } from '../source/file/file-source.js';
import { listAll } from '../source/list-all.js';
import { UsageError } from './usage-error.js';

/** What `seekable probe` was asked. */
export interface ProbeConfig {
  command: 'probe';
  /** A file or a folder, as typed. */
  target: string;
  json: boolean;
}

/** What the probe says of one file: its headers' facts, size, and each engine's verdict. */
export interface ProbeReport extends MediaInfo {
  path: string;
  size: number;
  playability: Playability | null;
}

/** Counts over a folder's files. */
export interface ProbeSummary {
  files: number;
  /** Files each engine plays ("plays"; a "depends" is not counted). */
  plays: Record<Engine, number>;
  everywhere: number;
  nowhere: number;
  truncated: number;
  notWebOptimized: number;
  unreadable: number;
}

/** Where the command writes: stdout for the answer, stderr for people (progress, errors). */
export interface ProbeOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

/** `seekable probe --help`. */
export const PROBE_USAGE = `Usage: seekable probe <file|dir> [--json]

Says what each video and audio file holds (container, duration, size, codecs as browsers name them,
bitrate, whether an MP4's index comes first, audio and subtitle tracks) and whether Chromium, Firefox
and Safari play it, with the reason when one does not and the command that converts it. A folder gives
one row per file and counts at the end. The table of what plays where: docs/playability.md.

  --json      one JSON document on stdout instead of the table
  -h, --help  this text

Exit codes: 0 the report was written, 1 the file or folder cannot be read, 2 the command was mistyped.`;

/** Files probed at once: probes wait on the disk, not the CPU (the catalog's choice too). */
const CONCURRENCY = 4;

/** Reads `seekable probe <file|dir> [--json]`; the command word is already taken off. */
export function parseProbeArgs(argv: string[]): ProbeConfig | 'help' {
  const options = { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } as const;
  let parsed: { values: { json: boolean; help: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    // Node words these for programmers ("To specify a positional argument…"): the first sentence is the problem.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''), true);
  }
  if (parsed.values.help) return 'help';
  const [target, ...rest] = parsed.positionals;
  if (target === undefined) throw new UsageError('missing <file|dir>: seekable probe <file|dir> [--json]', true);
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, true);
  return { command: 'probe', target, json: parsed.values.json };
}

/**
 * One file's report, read through the source as the catalog reads it, named `shown` (the path the user
 * will type in the suggested commands); undefined when it cannot be opened.
 */
async function probeKey(source: FileSource, key: string, shown = key): Promise<ProbeReport | undefined> {
  const resource = await source.lookup(key, { keep: false });
  if (resource === undefined) return undefined;
  try {
    const info = await probe(key, resourceReader(resource));
    return { path: shown, size: resource.size, ...info, playability: info.error === undefined ? playability(info, shown) : null };
  } finally {
    resource.release();
  }
}

/** Counts a folder's reports. */
export function summarize(reports: readonly ProbeReport[]): ProbeSummary {
  const plays = { chromium: 0, firefox: 0, safari: 0 };
  let everywhere = 0;
  let nowhere = 0;
  for (const report of reports) {
    const verdicts = report.playability;
    if (verdicts === null) continue;
    for (const engine of ENGINES) if (verdicts[engine].verdict === 'plays') plays[engine]++;
    if (ENGINES.every((engine) => verdicts[engine].verdict === 'plays')) everywhere++;
    if (ENGINES.every((engine) => verdicts[engine].verdict === 'no')) nowhere++;
  }
  return {
    files: reports.length,
    plays,
    everywhere,
    nowhere,
    truncated: reports.filter((r) => r.truncated === true).length,
    notWebOptimized: reports.filter((r) => r.faststart === false).length,
    unreadable: reports.filter((r) => r.error !== undefined).length,
  };
}

/** A file name is not ours to send to a terminal raw: ESC sequences could retitle it or worse. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this replaces
const printable = (text: string) => text.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

const ENGINE_NAMES: Record<Engine, string> = { chromium: 'Chromium', firefox: 'Firefox', safari: 'Safari' };

function seconds(value: number): string {
  return value < 60 ? `${value.toFixed(1)} s` : formatDuration(value);
}

function tracks(list: TrackInfo[]): string {
  return list
    .map((t) => [t.language, t.codec, t.channels === undefined ? undefined : `${t.channels}ch`, t.name && `"${t.name}"`].filter(Boolean).join(' '))
    .join(', ');
}

/** The lines under a file's row: why an engine does not play it, what to run, what else is wrong. */
function notes(report: ProbeReport): string[] {
  const lines: string[] = [];
  if (report.error !== undefined) lines.push(`unreadable: ${report.error}`);
  if (report.truncated) {
    const plays = report.playableDuration === undefined ? 'only its first part plays' : `plays the first ${seconds(report.playableDuration)}`;
    lines.push(`truncated: ${plays}${report.duration === undefined ? '' : ` of ${seconds(report.duration)}`}`);
  }
  const verdicts = report.playability;
  if (verdicts !== null) {
    const reasons = [...new Set(ENGINES.flatMap((engine) => verdicts[engine].reasons))];
    for (const reason of reasons) lines.push(reason);
    if (verdicts.fix !== undefined) lines.push(`to convert: ${verdicts.fix}`);
  }
  if (report.faststart === false) lines.push(`not web-optimized (index at the end): seekable faststart ${shellWord(report.path)}`);
  if ((report.audioTracks?.length ?? 0) > 1) lines.push(`audio: ${tracks(report.audioTracks!)}`);
  if (report.subtitleTracks !== undefined) lines.push(`subtitles: ${tracks(report.subtitleTracks)}`);
  return lines.map(printable);
}

/** The human table: one row per file, its notes indented under it. */
export function renderTable(reports: readonly ProbeReport[]): string {
  const header = ['PATH', 'CONTAINER', 'DURATION', 'WxH', 'CODECS', 'BITRATE', 'FASTSTART', ...ENGINES.map((e) => ENGINE_NAMES[e].toUpperCase())];
  const rows = reports.map((r) => [
    printable(r.path),
    r.container,
    r.duration === undefined ? '' : formatDuration(r.duration),
    r.width === undefined || r.height === undefined ? '' : `${r.width}x${r.height}`,
    [r.videoCodec, r.audioCodec]
      .filter(Boolean)
      .map((c) => printable(c!))
      .join(', '),
    r.bitrate === undefined ? '' : `${Math.round(r.bitrate / 1000)} kb/s`,
    r.faststart === undefined ? '' : r.faststart ? 'yes' : 'no',
    ...ENGINES.map((engine) => (r.playability === null ? '?' : r.playability[engine].verdict)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  reports.forEach((report, i) => {
    out.push(line(rows[i]!));
    for (const note of notes(report)) out.push(`    ${note}`);
  });
  return `${out.join('\n')}\n`;
}

/** The summary lines of a folder. */
export function renderSummary(summary: ProbeSummary): string {
  const of = (n: number) => `${n}/${summary.files}`;
  return [
    `${summary.files} media file${summary.files === 1 ? '' : 's'}: ${summary.everywhere} play${summary.everywhere === 1 ? 's' : ''} in every engine, ${summary.nowhere} in none`,
    `plays in ${ENGINES.map((e) => `${ENGINE_NAMES[e]} ${of(summary.plays[e])}`).join(', ')}`,
    `${summary.truncated} truncated, ${summary.notWebOptimized} not web-optimized, ${summary.unreadable} unreadable`,
  ].join('\n');
}

/**
 * `seekable probe <file|dir>`: what each file holds and where it plays. Returns the exit code: 0 when
 * the report was written, 1 when the target cannot be read (one line on stderr).
 */
export async function runProbe(config: ProbeConfig, out: ProbeOutput): Promise<number> {
  const fail = (message: string) => {
    out.stderr.write(`seekable: ${message}\n`);
    return 1;
  };
  let real: string;
  let isFolder: boolean;
  try {
    real = await realpath(config.target);
    isFolder = (await stat(real)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(`no such file or folder: ${config.target}`);
    if (code === 'EACCES') return fail(`permission denied: ${config.target}`);
    return fail(`cannot read ${config.target} (${code ?? (err as Error).message})`);
  }

  const reports: ProbeReport[] = [];
  if (!isFolder) {
    // The file named is probed whatever its name (a dotfile too: it was asked for by name).
    const source = new FileSource(path.dirname(real), { dotfiles: true, openFileCache: false });
    try {
      const report = await probeKey(source, path.basename(real), config.target);
      if (report === undefined) return fail(`cannot read ${config.target}`);
      reports.push(report);
    } finally {
      source.close();
    }
  } else {
    const source = new FileSource(real, { openFileCache: false });
    try {
      const keys: string[] = [];
      for await (const file of listAll(source)) if (mediaKind(file.key) !== undefined) keys.push(file.key);
      keys.sort((a, b) => a.localeCompare(b));
      const started = Date.now();
      const show = progressReporter(out.stderr, out.stderr.isTTY ? (line) => out.stderr.write(`${line}\n`) : () => {});
      let next = 0;
      let done = 0;
      const found = new Map<string, ProbeReport>();
      const work = async () => {
        while (next < keys.length) {
          const key = keys[next++]!;
          const report = await probeKey(source, key).catch(() => undefined);
          if (report !== undefined) found.set(key, report);
          done++;
          show({ done, total: keys.length, current: key, unreadable: 0, finished: false, elapsedMs: Date.now() - started });
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, work));
      const unreadable = [...found.values()].filter((r) => r.error !== undefined).length;
      show({ done, total: keys.length, unreadable, finished: true, elapsedMs: Date.now() - started });
      for (const key of keys) {
        const report = found.get(key);
        if (report !== undefined) reports.push(report);
      }
    } catch (err) {
      return fail(`cannot list ${config.target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    } finally {
      source.close();
    }
  }

  const summary = summarize(reports);
  if (config.json) {
    out.stdout.write(`${JSON.stringify(isFolder ? { files: reports, summary } : { files: reports }, null, 2)}\n`);
  } else if (reports.length === 0) {
    out.stdout.write('no media files\n');
  } else {
    out.stdout.write(renderTable(reports));
    if (isFolder) out.stdout.write(`\n${renderSummary(summary)}\n`);
  }
  return 0;
}
