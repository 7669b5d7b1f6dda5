import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coalesceRanges } from '../../src/http/coalesce-ranges.js';

const r = (start: number, end: number) => ({ start, end });

describe('coalesceRanges', () => {
  it('merges overlapping ranges', () => {
    assert.deepEqual(coalesceRanges([r(0, 10), r(5, 20)], 0), [r(0, 20)]);
  });
  it('merges adjacent ranges', () => {
    assert.deepEqual(coalesceRanges([r(0, 9), r(10, 19)], 0), [r(0, 19)]);
  });
  it('merges ranges closer than the gap, not farther', () => {
    assert.deepEqual(coalesceRanges([r(0, 9), r(30, 39)], 20), [r(0, 39)]);
    assert.deepEqual(coalesceRanges([r(0, 9), r(31, 39)], 20), [r(0, 9), r(31, 39)]);
  });
  it('sorts, and swallows ranges contained in others', () => {
    assert.deepEqual(coalesceRanges([r(50, 60), r(0, 100), r(200, 300), r(10, 20)], 0), [r(0, 100), r(200, 300)]);
  });
  it('does not modify its input', () => {
    const input = [r(0, 10), r(5, 20)];
    coalesceRanges(input, 0);
    assert.deepEqual(input, [r(0, 10), r(5, 20)]);
  });
  it('leaves distant ranges alone', () => {
    assert.deepEqual(coalesceRanges([r(100, 199), r(0, 9)], 10), [r(0, 9), r(100, 199)]);
  });
});
