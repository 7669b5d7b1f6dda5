/**
 * A file replaced between two requests, over both sources (a folder and an S3 bucket, the same
 * cases): the next answer is the new version, with its own validators, and conditionals made with
 * the old ETag see it as changed. The store's metadata cache is kept long on purpose, so the S3
 * source meets the replacement at its first read, not at its lookup.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHandler, type Handler } from '../../src/serve/handler.js';
import { request, startServer, type TestServer } from '../support/http.js';
import { startStore, type TestStore } from '../support/s3.js';

const V1 = Buffer.from('the first version of the clip, '.repeat(100));
const V2 = Buffer.from('and the second one, which is longer. '.repeat(150));

/** A source to serve from, and how to replace a key's bytes in it. */
interface Served {
  name: string;
  start(): Promise<{ handler: Handler; replace(key: string, bytes: Buffer): Promise<void>; close(): Promise<void> }>;
}

const sources: Served[] = [
  {
    name: 'a folder',
    async start() {
      const dir = await mkdtemp(path.join(tmpdir(), 'seekable-replaced-'));
      const handler = createHandler(dir);
      return {
        handler,
        replace: (key, bytes) => writeFile(path.join(dir, key), bytes),
        close: async () => {
          handler.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'an S3 bucket',
    async start() {
      const store: TestStore = await startStore();
      const source = store.source({ metadataTtl: 60_000 });
      return {
        handler: createHandler(source),
        replace: (key, bytes) => store.put(key, bytes),
        close: async () => {
          source.close();
          await store.close();
        },
      };
    },
  },
];

for (const served of sources) {
  describe(`a file replaced between requests, from ${served.name}`, () => {
    let running: Awaited<ReturnType<Served['start']>>;
    let server: TestServer;
    before(async () => {
      running = await served.start();
      server = await startServer((req, res) => running.handler(req, res));
    });
    after(async () => {
      await server.close();
      await running.close();
    });

    /** Serves V1, reads its ETag, replaces it with V2, and returns the old ETag. */
    async function replaced(key: string): Promise<string> {
      await running.replace(key, V1);
      const first = await request(`${server.url}/${key}`, { headers: { Range: 'bytes=0-9' } });
      assert.equal(first.status, 206);
      await running.replace(key, V2);
      return String(first.headers.etag);
    }

    it('the next GET answers the new version, whole and with a new ETag', async () => {
      const old = await replaced('a.mp4');
      const r = await request(`${server.url}/a.mp4`);
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(V2));
      assert.notEqual(r.headers.etag, old);
    });

    it('If-Range with the old ETag gets the whole new version, not a range of it', async () => {
      const old = await replaced('b.mp4');
      const r = await request(`${server.url}/b.mp4`, { headers: { Range: 'bytes=100-199', 'If-Range': old } });
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(V2));
    });

    it('If-None-Match with the old ETag is not a 304', async () => {
      const old = await replaced('c.mp4');
      const r = await request(`${server.url}/c.mp4`, { headers: { 'If-None-Match': old } });
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(V2));
    });

    it('If-Match with the old ETag is 412', async () => {
      const old = await replaced('d.mp4');
      const r = await request(`${server.url}/d.mp4`, { headers: { 'If-Match': old } });
      assert.equal(r.status, 412);
    });
  });
}
