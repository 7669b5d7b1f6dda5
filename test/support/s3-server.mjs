// Runs s3rver (a real S3-protocol server) in a process of its own, on a loopback port, and prints
// that port. Its own process because s3rver's continuation tokens use DES, which OpenSSL 3 only
// offers with --openssl-legacy-provider: without it every paginated listing fails with a 500.
// Usage: node --openssl-legacy-provider s3-server.mjs <directory> <bucket>
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${port}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
