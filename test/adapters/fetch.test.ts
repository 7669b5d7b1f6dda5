import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFetchHandler, fetchResponse } from '../../src/adapters/fetch.js';
import { FileSource } from '../../src/source/file/file-source.js';
import type { LookupOptions, Resource, Source } from '../../src/source/types.js';
import { parseMultipart } from '../support/http.js';

const SIZE = 3 * 1024 * 1024;
const bytes = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 31) % 251));

/** A FileSource that counts reads and releases, to see what the door reads, and when it lets go. */
class CountingSource implements Source {
  reads = 0;
  held = 0;
  constructor(private readonly inner: FileSource) {}
  async lookup(key: string, options?: LookupOptions): Promise<Resource | undefined> {
    const resource = await this.inner.lookup(key, options);
    if (resource === undefined) return undefined;
    this.held++;
    let released = false;
    return {
      ...resource,
      readRange: (start, end) => {
        const inner = resource.readRange(start, end);
        return {
          read: (buffer, length) => {
            this.reads++;
            return inner.read(buffer, length);
          },
          close: () => inner.close(),
        };
      },
      release: () => {
        if (!released) this.held--;
        released = true;
        resource.release();
      },
    };
  }
}

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => new Request(`http://127.0.0.1${url}`, { method, headers });

describe('the Fetch API door', () => {
  let dir: string;
  let source: CountingSource;
  let handle: ReturnType<typeof createFetchHandler>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-fetch-'));
    await writeFile(path.join(dir, 'clip.mp4'), bytes);
    source = new CountingSource(new FileSource(dir));
    handle = createFetchHandler(source, { prefix: '/media' });
  });
  after(() => rm(dir, { recursive: true }));

  it('answers the whole file, a range, a suffix and multipart, byte-exact', async () => {
    const whole = await handle(get('/media/clip.mp4'));
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-length'), String(SIZE));
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));
    const range = await handle(get('/media/clip.mp4', { Range: 'bytes=1000-200999' }));
    assert.equal(range.status, 206);
    assert.equal(range.headers.get('content-range'), `bytes 1000-200999/${SIZE}`);
    assert.ok(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(1000, 201000)));
    const suffix = await handle(get('/media/clip.mp4', { Range: 'bytes=-10' }));
    assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(SIZE - 10)));
    const multi = await handle(get('/media/clip.mp4', { Range: 'bytes=0-9,2000000-2000009' }));
    const parts = parseMultipart(Buffer.from(await multi.arrayBuffer()), multi.headers.get('content-type')!);
    assert.deepEqual(
      parts.map((p) => p.data),
      [bytes.subarray(0, 10), bytes.subarray(2000000, 2000010)],
    );
    assert.equal(source.held, 0, 'every resource released');
  });

  it('conditionals, HEAD, 416, 404, 405, a download, and nothing outside the prefix', async () => {
    const first = await handle(get('/media/clip.mp4', { Range: 'bytes=0-1' }));
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    assert.equal((await handle(get('/media/clip.mp4', { 'If-None-Match': etag }))).status, 304);
    const head = await handle(get('/media/clip.mp4', { Range: 'bytes=0-99' }, 'HEAD'));
    assert.equal(head.status, 206);
    assert.equal(head.headers.get('content-length'), '100');
    assert.equal(head.body, null);
    assert.equal((await handle(get('/media/clip.mp4', { Range: `bytes=${SIZE}-` }))).status, 416);
    assert.equal((await handle(get('/media/missing.mp4'))).status, 404);
    assert.equal((await handle(get('/media/../etc/passwd'))).status, 404);
    assert.equal((await handle(get('/clip.mp4'))).status, 404);
    assert.equal((await handle(get('/media/clip.mp4', {}, 'POST'))).status, 405);
    const download = await handle(get('/media/clip.mp4?download=1', { Range: 'bytes=0-0' }));
    assert.equal(download.headers.get('content-disposition'), 'attachment; filename="clip.mp4"');
    await download.arrayBuffer();
    assert.equal(source.held, 0);
  });

  it('reads nothing before the consumer asks, one chunk per read, and cancelling releases the resource', async () => {
    const reads = source.reads;
    const response = await handle(get('/media/clip.mp4'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(source.reads, reads, 'nothing read before the body is read');
    assert.equal(source.held, 1);
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value!.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(source.reads - reads <= 2, `${source.reads - reads} reads after one chunk was asked for`);
    await reader.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(source.held, 0, 'released once cancelled');
  });

  it('fetchResponse serves a resource your route looked up, with per-call options', async () => {
    const own = new FileSource(dir);
    const response = fetchResponse(get('/videos/42', { Range: 'bytes=5-9' }), await own.lookup('clip.mp4'), 'lecture.mp4', {
      download: true,
      cacheControl: 'private, max-age=60',
      headers: { 'X-Video-Id': '42' },
    });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="lecture.mp4"');
    assert.equal(response.headers.get('cache-control'), 'private, max-age=60');
    assert.equal(response.headers.get('x-video-id'), '42');
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes.subarray(5, 10)));
    assert.equal(fetchResponse(get('/videos/7'), undefined, 'x.mp4').status, 404);
    own.close();
  });

  it('reads the URL and the fields of the Request as they are: a fragment is no part of the key, a repeated field is a list', async () => {
    const withFragment = await handle(get('/media/clip.mp4?download=1#t=10', { Range: 'bytes=0-1' }));
    assert.equal(withFragment.status, 206);
    assert.equal(withFragment.headers.get('content-disposition'), 'attachment; filename="clip.mp4"');
    await withFragment.arrayBuffer();
    const etag = withFragment.headers.get('etag')!;
    const headers = new Headers();
    headers.append('If-None-Match', '"other"');
    headers.append('If-None-Match', etag);
    assert.equal((await handle(new Request('http://127.0.0.1/media/clip.mp4', { headers }))).status, 304);
    assert.equal(source.held, 0);
  });

  it('a node:http request where a Fetch Request belongs is a TypeError', async () => {
    await assert.rejects(handle({ url: '/media/clip.mp4', method: 'GET', headers: {} } as unknown as Request), TypeError);
  });
});
