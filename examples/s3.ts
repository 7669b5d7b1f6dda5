// Serve the videos of an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, ...) with node:http, through
// the same handler as a folder. Needs `npm install @aws-sdk/client-s3`; credentials come from the
// AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, a role).
// Run: S3_BUCKET=videos S3_ENDPOINT=http://127.0.0.1:9000 npx tsx examples/s3.ts
// (in your app: import from 'seekable' and 'seekable/s3')
import { createServer } from 'node:http';
import { createHandler } from '../src/index.js';
import { S3Source } from '../src/s3.js';

const source = new S3Source({
  bucket: process.env.S3_BUCKET ?? 'videos',
  prefix: process.env.S3_PREFIX, // serve only the keys under it, e.g. "films/"
  endpoint: process.env.S3_ENDPOINT, // leave unset for AWS itself
  forcePathStyle: process.env.S3_ENDPOINT !== undefined, // most self-hosted stores need it
});
const handler = createHandler(source);
const server = createServer((req, res) => handler(req, res));

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`http://127.0.0.1:${port}/`);
});
