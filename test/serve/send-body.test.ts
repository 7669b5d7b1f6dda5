import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { keyFromPath } from '../../src/serve/request-target.js';
import { drainedSlowly, readSize } from '../../src/serve/read-sizing.js';
import { Responder } from '../../src/serve/responder.js';
import { FileSource } from '../../src/source/file/file-source.js';
import type { LookupOptions, RangeReader, Resource, Source } from '../../src/source/types.js';
import { parseMultipart, startServer, waitFor, type TestServer } from '../support/http.js';
import { offsetBytes, writeOffsetFile } from '../support/offset-file.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZE = 48 * MiB;

/** Counts turns of the event loop while it runs. */
class TurnCounter {
  turn = 0;
  private running = true;
  constructor() {
    const tick = () => {
      this.turn++;
      if (this.running) setImmediate(tick);
    };
    setImmediate(tick);
  }
  stop(): void {
    this.running = false;
  }
}

interface ReadRecord {
  length: number;
  /** Read now, on the event loop: the source's readNow took it. */
  now: boolean;
  turn: number;
}

/** A FileSource that records every read the sender asks for. */
class RecordingSource implements Source {
  readonly records: ReadRecord[] = [];
  turns: TurnCounter | undefined;
  constructor(private readonly inner: FileSource) {}
  get reads(): number[] {
    return this.records.map((r) => r.length);
  }
  async lookup(key: string, options?: LookupOptions): Promise<Resource | undefined> {
    const resource = await this.inner.lookup(key, options);
    if (resource === undefined) return undefined;
    return {
      ...resource,
      readRange: (start, end) => {
        const inner = resource.readRange(start, end);
        const record = (length: number, now: boolean) => this.records.push({ length, now, turn: this.turns?.turn ?? 0 });
        const reader: RangeReader = {
          read: (buffer, length) => {
            record(length, false);
            return inner.read(buffer, length);
          },
          close: () => inner.close(),
        };
        if (inner.readNow !== undefined) {
          reader.readNow = (buffer, length) => {
            const n = inner.readNow!(buffer, length);
            if (n !== undefined) record(length, true);
            return n;
          };
        }
        return reader;
      },
    };
  }
}

/** A FileSource whose files offer no fast path and no rewrite check: read as an object store's would be. */
class PlainSource implements Source {
  constructor(private readonly inner: FileSource) {}
  async lookup(key: string): Promise<Resource | undefined> {
    const resource = await this.inner.lookup(key);
    if (resource === undefined) return undefined;
    return {
      ...resource,
      checkUnchanged: undefined,
      readRange: (start, end) => {
        const inner = resource.readRange(start, end);
        return { read: (buffer, length) => inner.read(buffer, length), close: () => inner.close() };
      },
    };
  }
}

/** A node:http listener that answers every path from `source` through `responder`, the body executor's door. */
function serveFrom(source: Source, responder: Responder) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const key = keyFromPath(req.url ?? '/') ?? '';
    await responder.respond(req, res, { resource: await source.lookup(key), name: key });
  };
}

