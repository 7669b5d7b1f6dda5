import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createHandler, sendFile, sendResource } from '../../src/serve/handler.js';
import { bufferResource } from '../../src/source/buffer-resource.js';
import type { Source } from '../../src/source/types.js';
import { parseMultipart, request, startServer, type TestServer } from '../support/http.js';

describe('createHandler over node:http', () => {
  let dir: string;
  let server: TestServer;
  let content: Buffer;
  const logs: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-handler-'));
    content = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251));
    await writeFile(path.join(dir, 'clip.mp4'), content);
    const anHourAgo = new Date(Date.now() - 3600_000);
    await utimes(path.join(dir, 'clip.mp4'), anHourAgo, anHourAgo);
    await writeFile(path.join(dir, 'ahead.mp4'), content);
    await writeFile(path.join(dir, 'empty.webm'), '');
    await writeFile(path.join(dir, 'Été à Paris.mp4'), 'x');
    server = await startServer(createHandler(dir, { log: (l) => logs.push(l) }));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true });
  });

  const url = (p = '/clip.mp4') => server.url + p;

  it('200 sends the whole file with its headers', async () => {
    const r = await request(url());
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(content));
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['content-length'], '100000');
    assert.equal(r.headers['content-type'], 'video/mp4');
    assert.match(r.headers.etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(r.headers['last-modified']);
    assert.equal(r.headers['content-encoding'], undefined);
  });

  for (const [range, start, end] of [
    ['bytes=0-1', 0, 1],
    ['bytes=0-0', 0, 0],
    ['bytes=500-999', 500, 999],
    ['bytes=99990-', 99990, 99999],
    ['bytes=-10', 99990, 99999],
    ['bytes=-200000', 0, 99999],
    ['bytes=99000-200000', 99000, 99999],
  ] as const) {
    it(`206 for ${range} carries exactly bytes ${start}-${end}`, async () => {
      const r = await request(url(), { headers: { Range: range } });
      assert.equal(r.status, 206);
      assert.equal(r.headers['content-range'], `bytes ${start}-${end}/100000`);
      assert.equal(r.headers['content-length'], String(end - start + 1));
      assert.ok(r.body.equals(content.subarray(start, end + 1)));
    });
  }

  it('416 for an unsatisfiable range, with the current length', async () => {
    const r = await request(url(), { headers: { Range: 'bytes=100000-' } });
    assert.equal(r.status, 416);
    assert.equal(r.headers['content-range'], 'bytes */100000');
  });

  it('a malformed Range gets the whole file', async () => {
    const r = await request(url(), { headers: { Range: 'bytes=9-1' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 100_000);
  });

  it('multipart/byteranges parses back into exactly the requested parts', async () => {
    const r = await request(url(), { headers: { Range: 'bytes=0-9, 5000-5999, -100' } });
    assert.equal(r.status, 206);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const parts = parseMultipart(r.body, r.headers['content-type'] ?? '');
    assert.deepEqual(
      parts.map((p) => p.headers['content-range']),
      ['bytes 0-9/100000', 'bytes 5000-5999/100000', 'bytes 99900-99999/100000'],
    );
    assert.ok(parts[0]!.data.equals(content.subarray(0, 10)));
    assert.ok(parts[1]!.data.equals(content.subarray(5000, 6000)));
    assert.ok(parts[2]!.data.equals(content.subarray(99900)));
    for (const p of parts) assert.equal(p.headers['content-type'], 'video/mp4');
  });

  it('HEAD: the same status and headers as GET, and no body', async () => {
    const cases: Record<string, string>[] = [{}, { Range: 'bytes=0-1' }, { Range: 'bytes=0-1,50000-50001' }];
    for (const headers of cases) {
      const g = await request(url(), { headers });
      const h = await request(url(), { method: 'HEAD', headers });
      assert.equal(h.status, g.status);
      const strip = (x: typeof g.headers) => ({ ...x, date: undefined, 'content-type': x['content-type']?.split(';')[0] });
      assert.deepEqual(strip(h.headers), strip(g.headers));
      assert.equal(h.body.length, 0);
    }
  });

  it('304 for a matching If-None-Match, and for If-Modified-Since', async () => {
    const { headers } = await request(url(), { method: 'HEAD' });
    const a = await request(url(), { headers: { 'If-None-Match': headers.etag! } });
    assert.equal(a.status, 304);
    assert.equal(a.body.length, 0);
    assert.equal(a.headers.etag, headers.etag);
    const b = await request(url(), { headers: { 'If-Modified-Since': headers['last-modified']! } });
    assert.equal(b.status, 304);
  });

  it('412 for a failing If-Match', async () => {
    const r = await request(url(), { headers: { 'If-Match': '"nope"' } });
    assert.equal(r.status, 412);
  });

  it('If-Range: our ETag or date gives the range, anything else the whole file', async () => {
    const { headers } = await request(url(), { method: 'HEAD' });
    for (const [ifRange, status] of [
      [headers.etag!, 206],
      [headers['last-modified']!, 206],
      ['"stale"', 200],
      [`W/${headers.etag}`, 200],
    ] as const) {
      const r = await request(url(), { headers: { Range: 'bytes=10-19', 'If-Range': ifRange } });
      assert.equal(r.status, status, ifRange);
      assert.equal(r.body.length, status === 206 ? 10 : 100_000);
    }
  });

  it('If-Range with a date less than a second before the answer gives the whole file', async () => {
    // A file written just now would turn a second old between two requests now and then, so this
    // one is stamped an hour ahead: its Last-Modified is then the answer's own date, never a second
    // older (RFC 9110 §8.8.2.1–2).
    const anHourAhead = new Date(Date.now() + 3600_000);
    await utimes(path.join(dir, 'ahead.mp4'), anHourAhead, anHourAhead);
    const { headers } = await request(url('/ahead.mp4'), { method: 'HEAD' });
    assert.ok(Date.parse(headers['last-modified']!) <= Date.parse(headers.date!), 'Last-Modified is never after Date');
    const r = await request(url('/ahead.mp4'), { headers: { Range: 'bytes=10-19', 'If-Range': headers['last-modified']! } });
    assert.equal(r.status, 200);
    const byTag = await request(url('/ahead.mp4'), { headers: { Range: 'bytes=10-19', 'If-Range': headers.etag! } });
    assert.equal(byTag.status, 206);
  });

  it('a zero-length file ignores Range', async () => {
    const r = await request(url('/empty.webm'), { headers: { Range: 'bytes=0-1' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.headers['content-type'], 'video/webm');
  });

  it('?download=1 adds Content-Disposition with filename* for non-ASCII names', async () => {
    const r = await request(url('/%C3%89t%C3%A9%20%C3%A0%20Paris.mp4?download=1'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-disposition'], `attachment; filename="_t_ _ Paris.mp4"; filename*=UTF-8''%C3%89t%C3%A9%20%C3%A0%20Paris.mp4`);
    const plain = await request(url('/clip.mp4?download=1'), { headers: { Range: 'bytes=0-1' } });
    assert.equal(plain.status, 206);
    assert.equal(plain.headers['content-disposition'], 'attachment; filename="clip.mp4"');
  });

  it('404 for a missing file, 405 for other methods', async () => {
    assert.equal((await request(url('/nope.mp4'))).status, 404);
    assert.equal((await request(url('/'))).status, 404); // a directory is not a file
    const post = await request(url(), { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('logged nothing for all of the above', () => assert.deepEqual(logs, []));
});

describe('errors', () => {
  it('an error before the headers is a short 500 and one log line, no stack trace', async () => {
    const logs: string[] = [];
    const broken: Source = {
      lookup: async () => {
        throw Object.assign(new Error('disk on fire at /secret/path'), { code: 'EIO' });
      },
    };
    const server = await startServer(createHandler(broken, { log: (l) => logs.push(l) }));
    try {
      const r = await request(`${server.url}/a.mp4`);
      assert.equal(r.status, 500);
      assert.equal(r.body.toString(), 'Internal Server Error\n');
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, /GET \/a\.mp4: Error: disk on fire/);
    } finally {
      await server.close();
    }
  });
});

describe('a log that throws', () => {
  it('still answers 500, and nothing goes unhandled', async () => {
    const broken: Source = {
      lookup: async () => {
        throw new Error('disk on fire');
      },
    };
    const unexpected: unknown[] = [];
    const onUnexpected = (e: unknown) => unexpected.push(e);
    process.on('unhandledRejection', onUnexpected);
    const server = await startServer(
      createHandler(broken, {
        log: () => {
          throw new Error('the log is full');
        },
      }),
    );
    try {
      assert.equal((await request(`${server.url}/a.mp4`)).status, 500);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unexpected, []);
    } finally {
      process.off('unhandledRejection', onUnexpected);
      await server.close();
    }
  });
});

describe('a source that breaks the read contract', () => {
  /** A source of one 100-byte resource whose reads answer `count`, at once (readNow) or later (read). */
  const lying = (count: number, now: boolean): Source => ({
    lookup: async () => ({
      size: 100,
      mtimeMs: 1_700_000_000_000,
      readRange: () => (now ? { read: async () => count, readNow: () => count, close() {} } : { read: async () => count, close() {} }),
      release() {},
    }),
  });

  for (const [count, now] of [
    [0, true],
    [0, false],
    [5000, true],
    [5000, false],
  ] as const) {
    it(`a read of ${count} bytes (${now ? 'readNow' : 'read'}) fails the answer, never hangs the server or overruns the body`, async () => {
      const logs: string[] = [];
      const server = await startServer(createHandler(lying(count, now), { log: (l) => logs.push(l) }));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      try {
        const r = await request(`${server.url}/a.mp4`);
        assert.equal(r.status, 500);
        assert.equal(logs.length, 1);
        assert.match(logs[0]!, count === 0 ? /ShortReadError/ : /RangeError: a source read 5000 bytes/);
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(ticks > 0, 'the event loop still turns');
      } finally {
        clearInterval(timer);
        await server.close();
      }
    });
  }
});

describe('a wrong call', () => {
  it('a Fetch API Request where node:http belongs is a TypeError at once, and the process goes on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seekable-wrong-'));
    const handler = createHandler(dir);
    const unexpected: unknown[] = [];
    const onUnexpected = (e: unknown) => unexpected.push(e);
    process.on('unhandledRejection', onUnexpected);
    process.on('uncaughtException', onUnexpected);
    try {
      const fetchRequest = new Request('http://127.0.0.1/a.mp4', { headers: { Range: 'bytes=0-1' } });
      const call = handler as unknown as (req: unknown, res: unknown) => void;
      assert.throws(() => call(fetchRequest, undefined), { name: 'TypeError', message: /got a Fetch API Request/ });
      await assert.rejects(sendFile(fetchRequest as never, undefined as never, path.join(dir, 'a.mp4')), TypeError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unexpected, []);
    } finally {
      process.off('unhandledRejection', onUnexpected);
      process.off('uncaughtException', onUnexpected);
      handler.close();
      await rm(dir, { recursive: true });
    }
  });
});

describe('Express', () => {
  let dir: string;
  let server: TestServer;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-express-'));
    await writeFile(path.join(dir, 'a.mp4'), Buffer.alloc(5000, 7));
    const app = express();
    app.use('/media', createHandler(dir));
    app.use((_req, res) => {
      res.status(404).send('express 404');
    });
    server = await startServer(app);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true });
  });

  it('serves ranges under the mount path', async () => {
    const r = await request(`${server.url}/media/a.mp4`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], 'bytes 10-19/5000');
    assert.ok(r.body.equals(Buffer.alloc(10, 7)));
  });

  it('passes what it does not have to the next middleware', async () => {
    const missing = await request(`${server.url}/media/missing.mp4`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.toString(), 'express 404');
    const post = await request(`${server.url}/media/a.mp4`, { method: 'POST' });
    assert.equal(post.body.toString(), 'express 404');
  });
});

