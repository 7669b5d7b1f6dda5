/** A real S3-protocol server (s3rver) on a loopback port, started by a test, with a bucket in a temp dir. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fileURLToPath } from 'node:url';
import { S3Source, type S3SourceOptions } from '../../src/source/s3/s3-source.js';

/** s3rver's fixed credentials. */
export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const BUCKET = 'videos';

export interface TestStore {
  /** "http://127.0.0.1:<port>" */
  endpoint: string;
  port: number;
  bucket: string;
  /** A client of the test's own, for putting and deleting objects. */
  client: S3Client;
  put(key: string, body: Buffer | string, contentType?: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Puts every file under a folder, keyed by its relative path under `prefix`. */
  putFolder(dir: string, prefix?: string): Promise<void>;
  /** An S3Source on this store (at `endpoint`, or through a proxy of the test's at another). */
  source(options?: Partial<S3SourceOptions>): S3Source;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with the bucket `videos`, in a process of its own (s3-server.mjs says why). */
export async function startStore(): Promise<TestStore> {
  const directory = await mkdtemp(path.join(tmpdir(), 'seekable-s3-'));
  const script = fileURLToPath(new URL('./s3-server.mjs', import.meta.url));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, directory, BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const [line] = (await Promise.race([
    once(child.stdout, 'data'),
    exited.then(() => Promise.reject(new Error('s3rver exited before listening'))),
  ])) as [Buffer];
  const port = Number(line.toString().trim());
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  const put = async (key: string, body: Buffer | string, contentType?: string) => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: contentType }));
    // s3rver answers a PUT before its file is all on disk (a HEAD right after can report a shorter
    // size under the new ETag): wait until the store says the whole object is there.
    const size = Buffer.byteLength(body);
    for (let tries = 0; tries < 200; tries++) {
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      if (head.ContentLength === size) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`s3rver did not finish writing ${key}`);
  };
  return {
    endpoint,
    port,
    bucket: BUCKET,
    client,
    put,
    remove: async (key) => {
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    },
    putFolder: async (dir, prefix = '') => {
      for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath, entry.name);
        await put(prefix + path.relative(dir, file).split(path.sep).join('/'), await readFile(file));
      }
    },
    source: (options = {}) =>
      new S3Source({ bucket: BUCKET, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS, ...options }),
    close: async () => {
      client.destroy();
      child.kill();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
