import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaststartCache } from '../../src/media/faststart-cache.js';
import { faststartEtag, faststartResource } from '../../src/media/faststart-resource.js';
import { planFaststart } from '../../src/media/mp4/faststart.js';
import type { Relocation } from '../../src/media/mp4/relocation.js';
import { bufferResource } from '../../src/source/buffer-resource.js';
import type { RangeReader, Resource } from '../../src/source/types.js';
import { assemble, box, bufferReader, ftyp, moov, stco, trak } from './mp4-synthetic.js';

/** A small file whose moov follows its mdat; `pad` bytes of udta make its moov as large as wanted. */
function file(seed: number, pad = 0): Buffer {
  const data = Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 13 + seed) & 0xff));
  const at = ftyp.length + 8;
  return Buffer.concat([ftyp, box('mdat', data), moov(trak(stco([at, at + 100, at + 300])), box('udta', Buffer.alloc(pad)))]);
}

/** A resource over bytes that counts its range reads, and may offer no fast path or fail. */
function counted(bytes: Buffer, options: { fast?: boolean; fail?: boolean; etag?: string } = {}) {
  const inner = bufferResource(bytes, { mtimeMs: 1_700_000_000_000, etag: options.etag });
  const counts = { ranges: 0, released: 0, closed: 0 };
  const resource: Resource = {
    ...inner,
    readRange(start, end): RangeReader {
      counts.ranges++;
      if (options.fail) throw new Error('the store is down');
      const reader = inner.readRange(start, end);
      return {
        read: (buffer, length) => reader.read(buffer, length),
        readNow: options.fast === false ? undefined : (buffer, length) => reader.readNow!(buffer, length),
        close: () => {
          counts.closed++;
          reader.close();
        },
      };
    },
    release: () => counts.released++,
  };
  return { resource, counts };
}

/** Reads a range through a resource's reader in steps of `step` bytes, the fast path first when `now`. */
async function readAll(resource: Resource, start: number, end: number, step: number, now = false): Promise<Buffer> {
  const reader = resource.readRange(start, end);
  const out: Buffer[] = [];
  try {
    for (let left = end - start + 1; left > 0; ) {
      const buffer = Buffer.alloc(Math.min(step, left));
      const n = (now ? reader.readNow?.(buffer, buffer.length) : undefined) ?? (await reader.read(buffer, buffer.length));
      assert.ok(n > 0);
      out.push(buffer.subarray(0, n));
      left -= n;
    }
  } finally {
    reader.close();
  }
  return Buffer.concat(out);
}

async function relocationOf(bytes: Buffer): Promise<Relocation> {
  const verdict = await planFaststart(bufferReader(bytes), { maxMoov: 1 << 20 });
  assert.equal(verdict.kind, 'relocate');
  return (verdict as { relocation: Relocation }).relocation;
}

describe('the faststart view of a resource', () => {
  it('reads any range of the copy, in any steps, through read() and the fast path, closing each file reader', async () => {
    const bytes = file(1);
    const relocation = await relocationOf(bytes);
    const whole = assemble(bytes, relocation);
    for (const fast of [true, false]) {
      const { resource, counts } = counted(bytes, { fast });
      const view = faststartResource(resource, relocation);
      assert.equal(view.size, whole.length);
      for (const [start, end] of [
        [0, whole.length - 1],
        [0, 0],
        [30, 40],
        [ftyp.length + relocation.moov.length - 3, ftyp.length + relocation.moov.length + 20],
        [whole.length - 5, whole.length - 1],
      ] as const) {
        for (const step of [1, 7, 4096]) {
          assert.ok((await readAll(view, start, end, step, true)).equals(whole.subarray(start, end + 1)), `${start}-${end} by ${step}`);
          assert.ok((await readAll(view, start, end, step)).equals(whole.subarray(start, end + 1)));
        }
      }
      assert.ok(counts.ranges > 0);
      assert.equal(counts.closed, counts.ranges, 'every reader of the file closed');
      view.release();
      assert.equal(counts.released, 1);
    }
  });

  it("has the file's date and type, and an ETag derived from the file's and distinct from it", () => {
    const { resource } = counted(file(2), { etag: '"abc"' });
    assert.equal(faststartEtag(resource), '"abc-fs1"');
    const made = bufferResource(Buffer.alloc(10), { mtimeMs: 1000 });
    assert.equal(faststartEtag(made), '"a-f4240-fs1"');
    assert.equal(faststartEtag({ ...made, etag: 'W/"weak"' }), '"weak-fs1"');
  });
});

