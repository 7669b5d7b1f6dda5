/**
 * The doors section's table: per framework and row, seekable's door and the framework's own static
 * serving in units, the door against the own static and against seekable's node:http handler (ratios
 * of the same round), and whether the door meets the goal on that row.
 */
import { type DoorResults, type DoorRow, doorVersions, DOOR_ROWS, ROW_NEEDS } from './doors.js';
import { summarizeFailures } from './guard.js';
import { median, SCENARIOS, type Figures } from './scenarios.js';
import { CHUNKED_STREAMS } from './servers.js';

/** Below this fraction of the node:http handler on the probe or the full file, a door misses its goal. */
export const GOAL_OF_HANDLER = 0.9;

const en = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ROW_LABELS: Record<DoorRow, { label: string; unit: string; lowerIsBetter: boolean }> = {
  probe: { label: 'Safari probe (`bytes=0-1`, 64 conns)', unit: 'req/s', lowerIsBetter: false },
  full1: { label: 'full-file GET of 1 GiB, 1 client', unit: 'MB/s', lowerIsBetter: false },
  viewerMemory: { label: 'RSS per slow viewer, lower is better', unit: 'KiB', lowerIsBetter: true },
};

const unitValue = (value: number, unit: string) => `${en(value, unit === 'KiB' && Math.abs(value) < 100 ? 1 : 0)} ${unit}`;
const ratio = (value: number) => `${en(value, Math.abs(value) < 10 ? 2 : 1)}×`;

function cell(values: readonly number[], format: (v: number) => string): string {
  if (values.length === 0) return '—';
  const spread = values.length < 2 ? '' : ` (${format(Math.min(...values))}–${format(Math.max(...values))})`;
  return `${format(median(values))}${spread}`;
}

/** A row's figures per round; undefined where that round did not measure it. */
const column = (rounds: readonly Partial<Figures>[], row: DoorRow) => rounds.map((figures) => figures[row]);

/** Per-round ratios a ÷ b over the rounds where both were measured and b is a usable base (> 0). */
function ratios(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== undefined && y !== undefined && y > 0) out.push(x / y);
  }
  return out;
}

const defined = (values: readonly (number | undefined)[]) => values.filter((value): value is number => value !== undefined);

/** The median of the measured values, undefined when none was measured. */
function medianOf(values: readonly (number | undefined)[] | undefined): number | undefined {
  const measured = defined(values ?? []);
  return measured.length === 0 ? undefined : median(measured);
}

/** The section as Markdown: the table, the baseline, the guard failures of the own statics, the skipped frameworks. */
export function doorsTable(results: DoorResults, viewers: number): string {
  const lines: string[] = [];
  lines.push('| framework | row | seekable door | own static | door ÷ own | door ÷ node:http handler | goal |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const door of results.doors) {
    const versions = doorVersions(door);
    const doorResult = results.servers.get(door.door)!;
    const own = results.servers.get(door.own)!;
    DOOR_ROWS.forEach((row, i) => {
      const { label, unit, lowerIsBetter } = ROW_LABELS[row];
      const doorValues = column(doorResult.rounds, row);
      const ownValues = column(own.rounds, row);
      const baseValues = column(results.baseline, row);
      const ownFailed = own.failures.get(ROW_NEEDS[row]);
      const ownMeasured = defined(ownValues);
      const ownCell =
        ownFailed !== undefined && ownMeasured.length === 0
          ? `fails \`${requestOf(ownFailed.request)}\`: not measured`
          : cell(ownMeasured, (v) => unitValue(v, unit));
      const vsOwn = ratios(doorValues, ownValues);
      const vsHandler = ratios(doorValues, baseValues);
      const first = i === 0 ? `${door.framework} (${versions.framework}): ${door.doorLabel} vs ${versions.own}` : '';
      lines.push(
        `| ${first} | ${label} | ${cell(defined(doorValues), (v) => unitValue(v, unit))} | ${ownCell} | ${cell(vsOwn, ratio)} | ${cell(vsHandler, ratio)} | ${goal(row, defined(doorValues), ownMeasured, vsHandler, lowerIsBetter)} |`,
      );
    });
  }
  const base = DOOR_ROWS.map(
    (row) =>
      `${SCENARIOS.find((s) => s.key === row)!.short} ${cell(defined(column(results.baseline, row)), (v) => unitValue(v, ROW_LABELS[row].unit))}`,
  );
  lines.push('');
  lines.push(`seekable's node:http handler in the same rounds: ${base.join('; ')}.`);
  lines.push(
    `Medians over ${results.rounds} round(s)${results.rounds > 1 ? ', (min–max) across rounds' : ''}; ratios are taken within a round. ` +
      `Door ÷ own above 1 is the door ahead on req/s and MB/s, below 1 on KiB (${viewers.toLocaleString('en-US')} viewers at 256 KiB/s). ` +
      `Goal: the door ≥ ${GOAL_OF_HANDLER}× the node:http handler on the probe and the full file, and ahead of the own static on every row it serves.`,
  );
  const failing = results.doors.flatMap((door) => {
    const failures = [...results.servers.get(door.own)!.failures.values()];
    return failures.length === 0 ? [] : [`- ${door.ownLabel} fails the correctness guard on ${summarizeFailures(failures).join('; ')}`];
  });
  if (failing.length > 0) lines.push('', ...failing);
  for (const door of results.doors) {
    const issue = CHUNKED_STREAMS[door.door];
    if (issue !== undefined) {
      lines.push(
        `- ${door.doorLabel}: the runtime sends the door's streamed bodies chunked, without the Content-Length the engine set (${issue}); the guard compares their bytes and Content-Range, and lets that pass`,
      );
    }
  }
  for (const { door, why } of results.skipped) lines.push(`- ${door.framework}: not measured (${why})`);
  lines.push('', ...floorsTable(results), ...fullFloorsTable(results));
  return lines.join('\n');
}

