import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentRange, unsatisfiedRange } from '../../src/http/content-range.js';

describe('contentRange', () => {
  it('formats a range', () => assert.equal(contentRange({ start: 0, end: 1 }, 100), 'bytes 0-1/100'));
  it('formats the 416 form', () => assert.equal(unsatisfiedRange(100), 'bytes */100'));
});