/** GET with a keep-alive agent; `slow` pauses 2 ms after every 64 KiB received. */
function get(url: string, agent: http.Agent, headers: Record<string, string>, slow = false) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        let sinceRest = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          sinceRest += c.length;
          if (slow && sinceRest >= 64 * KiB) {
            sinceRest = 0;
            res.pause();
            setTimeout(() => res.resume(), 2);
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('the body executor: pooled buffers, reads sized by the client', () => {
  let dir: string;
  let server: TestServer;
  let source: RecordingSource;
  const logs: string[] = [];
  const responder = new Responder({ log: (line) => logs.push(line) });
  const pool = responder.buffers!;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seekable-body-'));
    await writeOffsetFile(path.join(dir, 'big.mp4'), SIZE);
    source = new RecordingSource(new FileSource(dir));
    server = await startServer(serveFrom(source, responder));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('many ranges at once, fast and slow readers, multipart too: every byte exact while buffers are reused', async () => {
    const base = pool.outstanding;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 12 });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const jobs = Array.from({ length: 36 }, (_, i) => {
      const length = 1 + Math.floor(random() * 6 * MiB);
      const start = Math.floor(random() * (SIZE - length));
      return { start, length, slow: i % 3 === 0 };
    });
    const singles = jobs.map(async ({ start, length, slow }) => {
      const reply = await get(`${server.url}/big.mp4`, agent, { Range: `bytes=${start}-${start + length - 1}` }, slow);
      assert.equal(reply.status, 206);
      assert.equal(reply.headers['content-range'], `bytes ${start}-${start + length - 1}/${SIZE}`);
      assert.ok(reply.body.equals(offsetBytes(start, length)), `bytes ${start}+${length}`);
    });
    const multipart = get(`${server.url}/big.mp4`, agent, { Range: 'bytes=100-200000,5000000-7000000,-300000' }, true).then((reply) => {
      assert.equal(reply.status, 206);
      const parts = parseMultipart(reply.body, reply.headers['content-type']!);
      assert.deepEqual(
        parts.map((p) => p.headers['content-range']),
        [`bytes 100-200000/${SIZE}`, `bytes 5000000-7000000/${SIZE}`, `bytes ${SIZE - 300000}-${SIZE - 1}/${SIZE}`],
      );
      assert.ok(parts[0]!.data.equals(offsetBytes(100, 199901)));
      assert.ok(parts[1]!.data.equals(offsetBytes(5000000, 2000001)));
      assert.ok(parts[2]!.data.equals(offsetBytes(SIZE - 300000, 300000)));
    });
    await Promise.all([...singles, multipart]);
    agent.destroy();
    assert.equal(
      await waitFor(
        () => pool.outstanding,
        (n) => n === base,
      ),
      base,
      'every buffer given back',
    );
    assert.deepEqual(logs, []);
  });

  it('the first read is 64 KiB, then 16 KiB, and 1 MiB once the connection has carried 16 MiB', async () => {
    source.records.length = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const reply = await get(`${server.url}/big.mp4`, agent, {});
    agent.destroy();
    assert.equal(reply.body.length, SIZE);
    const reads = source.reads;
    assert.equal(reads[0], 64 * KiB);
    assert.ok(reads.every((n) => n <= MiB));
    const firstBig = reads.findIndex((n) => n > 64 * KiB);
    assert.ok(firstBig > 0, 'reads grew');
    assert.ok(reads.slice(1, firstBig).every((n) => n === 16 * KiB));
    const before16 = reads.slice(0, firstBig).reduce((a, b) => a + b, 0);
    assert.ok(before16 >= 16 * MiB - 64 * KiB, `grew after ${before16} bytes`);
    assert.ok(reads.filter((n) => n === MiB).length >= 28, `${reads.filter((n) => n === MiB).length} reads of 1 MiB`);
  });

  it('a viewer that stops reading holds one 16 KiB buffer, and nothing more is read for it', async () => {
    source.records.length = 0;
    const before = pool.outstandingBytes;
    const viewers = 12;
    const sockets = Array.from({ length: viewers }, () => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.write('GET /big.mp4 HTTP/1.1\r\nHost: x\r\n\r\n');
      socket.pause(); // reads nothing: the kernel's buffers fill, then the server's write waits
      return socket;
    });
    // Settled once neither the reads nor the held bytes have changed for half a second: every
    // connection waits on its last write.
    let last = '';
    let since = Date.now();
    await waitFor(
      () => {
        const now = `${source.records.length}/${pool.outstandingBytes}`;
        if (now !== last) [last, since] = [now, Date.now()];
        return source.records.length >= viewers && Date.now() - since >= 500;
      },
      (settled) => settled,
      15_000,
    );
    const held = pool.outstandingBytes - before;
    assert.ok(held > 0, 'stalled writes hold their buffers');
    assert.ok(held <= viewers * 16 * KiB, `${held / KiB} KiB held by ${viewers} stalled viewers`);
    const reads = source.records.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(source.records.length, reads, 'no read-ahead while they wait');
    for (const socket of sockets) socket.destroy();
    assert.equal(
      await waitFor(
        () => pool.outstandingBytes,
        (n) => n === before,
      ),
      before,
      'buffers of cut connections come back',
    );
  });

  it('a source with no fast path and no rewrite check is served as exactly', async () => {
    const streamed = await startServer(serveFrom(new PlainSource(new FileSource(dir)), new Responder({ log: (line) => logs.push(line) })));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    try {
      const single = await get(`${streamed.url}/big.mp4`, agent, { Range: 'bytes=1000000-4999999' }, true);
      assert.equal(single.status, 206);
      assert.ok(single.body.equals(offsetBytes(1000000, 4000000)));
      const multi = await get(`${streamed.url}/big.mp4`, agent, { Range: 'bytes=0-99,-100' });
      const parts = parseMultipart(multi.body, multi.headers['content-type']!);
      assert.ok(parts[0]!.data.equals(offsetBytes(0, 100)));
      assert.ok(parts[1]!.data.equals(offsetBytes(SIZE - 100, 100)));
      const whole = await get(`${streamed.url}/big.mp4`, agent, {});
      assert.ok(whole.body.equals(offsetBytes(0, SIZE)));
    } finally {
      agent.destroy();
      await streamed.close();
    }
    assert.deepEqual(logs, []);
  });

  it('a client that drained a stalled write slower than 1 MB/s gets 16 KiB reads, a fast one 1 MiB past 16 MiB', () => {
    assert.equal(drainedSlowly(16 * KiB, 500), true); // a viewer at 256 KiB/s, behind a full kernel buffer
    assert.equal(drainedSlowly(MiB, 200), false); // a fast client across a long link
    assert.equal(readSize(false, 0), 16 * KiB);
    assert.equal(readSize(false, 16 * MiB), MiB);
    assert.equal(readSize(true, 100 * MiB), 16 * KiB);
  });

  it('a file read lately is read on the event loop, at most 1 MiB per response per turn of the event loop', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await get(`${server.url}/big.mp4`, agent, {}); // every block read lately: the next pass reads on the event loop
    source.records.length = 0;
    const turns = new TurnCounter();
    source.turns = turns;
    const reply = await get(`${server.url}/big.mp4`, agent, {});
    turns.stop();
    source.turns = undefined;
    agent.destroy();
    assert.ok(reply.body.equals(offsetBytes(0, SIZE)));
    const records = source.records;
    assert.ok(
      records.every((r) => r.now),
      `${records.filter((r) => !r.now).length} of ${records.length} reads on the thread pool`,
    );
    // Without the bound, reads on the event loop into writes the kernel takes at once would send MiBs in one
    // turn, every other connection waiting.
    const perTurn = new Map<number, number>();
    for (const r of records) perTurn.set(r.turn, (perTurn.get(r.turn) ?? 0) + r.length);
    const most = Math.max(...perTurn.values());
    assert.ok(most <= 3 * MiB, `${most / MiB} MiB read in one turn`);
  });
});