describe('sendResource', () => {
  it('serves a resource your code looked up (bytes in memory here), with ranges and a download name', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    const server = await startServer((req, res) => {
      const resource = req.url === '/clip' ? bufferResource(bytes, { mtimeMs: 1_700_000_000_000 }) : undefined;
      void sendResource(req, res, resource, { name: 'clip.webm', download: true, cacheControl: 'private, max-age=5' });
    });
    try {
      const r = await request(`${server.url}/clip`, { headers: { Range: 'bytes=10-' } });
      assert.equal(r.status, 206);
      assert.equal(r.body.toString(), 'abcdef');
      assert.equal(r.headers['content-type'], 'video/webm');
      assert.equal(r.headers['content-disposition'], 'attachment; filename="clip.webm"');
      assert.equal(r.headers['cache-control'], 'private, max-age=5');
      assert.equal((await request(`${server.url}/other`)).status, 404);
    } finally {
      await server.close();
    }
  });
});

describe('sendFile', () => {
  it('serves the file a route resolved, with ranges, and 404 when it is missing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seekable-sendfile-'));
    const file = path.join(dir, 'chosen.webm');
    await writeFile(file, Buffer.from('0123456789'));
    // The tutorial's case: the application picks the file by its own rules (here, an id).
    const server = await startServer((req, res) => {
      const chosen = req.url === '/video/42' ? file : path.join(dir, 'gone.webm');
      void sendFile(req, res, chosen, { download: req.url?.endsWith('?dl') });
    });
    try {
      const r = await request(`${server.url}/video/42`, { headers: { Range: 'bytes=2-4' } });
      assert.equal(r.status, 206);
      assert.equal(r.body.toString(), '234');
      assert.equal(r.headers['content-type'], 'video/webm');
      assert.equal((await request(`${server.url}/video/7`)).status, 404);
      assert.equal(await readFile(file, 'utf8'), '0123456789');
    } finally {
      await server.close();
      await rm(dir, { recursive: true });
    }
  });
});
