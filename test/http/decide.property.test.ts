import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decide, type Plan } from '../../src/http/decide.js';
import { makeEtag } from '../../src/http/etag.js';
import { formatHttpDate } from '../../src/http/http-date.js';
import { parseRange } from '../../src/http/parse-range.js';
import type { ByteRange } from '../../src/http/types.js';
import { parseMultipart } from '../support/http.js';

const RUNS = Number(process.env.SEEKABLE_PROPERTY_RUNS ?? 3000);
const enc = new TextEncoder();

/** Sizes that matter: empty, tiny, around the part-header overhead, and past 2^32. */
const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 2 ** 40 }));

/** A position near something interesting in a file of `n` bytes. */
const position = (n: number) =>
  fc.oneof(fc.integer({ min: 0, max: Math.max(0, n + 10) }), fc.constantFrom(0, n - 1, n, n + 1), fc.integer({ min: 0, max: 2 ** 53 }));

/** A well-formed range-spec: closed, open or suffix. */
const validSpec = (n: number) =>
  fc.oneof(
    { arbitrary: fc.tuple(position(n), position(n)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`), weight: 6 },
    { arbitrary: position(n).map((a) => `${a}-`), weight: 2 },
    { arbitrary: position(n).map((k) => `-${k}`), weight: 2 },
    { arbitrary: fc.constantFrom('99999999999999999999-', '-99999999999999999999', '0-99999999999999999999', ' 0 - 1 ', ''), weight: 1 },
  );

/** Anything at all in a spec's place: last below first, junk. */
const anySpec = (n: number) =>
  fc.oneof(
    validSpec(n),
    fc.tuple(position(n), position(n)).map(([a, b]) => `${a}-${b}`),
    fc.constantFrom('x-y', '-', '1-2-3'),
  );

const rangeHeader = (n: number) =>
  fc.oneof(
    { arbitrary: fc.array(validSpec(n), { minLength: 1, maxLength: 24 }).map((specs) => `bytes=${specs.join(',')}`), weight: 8 },
    { arbitrary: fc.array(anySpec(n), { minLength: 1, maxLength: 4 }).map((specs) => `BYTES=${specs.join(' , ')}`), weight: 1 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  );

/** A header value present with probability `p`, else null (absent). */
const present = <T>(arb: fc.Arbitrary<T>, p: number) =>
  fc.oneof({ arbitrary: arb, weight: Math.round(p * 100) }, { arbitrary: fc.constant(null), weight: Math.round((1 - p) * 100) });

interface Case {
  method: 'GET' | 'HEAD';
  size: number;
  mtimeMs: number;
  now: number;
  headers: Record<string, string>;
  maxChunk: number | undefined;
}

const cases: fc.Arbitrary<Case> = size.chain((n) => {
  const mtime = fc.integer({ min: 0, max: 4_000_000_000_000 }).map((t) => t + 0.5);
  return fc.record({ mtimeMs: mtime, nowOffset: fc.integer({ min: -5000, max: 10 ** 9 }) }).chain(({ mtimeMs, nowOffset }) => {
    const ours = makeEtag(n, mtimeMs);
    const lastModified = formatHttpDate(Math.floor(mtimeMs / 1000));
    const tag = fc.constantFrom(ours, `W/${ours}`, '"other"', '*', `"x", ${ours}`, 'garbage', '');
    const date = fc.oneof(
      fc.constant(lastModified),
      fc.integer({ min: -10, max: 10 }).map((d) => formatHttpDate(Math.floor(mtimeMs / 1000) + d)),
      fc.constantFrom('garbage', 'Sun, 06 Nov 1994 08:49:37 GMT'),
    );
    const ifRange = fc.oneof(fc.constantFrom(ours, `W/${ours}`, '"other"', 'garbage'), date);
    return fc.record(
      {
        method: fc.constantFrom<'GET' | 'HEAD'>('GET', 'HEAD'),
        size: fc.constant(n),
        mtimeMs: fc.constant(mtimeMs),
        now: fc.constant(mtimeMs + nowOffset),
        maxChunk: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
        // Range nearly always, each precondition now and then: otherwise preconditions end most cases
        // and the ranges, where most of the rules are, would hardly be reached.
        headers: fc
          .record({
            range: present(rangeHeader(n), 0.9),
            'if-range': present(ifRange, 0.15),
            'if-match': present(tag, 0.1),
            'if-none-match': present(tag, 0.1),
            'if-modified-since': present(date, 0.1),
            'if-unmodified-since': present(date, 0.1),
          })
          .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== null)) as Record<string, string>),
      },
      { requiredKeys: ['method', 'size', 'mtimeMs', 'now', 'headers'] },
    ) as fc.Arbitrary<Case>;
  });
});

function plan(c: Case, method = c.method): Plan {
  return decide(
    { method, headers: c.headers },
    { size: c.size, mtimeMs: c.mtimeMs },
    {
      now: c.now,
      name: 'f.mp4',
      maxChunk: c.maxChunk,
      boundary: () => 'b0undary',
    },
  );
}

const within = (r: ByteRange, n: number) =>
  Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end) && 0 <= r.start && r.start <= r.end && r.end < n;

/** The bytes of a synthetic file, so a multipart body can be rendered and parsed back. */
const fileByte = (i: number) => (i * 31 + 7) % 251;

describe('decide: properties over random requests', () => {
  it('every plan is well-formed and its Content-Length is exactly what it sends', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const p = plan(c);
        assert.ok([200, 206, 304, 412, 416].includes(p.status), `status ${p.status}`);
        const length = Number(p.headers['Content-Length']);
        const get = c.method === 'GET' ? p : plan(c, 'GET');
        if (p.status === 304) {
          assert.equal(p.headers['Content-Length'], undefined);
          assert.ok('if-none-match' in c.headers || 'if-modified-since' in c.headers);
        }
        if (p.status === 412) assert.ok('if-match' in c.headers || 'if-unmodified-since' in c.headers);
        if (p.status === 416) assert.equal(p.headers['Content-Range'], `bytes */${c.size}`);
        if (p.status === 200) {
          assert.equal(length, c.size);
          if (c.size > 0) assert.deepEqual(get.body, { type: 'bytes', range: { start: 0, end: c.size - 1 } });
        }
        if (p.status === 206) {
          assert.ok(c.headers.range !== undefined);
          if (get.body.type === 'bytes') {
            const r = get.body.range;
            assert.ok(within(r, c.size));
            assert.equal(length, r.end - r.start + 1);
            assert.equal(p.headers['Content-Range'], `bytes ${r.start}-${r.end}/${c.size}`);
            if (c.maxChunk !== undefined) assert.ok(length <= c.maxChunk);
          } else {
            assert.equal(get.body.type, 'multipart');
            if (get.body.type !== 'multipart') return;
            const { parts, tail } = get.body;
            assert.ok(parts.length >= 2 && parts.length <= 16);
            let sum = enc.encode(tail).length;
            parts.forEach((part, i) => {
              assert.ok(within(part.range, c.size));
              if (i > 0) assert.ok(part.range.start > parts[i - 1]!.range.end + 1, 'sorted, apart');
              sum += enc.encode(part.head).length + part.range.end - part.range.start + 1;
            });
            assert.equal(length, sum);
            // The abuse budget: a multipart answer is never larger than the file itself.
            assert.ok(length <= c.size, `multipart ${length} > size ${c.size}`);
          }
        }
        if (p.body.type === 'text') assert.equal(length, enc.encode(p.body.text).length);
        if (c.method === 'HEAD') assert.deepEqual(p.body, { type: 'none' });
      }),
      { numRuns: RUNS },
    );
  });

  it('HEAD answers with the status and headers GET would, and the same input gives the same plan', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const get = plan(c, 'GET');
        const head = plan(c, 'HEAD');
        assert.equal(head.status, get.status);
        assert.deepEqual(head.headers, get.headers);
        assert.deepEqual(plan(c, 'GET'), get);
      }),
      { numRuns: RUNS },
    );
  });

  it('a multipart body parses back into exactly the requested bytes', () => {
    // Mid-size files and several closed ranges: most of these cases are multipart answers.
    const multi: fc.Arbitrary<Case> = fc.integer({ min: 400, max: 5000 }).chain((n) =>
      fc.array(fc.tuple(fc.integer({ min: 0, max: n + 50 }), fc.integer({ min: 0, max: 300 })), { minLength: 2, maxLength: 12 }).map((specs) => ({
        method: 'GET' as const,
        size: n,
        mtimeMs: 1_700_000_000_000,
        now: 1_800_000_000_000,
        maxChunk: undefined,
        headers: { range: `bytes=${specs.map(([a, len]) => `${a}-${a + len}`).join(',')}` },
      })),
    );
    let multipart = 0;
    fc.assert(
      fc.property(multi, (c) => {
        const p = plan(c);
        if (p.body.type !== 'multipart') return;
        multipart++;
        const file = Buffer.from(Array.from({ length: c.size }, (_, i) => fileByte(i)));
        const body = Buffer.concat([
          ...p.body.parts.flatMap((part) => [Buffer.from(part.head), file.subarray(part.range.start, part.range.end + 1)]),
          Buffer.from(p.body.tail),
        ]);
        assert.equal(body.length, Number(p.headers['Content-Length']));
        const parsed = parseMultipart(body, p.headers['Content-Type']!);
        const covered = new Set<number>();
        for (const part of parsed) {
          const [, a, b] = /bytes (\d+)-(\d+)\/\d+/.exec(part.headers['content-range']!)!.map(Number) as [number, number, number];
          assert.ok(part.data.equals(file.subarray(a, b + 1)));
          for (let i = a; i <= b; i++) covered.add(i);
        }
        // Every byte the client asked for is there; extra bytes only fill gaps narrower than a part header.
        const asked = parseRange(c.headers.range, c.size);
        assert.equal(asked.type, 'ranges');
        if (asked.type !== 'ranges') return;
        for (const r of asked.ranges) for (let i = r.start; i <= r.end; i++) assert.ok(covered.has(i), `byte ${i} missing`);
      }),
      { numRuns: RUNS },
    );
    assert.ok(multipart > RUNS / 4, `only ${multipart} of ${RUNS} cases were multipart`);
  });
});
