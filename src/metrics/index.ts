/**
 * seekable/metrics: Prometheus metrics of a server (prom-client, an optional peer dependency, loaded
 * by createMetrics only). `const metrics = await createMetrics()`, then give it to createHandler or
 * createApp as `metrics`, give `metrics.source` to a source you make as its `observer`, and mount
 * `metricsHandler(metrics)` where scrapes should go.
 */
export { createMetrics, Metrics, type MetricsOptions } from './metrics.js';
export { metricsHandler } from './handler.js';
export type { MetricsHooks, ResponseKind } from '../serve/metrics-hooks.js';
export type { SourceObserver } from '../source/types.js';
