/** The S3 benchmark's Markdown table: the store directly, through seekable, their ratio or difference, and the goal. */
import { median } from './scenarios.js';
import type { CatalogFigures, ProbeFigures, StormFigures, ViewerFigures, ViewerRun } from './s3-scenarios.js';
import { percentile } from './s3-scenarios.js';

export interface S3Results {
  storm: StormFigures;
  probe: ProbeFigures;
  viewers: ViewerFigures;
  catalog: CatalogFigures;
  objects: number;
}

const en = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The median, then (min–max) when there is more than one value. */
function cell(values: readonly number[], format: (v: number) => string): string {
  const spread = values.length > 1 ? ` (${format(Math.min(...values))}–${format(Math.max(...values))})` : '';
  return `${format(median(values))}${spread}`;
}

const per = (count: number, of: number) => en(count / Math.max(1, of), 2);
const crowd = (run: ViewerRun) =>
  `${run.viewing.toLocaleString('en-US')} of ${run.asked.toLocaleString('en-US')}; ${en(run.meanRate / 1024, 0)} KiB/s`;
const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${en(Math.abs(ms), 2)} ms`;

export function s3Table(r: S3Results): string {
  const { storm, probe, viewers, catalog } = r;
  const rate = (runs: readonly { requestsPerSecond: number }[]) => runs.map((x) => x.requestsPerSecond);
  const mbps = (runs: readonly { bytesPerSecond: number }[]) => runs.map((x) => x.bytesPerSecond / 1e6);
  const ratios = storm.seekable.map((x, i) => x.requestsPerSecond / storm.direct[i]!.requestsPerSecond);
  const byteRatios = storm.seekable.map((x, i) => x.bytesPerSecond / storm.direct[i]!.bytesPerSecond);
  const times = (ms: number) => `${en(ms, ms < 10 ? 2 : 1)} ms`;
  const p50 = [median(probe.direct), median(probe.seekable)] as const;
  const p99 = [percentile(probe.direct, 0.99), percentile(probe.seekable, 0.99)] as const;
  const objects = Math.max(1, catalog.entries);
  const rows = [
    '| row | store directly (presigned URL) | through seekable (S3Source) | seekable vs direct | goal |',
    '|---|---|---|---|---|',
    `| random 1 MiB ranges of a 64 MiB object, 64 conns: req/s | ${cell(rate(storm.direct), (v) => en(v, 0))} | ${cell(rate(storm.seekable), (v) => en(v, 0))} | ${cell(ratios, (v) => `${en(v, 2)}×`)} | ≥ 0.80× |`,
    `| random 1 MiB ranges: MB/s | ${cell(mbps(storm.direct), (v) => en(v, 0))} | ${cell(mbps(storm.seekable), (v) => en(v, 0))} | ${cell(byteRatios, (v) => `${en(v, 2)}×`)} | |`,
    `| store requests per range asked (get / head) | – | ${per(storm.perRange.requests.get, storm.perRange.received)} / ${per(storm.perRange.requests.head, storm.perRange.received)} | | 1 GET |`,
    `| Safari probe \`bytes=0-1\`, warm, fresh connections: p50 | ${times(p50[0])} | ${times(p50[1])} | ${signed(p50[1] - p50[0])} | |`,
    `| Safari probe, p99 (${probe.direct.length} / ${probe.seekable.length} samples) | ${times(p99[0])} | ${times(p99[1])} | ${signed(p99[1] - p99[0])} | |`,
    `| store requests per probe (get / head) | – | ${per(probe.stats.requests.get, probe.probes)} / ${per(probe.stats.requests.head, probe.probes)} | | 1 (HEAD cached) |`,
    `| ${viewers.seekable.asked.toLocaleString('en-US')} slow viewers (256 KiB/s) of the 64 MiB object: streaming at the end; mean rate | ${crowd(viewers.direct)} | ${crowd(viewers.seekable)} | | all; 256 KiB/s |`,
    `| slow viewers: seekable's RSS growth per viewer streaming | – | ${en(viewers.rssPerViewer, 1)} KiB | | ≤ 128 KiB |`,
    `| slow viewers: most bytes seekable held at once per viewer (read − written) | – | ${en(viewers.heldPerViewer, 1)} KiB | | about one socket read |`,
    `| slow viewers: store requests per viewer streaming (get / head) | – | ${per(viewers.stats.requests.get, viewers.seekable.viewing)} / ${per(viewers.stats.requests.head, viewers.seekable.viewing)} | | 1 GET |`,
    `| catalog scan of ${r.objects.toLocaleString('en-US')} objects (\`Catalog.refresh()\`, dist/): time | – | ${en(catalog.ms / 1000, 1)} s (${en(catalog.entries / (catalog.ms / 1000), 0)} objects/s) | | |`,
    `| catalog scan: store requests per object (list / head / get) | – | ${per(catalog.requests.list, objects)} / ${per(catalog.requests.head, objects)} / ${per(catalog.requests.get, objects)} (${catalog.requests.list} lists, ${catalog.requests.head.toLocaleString('en-US')} heads, ${catalog.requests.get.toLocaleString('en-US')} gets) | | README: 1–2 GETs a video, no HEAD |`,
  ];
  return rows.join('\n');
}