/**
 * What each door costs above its framework on the probe, beside what the handler costs above node:http,
 * in µs per request (10^6 ÷ req/s, from the medians). A framework's floor bounds its door: a door that
 * cost exactly what the handler costs above node:http would reach H ÷ (F + H − N) of the handler's rate.
 */
function floorsTable(results: DoorResults): string[] {
  const us = (rates: readonly (number | undefined)[] | undefined) => {
    const rate = medianOf(rates);
    return rate === undefined ? undefined : 1e6 / rate;
  };
  const nodeFloor = us(results.floors.get('node-floor'));
  const handler = us(column(results.baseline, 'probe'));
  if (nodeFloor === undefined || handler === undefined) return [];
  const micro = (value: number) => `${en(value, 0)} µs`;
  const lines = [
    "Safari's probe, CPU-bound on one core, as µs per request (10^6 ÷ req/s, medians): each framework alone answering the probe's 206 from memory (`servers/*-floor.ts`), with seekable's door, and what the door adds; node:http and the handler above them.",
    '',
    '| server | alone (floor) | with seekable | seekable adds | best door ÷ handler at the handler’s own cost |',
    '|---|---|---|---|---|',
    `| node:http, seekable's handler | ${micro(nodeFloor)} | ${micro(handler)} | ${micro(handler - nodeFloor)} | 1.00× |`,
  ];
  for (const door of results.doors) {
    if (door.probeFloor === undefined) continue;
    const floor = us(results.floors.get(door.probeFloor));
    const withDoor = us(column(results.servers.get(door.door)!.rounds, 'probe'));
    if (floor === undefined || withDoor === undefined) continue;
    const best = handler / (floor + handler - nodeFloor);
    lines.push(`| ${door.framework} | ${micro(floor)} | ${micro(withDoor)} | ${micro(withDoor - floor)} | ${ratio(best)} |`);
  }
  return lines;
}

/**
 * What a door's full file costs against its framework's own web-stream path (Door.fullFloor), in
 * MB/s: a body streamed through the Fetch API needs a fresh buffer per chunk, which the handler, reading
 * into buffers the socket gives back, does not; the floor ÷ handler is the best such a door can reach.
 */
function fullFloorsTable(results: DoorResults): string[] {
  const handler = medianOf(column(results.baseline, 'full1'));
  if (handler === undefined) return [];
  const rows: string[] = [];
  for (const door of results.doors) {
    if (door.fullFloor === undefined) continue;
    const floor = medianOf(results.floors.get(door.fullFloor));
    const withDoor = medianOf(column(results.servers.get(door.door)!.rounds, 'full1'));
    if (floor === undefined || withDoor === undefined) continue;
    const mb = (value: number) => `${en(value, 0)} MB/s`;
    rows.push(`| ${door.framework} | ${mb(floor)} | ${mb(withDoor)} | ${ratio(withDoor / floor)} | ${ratio(floor / handler)} |`);
  }
  if (rows.length === 0) return [];
  return [
    '',
    `The full file through a framework's web-stream path, MB/s (medians): the framework alone sending the file as a pull ReadableStream of fresh 1 MiB reads (\`servers/hono-stream-floor.ts\`: no range, no condition, nothing of ours), and with seekable's door; seekable's node:http handler ${en(handler, 0)} MB/s.`,
    '',
    '| server | alone (floor) | with seekable | door ÷ floor | best door ÷ handler (floor ÷ handler) |',
    '|---|---|---|---|---|',
    ...rows,
  ];
}

/** The Range header (or "whole file") of a guard request label, for a table cell. */
function requestOf(label: string): string {
  const range = /Range: (\S+)/.exec(label);
  return range?.[1] ?? 'GET (whole file)';
}

/**
 * Whether the door meets the goal on a row. Ahead of the own static is judged on the medians in units,
 * not on the ratio: a memory growth near or below zero makes no usable base for a ratio.
 */
function goal(
  row: DoorRow,
  doorValues: readonly number[],
  ownValues: readonly number[],
  vsHandler: readonly number[],
  lowerIsBetter: boolean,
): string {
  if (doorValues.length === 0) return '—';
  const misses: string[] = [];
  if (row !== 'viewerMemory' && vsHandler.length > 0 && median(vsHandler) < GOAL_OF_HANDLER) misses.push(`< ${GOAL_OF_HANDLER}× handler`);
  if (ownValues.length > 0) {
    const ahead = lowerIsBetter ? median(doorValues) < median(ownValues) : median(doorValues) > median(ownValues);
    if (!ahead) misses.push('behind own');
  }
  return misses.length === 0 ? 'met' : `missed: ${misses.join(', ')}`;
}
