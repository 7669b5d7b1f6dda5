/**
 * One catalog scan of a bucket prefix, as the app makes it at start: `new Catalog(source, {}).refresh()`
 * (no cache file: every object is probed), with the compiled package (dist/), timed, and every store
 * request counted through the S3Source's observer. Prints one JSON line:
 *   {"ms":…,"entries":n,"unreadable":u,"requests":{"list":…,"head":…,"get":…,"presign":…},"failures":{…}}
 *   node --import tsx bench/clients/catalog-scan.ts --endpoint http://127.0.0.1:S --bucket B --prefix library/
 */
import { performance } from 'node:perf_hooks';
import { S3Source, type StoreOperation } from 'seekable/s3';
// The Catalog is the app's, not an export of the package: its compiled module, as `seekable serve` runs it.
import { Catalog } from '../../dist/media/catalog.js';
import { STORE_CREDENTIALS } from '../lib/store.js';
import { exitWithParent, option } from './http1.js';

exitWithParent();
const requests: Record<StoreOperation, number> = { list: 0, head: 0, get: 0, presign: 0 };
const failures: Record<string, number> = {};
const source = new S3Source({
  bucket: option('bucket'),
  prefix: option('prefix'),
  endpoint: option('endpoint'),
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: STORE_CREDENTIALS,
  observer: {
    storeRequest(operation, _seconds, failed) {
      requests[operation as StoreOperation]++;
      if (failed) failures[operation] = (failures[operation] ?? 0) + 1;
    },
  },
});
const catalog = new Catalog(source, {});
const started = performance.now();
await catalog.refresh();
const ms = performance.now() - started;
const status = catalog.status;
source.close();
console.log(JSON.stringify({ ms, entries: catalog.list().length, unreadable: status.unreadable, requests, failures }));
process.exit(0);
