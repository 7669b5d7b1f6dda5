/** The Markdown table: nginx absolute, the others as ratios to nginx in the same round, median and spread. */
import { median, SCENARIOS, type Figures, type ScenarioKey } from './scenarios.js';
import { SERVERS, type CoreServerName } from './servers.js';

export type Results = Record<CoreServerName, Figures[]>; // one Figures per round

const en = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function absolute(value: number, unit: string): string {
  const digits = unit === 'ms' ? (Math.abs(value) < 10 ? 2 : 1) : unit === 'KiB' ? (Math.abs(value) < 100 ? 1 : 0) : 0;
  return en(value, digits);
}

const ratio = (value: number) => `${en(value, Math.abs(value) < 10 ? 2 : 1)}×`;

function spread(values: readonly number[], format: (v: number) => string): string {
  if (values.length < 2) return '';
  return ` (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

function cell(values: readonly number[], format: (v: number) => string): string {
  return `${format(median(values))}${spread(values, format)}`;
}

/** Ratios to nginx of the same round; undefined where nginx's figure is not a usable base (≤ 0). */
function ratios(results: Results, server: CoreServerName, key: ScenarioKey): number[] | undefined {
  const base = results.nginx.map((figures) => figures[key]);
  if (base.some((value) => !(value > 0))) return undefined;
  return results[server].map((figures, round) => figures[key] / base[round]!);
}

export function table(results: Results, viewers: number): string {
  const rows = ['| scenario | nginx | express | seekable |', '|---|---|---|---|'];
  for (const { key, label: template, unit } of SCENARIOS) {
    const label = template.replace('{viewers}', viewers.toLocaleString('en-US'));
    const cells = SERVERS.map((server) => {
      const values = results[server].map((figures) => figures[key]);
      const plain = `${cell(values, (v) => absolute(v, unit))} ${unit}`;
      if (server === 'nginx') return plain;
      const r = ratios(results, server, key);
      if (r === undefined) return `n/a (nginx ≤ 0), ${plain}`;
      // Memory is also shown in KiB: a ratio to a small base says little on its own.
      return unit === 'KiB' ? `${cell(r, ratio)}, ${plain}` : cell(r, ratio);
    });
    rows.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

/** Every server's absolute medians, for reading the ratios back into units. */
export function absolutes(results: Results): string {
  const rows = ['| scenario (medians) | nginx | express | seekable |', '|---|---|---|---|'];
  for (const { key, short, unit } of SCENARIOS) {
    const cells = SERVERS.map((server) => `${absolute(median(results[server].map((f) => f[key])), unit)} ${unit}`);
    rows.push(`| ${short} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}
