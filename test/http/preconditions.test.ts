import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePreconditions, ifRangeHolds, type Validators } from '../../src/http/preconditions.js';

const LM = 784111777; // Sun, 06 Nov 1994 08:49:37 GMT
const AT = 'Sun, 06 Nov 1994 08:49:37 GMT';
const BEFORE = 'Sun, 06 Nov 1994 08:49:36 GMT';
const AFTER = 'Sun, 06 Nov 1994 08:49:38 GMT';
const v: Validators = { etag: { weak: false, opaque: '"abc"' }, lastModified: LM, lastModifiedStrong: true };

const run = (headers: Record<string, string | string[]>, method = 'GET') => evaluatePreconditions(method, headers, v);

describe('evaluatePreconditions', () => {
  it('proceeds without preconditions', () => assert.equal(run({}), 'proceed'));

  describe('If-Match (strong)', () => {
    it('matching tag proceeds', () => assert.equal(run({ 'if-match': '"abc"' }), 'proceed'));
    it('tag in a list proceeds', () => assert.equal(run({ 'if-match': '"x", "abc"' }), 'proceed'));
    it('* proceeds', () => assert.equal(run({ 'if-match': '*' }), 'proceed'));
    it('other tag is 412', () => assert.equal(run({ 'if-match': '"x"' }), 412));
    it('weak tag never matches', () => assert.equal(run({ 'if-match': 'W/"abc"' }), 412));
    it('garbage is 412', () => assert.equal(run({ 'if-match': 'abc' }), 412));
    it('repeated header fields form one list', () => assert.equal(run({ 'if-match': ['"x"', '"abc"'] }), 'proceed'));
  });

  describe('If-Unmodified-Since', () => {
    it('unmodified since proceeds', () => assert.equal(run({ 'if-unmodified-since': AT }), 'proceed'));
    it('modified after is 412', () => assert.equal(run({ 'if-unmodified-since': BEFORE }), 412));
    it('invalid date is ignored', () => assert.equal(run({ 'if-unmodified-since': 'yesterday' }), 'proceed'));
    it('is ignored when If-Match is present', () => assert.equal(run({ 'if-match': '"abc"', 'if-unmodified-since': BEFORE }), 'proceed'));
  });

  describe('If-None-Match (weak)', () => {
    it('matching tag is 304 for GET and HEAD', () => {
      assert.equal(run({ 'if-none-match': '"abc"' }), 304);
      assert.equal(run({ 'if-none-match': '"abc"' }, 'HEAD'), 304);
    });
    it('weak form of our tag matches too', () => assert.equal(run({ 'if-none-match': 'W/"abc"' }), 304));
    it('* is 304', () => assert.equal(run({ 'if-none-match': '*' }), 304));
    it('other tags proceed', () => assert.equal(run({ 'if-none-match': '"x", "y"' }), 'proceed'));
    it('is 412 for other methods', () => assert.equal(run({ 'if-none-match': '"abc"' }, 'DELETE'), 412));
  });

  describe('If-Modified-Since', () => {
    it('not modified since is 304', () => {
      assert.equal(run({ 'if-modified-since': AT }), 304);
      assert.equal(run({ 'if-modified-since': AFTER }), 304);
    });
    it('modified after proceeds', () => assert.equal(run({ 'if-modified-since': BEFORE }), 'proceed'));
    it('invalid date is ignored', () => assert.equal(run({ 'if-modified-since': 'garbage' }), 'proceed'));
    it('is ignored when If-None-Match is present', () => assert.equal(run({ 'if-none-match': '"x"', 'if-modified-since': AT }), 'proceed'));
    it('is ignored for methods other than GET and HEAD', () => assert.equal(run({ 'if-modified-since': AT }, 'POST'), 'proceed'));
  });

  describe('order of §13.2.2', () => {
    it('If-Match failure wins over If-None-Match', () => assert.equal(run({ 'if-match': '"x"', 'if-none-match': '"abc"' }), 412));
    it('If-Unmodified-Since failure wins over If-Modified-Since', () =>
      assert.equal(run({ 'if-unmodified-since': BEFORE, 'if-modified-since': AT }), 412));
    it('If-Match success then If-None-Match 304', () => assert.equal(run({ 'if-match': '"abc"', 'if-none-match': '"abc"' }), 304));
  });
});

describe('ifRangeHolds', () => {
  it('our strong tag holds', () => assert.equal(ifRangeHolds('"abc"', v), true));
  it('another tag does not', () => assert.equal(ifRangeHolds('"abd"', v), false));
  it('a weak tag never holds', () => assert.equal(ifRangeHolds('W/"abc"', v), false));
  it('the exact Last-Modified date holds', () => assert.equal(ifRangeHolds(AT, v), true));
  it('the same instant in an obsolete format holds', () => assert.equal(ifRangeHolds('Sunday, 06-Nov-94 08:49:37 GMT', v), true));
  it('a later date does not (exact match only)', () => assert.equal(ifRangeHolds(AFTER, v), false));
  it('an earlier date does not', () => assert.equal(ifRangeHolds(BEFORE, v), false));
  it('garbage does not', () => assert.equal(ifRangeHolds('whatever', v), false));
  it('a list of tags does not', () => assert.equal(ifRangeHolds('"abc", "x"', v), false));
  it('a date does not while Last-Modified is weak (changed within the last second)', () =>
    assert.equal(ifRangeHolds(AT, { ...v, lastModifiedStrong: false }), false));
  it('a tag still holds while Last-Modified is weak', () => assert.equal(ifRangeHolds('"abc"', { ...v, lastModifiedStrong: false }), true));
});
