import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DECIDING_FIELDS, decide, type DecideOptions, type Plan } from '../../src/http/decide.js';
import { makeEtag } from '../../src/http/etag.js';
import { formatHttpDate } from '../../src/http/http-date.js';
import type { Representation } from '../../src/http/types.js';

const MTIME = 1_700_000_000_123.456;
const rep: Representation = { size: 10_000, mtimeMs: MTIME };
const ETAG = makeEtag(rep.size, MTIME);
const LAST_MODIFIED = formatHttpDate(Math.floor(MTIME / 1000));
const options: DecideOptions = { now: MTIME + 60_000, name: 'movie.mp4', boundary: () => 'B' };

const get = (headers: Record<string, string> = {}, r: Representation = rep, o: Partial<DecideOptions> = {}) =>
  decide({ method: 'GET', headers }, r, { ...options, ...o });

function bytesOf(plan: Plan) {
  assert.equal(plan.body.type, 'bytes');
  return plan.body.type === 'bytes' ? plan.body.range : undefined;
}

describe('decide', () => {
  it('200 with every file header when there is no Range', () => {
    const plan = get();
    assert.equal(plan.status, 200);
    assert.deepEqual(plan.headers, {
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'public, max-age=3600',
      ETag: ETAG,
      'Last-Modified': LAST_MODIFIED,
      'Content-Type': 'video/mp4',
      'Content-Length': '10000',
    });
    assert.deepEqual(bytesOf(plan), { start: 0, end: 9999 });
  });

  it('bytes=0-1 is a 206 of exactly two bytes', () => {
    const plan = get({ range: 'bytes=0-1' });
    assert.equal(plan.status, 206);
    assert.equal(plan.headers['Content-Length'], '2');
    assert.equal(plan.headers['Content-Range'], 'bytes 0-1/10000');
    assert.deepEqual(bytesOf(plan), { start: 0, end: 1 });
  });

  it('an open range runs to the end of the file, however large', () => {
    const plan = get({ range: 'bytes=100-' }, { size: 2 ** 40, mtimeMs: MTIME });
    assert.equal(plan.headers['Content-Range'], `bytes 100-${2 ** 40 - 1}/${2 ** 40}`);
    assert.equal(plan.headers['Content-Length'], String(2 ** 40 - 100));
  });

  it('maxChunk cuts an open range, and says so', () => {
    const plan = get({ range: 'bytes=100-' }, rep, { maxChunk: 1000 });
    assert.equal(plan.headers['Content-Range'], 'bytes 100-1099/10000');
    assert.equal(plan.headers['Content-Length'], '1000');
    assert.deepEqual(bytesOf(plan), { start: 100, end: 1099 });
  });

  it('maxChunk cuts closed and suffix ranges too, and leaves short ones and 200s alone', () => {
    assert.equal(get({ range: 'bytes=100-5000' }, rep, { maxChunk: 1000 }).headers['Content-Range'], 'bytes 100-1099/10000');
    assert.equal(get({ range: 'bytes=-3000' }, rep, { maxChunk: 1000 }).headers['Content-Range'], 'bytes 7000-7999/10000');
    assert.equal(get({ range: 'bytes=100-1099' }, rep, { maxChunk: 1000 }).headers['Content-Range'], 'bytes 100-1099/10000');
    assert.equal(get({}, rep, { maxChunk: 1000 }).headers['Content-Length'], '10000');
  });

  it('a suffix longer than the file is the whole file as a 206', () => {
    const plan = get({ range: 'bytes=-20000' });
    assert.equal(plan.status, 206);
    assert.equal(plan.headers['Content-Range'], 'bytes 0-9999/10000');
  });

  it('bytes=-0 is 416 with the current length', () => {
    const plan = get({ range: 'bytes=-0' });
    assert.equal(plan.status, 416);
    assert.equal(plan.headers['Content-Range'], 'bytes */10000');
    assert.equal(plan.body.type, 'text');
  });

  it('a range past the end is 416', () => assert.equal(get({ range: 'bytes=10000-' }).status, 416));
  it('a malformed range is ignored: 200', () => assert.equal(get({ range: 'bytes=5-2' }).status, 200));
  it('an unknown unit is ignored: 200', () => assert.equal(get({ range: 'lines=1-2' }).status, 200));

  it('a zero-length file ignores Range and sends an empty 200', () => {
    const plan = get({ range: 'bytes=0-1' }, { size: 0, mtimeMs: MTIME });
    assert.equal(plan.status, 200);
    assert.equal(plan.headers['Content-Length'], '0');
    assert.deepEqual(plan.body, { type: 'none' });
  });

  it('two distant ranges are multipart/byteranges with an exact length', () => {
    const plan = get({ range: 'bytes=0-99,5000-5099' });
    assert.equal(plan.status, 206);
    assert.equal(plan.headers['Content-Type'], 'multipart/byteranges; boundary=B');
    assert.equal(plan.headers['Content-Range'], undefined);
    assert.equal(plan.body.type, 'multipart');
    if (plan.body.type !== 'multipart') return;
    assert.deepEqual(
      plan.body.parts.map((p) => p.range),
      [
        { start: 0, end: 99 },
        { start: 5000, end: 5099 },
      ],
    );
    const length = plan.body.parts.reduce((n, p) => n + Buffer.byteLength(p.head) + p.range.end - p.range.start + 1, 0);
    assert.equal(plan.headers['Content-Length'], String(length + Buffer.byteLength(plan.body.tail)));
  });

  it('overlapping ranges coalesce; if one is left, it is a plain 206', () => {
    const plan = get({ range: 'bytes=0-99,50-199' });
    assert.equal(plan.status, 206);
    assert.equal(plan.headers['Content-Range'], 'bytes 0-199/10000');
  });

  it('nearly adjacent ranges coalesce (gap smaller than a part header)', () => {
    assert.equal(get({ range: 'bytes=0-99,120-199' }).headers['Content-Range'], 'bytes 0-199/10000');
  });

  it('a 10-range header like Android WebViews send gets 10 parts', () => {
    const header = `bytes=${Array.from({ length: 10 }, (_, i) => `${i * 900}-${i * 900 + 99}`).join(',')}`;
    const plan = get({ range: header });
    assert.equal(plan.status, 206);
    assert.equal(plan.body.type === 'multipart' && plan.body.parts.length, 10);
  });

  it('more parts than maxRanges is answered with the whole file', () => {
    const header = `bytes=${Array.from({ length: 5 }, (_, i) => `${i * 2000}-${i * 2000 + 99}`).join(',')}`;
    assert.equal(get({ range: header }, rep, { maxRanges: 4 }).status, 200);
    assert.equal(get({ range: header }, rep, { maxRanges: 5 }).status, 206);
  });

  it('500 tiny ranges never produce a body larger than the file', () => {
    const header = `bytes=${Array.from({ length: 500 }, (_, i) => `${i * 20}-${i * 20}`).join(',')}`;
    for (const maxRanges of [16, 1000]) {
      const plan = get({ range: header }, rep, { maxRanges });
      assert.ok(Number(plan.headers['Content-Length']) <= rep.size, `maxRanges ${maxRanges}`);
    }
  });

  it('multipart whose framing outweighs the file is answered 200', () => {
    const plan = get({ range: 'bytes=0-0,119-119' }, { size: 120, mtimeMs: MTIME });
    assert.equal(plan.status, 200);
  });

  describe('preconditions', () => {
    it('If-None-Match with our tag is a 304 with only cache-updating headers', () => {
      const plan = get({ 'if-none-match': ETAG });
      assert.equal(plan.status, 304);
      assert.deepEqual(plan.headers, { 'Cache-Control': 'public, max-age=3600', ETag: ETAG, 'Last-Modified': LAST_MODIFIED });
      assert.deepEqual(plan.body, { type: 'none' });
    });
    it('If-Modified-Since our date is 304', () => assert.equal(get({ 'if-modified-since': LAST_MODIFIED }).status, 304));
    it('If-Match with another tag is 412, before Range is looked at', () =>
      assert.equal(get({ 'if-match': '"other"', range: 'bytes=0-1' }).status, 412));
    it('If-Unmodified-Since before our date is 412', () => assert.equal(get({ 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' }).status, 412));
    it('304 wins over Range', () => assert.equal(get({ 'if-none-match': ETAG, range: 'bytes=0-1' }).status, 304));
  });

  describe('If-Range', () => {
    it('our ETag lets the range apply', () => assert.equal(get({ 'if-range': ETAG, range: 'bytes=0-1' }).status, 206));
    it('our Last-Modified lets the range apply', () => assert.equal(get({ 'if-range': LAST_MODIFIED, range: 'bytes=0-1' }).status, 206));
    it('another tag gives the whole file', () => assert.equal(get({ 'if-range': '"old"', range: 'bytes=0-1' }).status, 200));
    it('a weak tag gives the whole file', () => assert.equal(get({ 'if-range': `W/${ETAG}`, range: 'bytes=0-1' }).status, 200));
    it('another date gives the whole file', () => assert.equal(get({ 'if-range': 'Thu, 01 Jan 1970 00:00:00 GMT', range: 'bytes=0-1' }).status, 200));
    it('garbage gives the whole file', () => assert.equal(get({ 'if-range': 'garbage', range: 'bytes=0-1' }).status, 200));
    it('a date does not hold for a file modified within the last second', () =>
      assert.equal(get({ 'if-range': LAST_MODIFIED, range: 'bytes=0-1' }, rep, { now: MTIME + 200 }).status, 200));
    it('a file stamped in the future is dated now (§8.8.2.1), and that date holds no range', () => {
      const now = MTIME - 60_000;
      const sent = get({}, rep, { now }).headers['Last-Modified'];
      assert.equal(sent, formatHttpDate(Math.floor(now / 1000)));
      assert.equal(get({ 'if-range': sent!, range: 'bytes=0-1' }, rep, { now }).status, 200);
      assert.equal(get({ 'if-modified-since': sent! }, rep, { now }).status, 304);
    });
    it('a failing If-Range also avoids a 416', () => assert.equal(get({ 'if-range': '"old"', range: 'bytes=99999-' }).status, 200));
  });

  describe('HEAD', () => {
    const cases: Record<string, string>[] = [
      {},
      { range: 'bytes=0-1' },
      { range: 'bytes=0-1,5000-5001' },
      { range: 'bytes=-0' },
      { 'if-match': '"x"' },
    ];
    for (const headers of cases) {
      it(`same status and headers as GET, no body: ${JSON.stringify(headers)}`, () => {
        const getPlan = get(headers);
        const headPlan = decide({ method: 'HEAD', headers }, rep, options);
        assert.equal(headPlan.status, getPlan.status);
        assert.deepEqual(headPlan.headers, getPlan.headers);
        assert.deepEqual(headPlan.body, { type: 'none' });
      });
    }
  });

  it('404 when the source has no such file', () => {
    const plan = decide({ method: 'GET', headers: {} }, undefined, options);
    assert.equal(plan.status, 404);
    assert.equal(plan.headers['Content-Length'], '10');
  });

  it('405 with Allow for other methods', () => {
    const plan = decide({ method: 'POST', headers: {} }, rep, options);
    assert.equal(plan.status, 405);
    assert.equal(plan.headers.Allow, 'GET, HEAD');
  });

  it('download adds Content-Disposition: attachment', () => {
    assert.equal(get({}, rep, { download: 'movie.mp4' }).headers['Content-Disposition'], 'attachment; filename="movie.mp4"');
    assert.equal(get({ range: 'bytes=0-1' }, rep, { download: 'movie.mp4' }).headers['Content-Disposition'], 'attachment; filename="movie.mp4"');
  });

  it("uses the store's ETag and Content-Type when it has them", () => {
    const plan = get({ 'if-range': '"s3tag"', range: 'bytes=0-1' }, { ...rep, etag: '"s3tag"', contentType: 'video/webm' });
    assert.equal(plan.status, 206);
    assert.equal(plan.headers.ETag, '"s3tag"');
    assert.equal(plan.headers['Content-Type'], 'video/webm');
  });

  it('cacheControl is configurable', () => assert.equal(get({}, rep, { cacheControl: 'no-cache' }).headers['Cache-Control'], 'no-cache'));

  it('is deterministic: same input, same plan', () => {
    const h = { range: 'bytes=0-1,5000-5001', 'if-range': ETAG };
    assert.deepEqual(get(h), get(h));
  });

  it('reads no request field but DECIDING_FIELDS, which the Fetch door copies out of a Headers', () => {
    const read = new Set<string>();
    const every: Record<string, string> = {
      range: 'bytes=0-1',
      'if-range': ETAG,
      'if-match': ETAG,
      'if-none-match': '"other"',
      'if-modified-since': 'Tue, 14 Nov 2000 22:13:20 GMT',
      'if-unmodified-since': 'Tue, 14 Nov 2090 22:13:20 GMT',
      accept: '*/*',
      'accept-encoding': 'gzip',
      'user-agent': 'test',
    };
    // Every field alone, then all of them: each branch of the engine that reads one is taken.
    const requests = [...Object.keys(every).map((name) => ({ [name]: every[name]! })), every, {}];
    for (const fields of requests) {
      const headers = new Proxy(fields, {
        get: (target, name) => {
          if (typeof name === 'string') read.add(name);
          return target[name as string];
        },
      });
      decide({ method: 'GET', headers }, rep, options);
      decide({ method: 'HEAD', headers }, rep, options);
    }
    assert.deepEqual(
      [...read].filter((name) => !(DECIDING_FIELDS as readonly string[]).includes(name)),
      [],
    );
    assert.deepEqual([...read].sort(), [...DECIDING_FIELDS].sort(), 'every field listed is read');
  });
});
