import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from '../../src/http/parse-range.js';

const ranges = (...pairs: [number, number][]) => ({ type: 'ranges', ranges: pairs.map(([start, end]) => ({ start, end })) });
const IGNORE = { type: 'ignore' };
const UNSATISFIABLE = { type: 'unsatisfiable' };

describe('parseRange', () => {
  const cases: [string | undefined, number, unknown][] = [
    // Single ranges
    ['bytes=0-1', 100, ranges([0, 1])], // Safari's probe: exactly two bytes
    ['bytes=0-0', 100, ranges([0, 0])],
    ['bytes=10-19', 100, ranges([10, 19])],
    ['bytes=0-', 100, ranges([0, 99])], // open: to the end, no chunk cap
    ['bytes=99-', 100, ranges([99, 99])],
    ['bytes=50-1000', 100, ranges([50, 99])], // end past the size is clamped
    ['bytes=-10', 100, ranges([90, 99])], // suffix
    ['bytes=-100', 100, ranges([0, 99])],
    ['bytes=-500', 100, ranges([0, 99])], // suffix longer than the file: the whole file, still a range
    ['bytes=-1', 1, ranges([0, 0])],
    // Syntax leniency the issue asks for
    ['BYTES=0-1', 100, ranges([0, 1])],
    ['Bytes=0-1', 100, ranges([0, 1])],
    ['bytes=0 - 1', 100, ranges([0, 1])],
    ['bytes=0-1 , 5-6', 100, ranges([0, 1], [5, 6])],
    ['bytes=0-1,\t5-6', 100, ranges([0, 1], [5, 6])],
    ['  bytes=0-1  ', 100, ranges([0, 1])],
    ['bytes=0-1,,5-6', 100, ranges([0, 1], [5, 6])], // empty list elements are skipped
    ['bytes=007-008', 100, ranges([7, 8])],
    // Unsatisfiable: 416
    ['bytes=100-', 100, UNSATISFIABLE],
    ['bytes=100-200', 100, UNSATISFIABLE],
    ['bytes=-0', 100, UNSATISFIABLE],
    ['bytes=-0,100-', 100, UNSATISFIABLE],
    // Partly satisfiable: the satisfiable ones survive, in request order
    ['bytes=200-300,0-1', 100, ranges([0, 1])],
    ['bytes=50-60,-0,0-1', 100, ranges([50, 60], [0, 1])],
    // Ignored: full 200
    [undefined, 100, IGNORE],
    ['', 100, IGNORE],
    ['bytes=', 100, IGNORE],
    ['bytes=,', 100, IGNORE],
    ['bytes', 100, IGNORE],
    ['bytes 0-1', 100, IGNORE],
    ['items=0-1', 100, IGNORE], // unknown unit
    ['bytes=1-0', 100, IGNORE], // last-pos < first-pos invalidates the set
    ['bytes=0-1,5-4', 100, IGNORE],
    ['bytes=-', 100, IGNORE],
    ['bytes=a-b', 100, IGNORE],
    ['bytes=0-1-2', 100, IGNORE],
    ['bytes=+1-2', 100, IGNORE],
    ['bytes=0x10-20', 100, IGNORE],
    ['bytes=1.5-2', 100, IGNORE],
    ['bytes = 0-1', 100, IGNORE], // whitespace around "=" is not in the grammar
    ['bytes=0-1', 0, IGNORE], // a zero-length representation ignores Range
    ['bytes=-5', 0, IGNORE],
  ];
  for (const [header, size, expected] of cases) {
    it(`${JSON.stringify(header)} of ${size} bytes`, () => assert.deepEqual(parseRange(header, size), expected));
  }

  it('keeps precision beyond Number.MAX_SAFE_INTEGER: a huge end clamps', () => {
    assert.deepEqual(parseRange('bytes=5-99999999999999999999999999', 100), ranges([5, 99]));
    assert.deepEqual(parseRange('bytes=0-9007199254740993', 2 ** 40), ranges([0, 2 ** 40 - 1]));
  });

  it('keeps precision beyond Number.MAX_SAFE_INTEGER: a huge start is unsatisfiable', () => {
    assert.deepEqual(parseRange('bytes=99999999999999999999999999-', 100), UNSATISFIABLE);
    // 2^53 + 1 would round to 2^53 as a double; it is still past any real file.
    assert.deepEqual(parseRange('bytes=9007199254740993-', 2 ** 40), UNSATISFIABLE);
  });

  it('keeps precision beyond Number.MAX_SAFE_INTEGER: last-pos below first-pos is still invalid', () => {
    assert.deepEqual(parseRange('bytes=99999999999999999999-99999999999999999998', 100), IGNORE);
    assert.deepEqual(parseRange('bytes=9007199254740993-9007199254740992', 100), IGNORE);
    assert.deepEqual(parseRange('bytes=0099999999999999999999-99999999999999999999', 100), UNSATISFIABLE);
  });

  it('a huge suffix is the whole file', () => {
    assert.deepEqual(parseRange('bytes=-99999999999999999999999999', 100), ranges([0, 99]));
  });

  it('a 10-range header like Android WebViews send', () => {
    const header = 'bytes=0-99,100-199,200-299,300-399,400-499,500-599,600-699,700-799,800-899,900-999';
    const result = parseRange(header, 5000);
    assert.equal(result.type, 'ranges');
    assert.deepEqual(result.type === 'ranges' && result.ranges.length, 10);
  });

  it('ignores a header with an absurd number of elements instead of working through it', () => {
    assert.deepEqual(parseRange(`bytes=${'0-1,'.repeat(5000)}0-1`, 100), IGNORE);
  });
});
