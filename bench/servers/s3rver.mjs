// The benchmark's S3-protocol store: s3rver on a loopback port, serving a directory the harness has
// already filled in s3rver's own file layout, and printing that port. A bench-local twin of
// test/support/s3-server.mjs: like it, it needs its own process with --openssl-legacy-provider
// (s3rver's continuation tokens use DES, which OpenSSL 3 offers only there, and the catalog scan
// lists page by page); unlike it, it exits when the harness goes away (its stdin closes), as every
// process the benchmark starts does, so a killed harness leaves no store behind.
// Usage: node --openssl-legacy-provider bench/servers/s3rver.mjs <directory> <bucket>
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
// configureBuckets only creates the bucket's folder when it is missing: the objects written there stay.
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${port}\n`);
const quit = () => server.close().then(() => process.exit(0));
process.on('SIGTERM', quit);
process.stdin.on('end', quit).on('error', quit).resume();