describe('FaststartCache', () => {
  it('rewrites once per version: later and concurrent requests share it, a new version gets its own', async () => {
    const cache = new FaststartCache();
    const bytes = file(3);
    const first = counted(bytes, { etag: '"v1"' });
    const views = await Promise.all([cache.view('a.mp4', first.resource), cache.view('a.mp4', first.resource)]);
    const reads = first.counts.ranges;
    assert.ok(reads > 0);
    assert.equal(views[0]!.etag, '"v1-fs1"');
    const again = counted(bytes, { etag: '"v1"' });
    const view = await cache.view('a.mp4', again.resource);
    assert.equal(again.counts.ranges, 0, 'nothing read for a version already rewritten');
    assert.equal(view.size, bytes.length);
    assert.equal(cache.size, (await relocationOf(bytes)).moov.length);
    const next = counted(bytes, { etag: '"v2"' });
    assert.equal((await cache.view('a.mp4', next.resource)).etag, '"v2-fs1"');
    assert.ok(next.counts.ranges > 0);
    cache.close();
    assert.equal(cache.size, 0);
  });

  it('serves as they are files of other types, files that need nothing, and files it cannot rewrite', async () => {
    const cache = new FaststartCache();
    const webm = counted(Buffer.from('\x1aE\xdf\xa3 not mp4'));
    assert.equal(await cache.view('a.webm', webm.resource), webm.resource);
    assert.equal(webm.counts.ranges, 0, 'not even read');
    const faststart = counted(Buffer.concat([ftyp, moov(trak(stco([ftyp.length + 200]))), box('mdat', Buffer.alloc(300))]));
    assert.equal(await cache.view('b.mp4', faststart.resource), faststart.resource);
    const truncated = counted(file(4).subarray(0, 100));
    assert.equal(await cache.view('c.mov', truncated.resource), truncated.resource);
    // An .mp4 by its stored type, whatever its name.
    const typed = counted(file(5));
    const view = await cache.view('d.bin', { ...typed.resource, contentType: 'video/mp4' });
    assert.notEqual(view.etag, undefined);
    assert.match(view.etag!, /-fs1"$/);
    assert.equal(cache.size, (await relocationOf(file(5))).moov.length, 'only real rewrites take room');
  });

  it('serves a file whose moov is over the limit as it is, and keeps no more moov bytes than allowed', async () => {
    const small = (await relocationOf(file(6))).moov.length;
    const cache = new FaststartCache({ maxBytes: small * 2 + 10, maxMoov: 4096 });
    const big = counted(file(6, 5000));
    assert.equal(await cache.view('big.mp4', big.resource), big.resource);
    for (const name of ['1.mp4', '2.mp4', '3.mp4', '1.mp4']) await cache.view(name, counted(file(6)).resource);
    assert.equal(cache.size, small * 2);
    // 2.mp4 was the least recently used: it was dropped, and is read again.
    const two = counted(file(6));
    await cache.view('2.mp4', two.resource);
    assert.ok(two.counts.ranges > 0);
    const one = counted(file(6));
    await cache.view('1.mp4', one.resource);
    assert.equal(one.counts.ranges, 0, '1.mp4, used last but one, was kept');
  });

  it("does not remember a source's failure: the next request reads again", async () => {
    const cache = new FaststartCache();
    const broken = counted(file(7), { fail: true });
    await assert.rejects(cache.view('a.mp4', broken.resource), /the store is down/);
    const fine = counted(file(7));
    assert.match((await cache.view('a.mp4', fine.resource)).etag!, /-fs1"$/);
  });
});
