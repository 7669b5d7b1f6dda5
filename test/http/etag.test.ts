import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEtag, parseEtag, parseEtagList, strongMatch, weakMatch } from '../../src/http/etag.js';

const strong = (opaque: string) => ({ weak: false, opaque });
const weak = (opaque: string) => ({ weak: true, opaque });

describe('makeEtag', () => {
  it('is a strong tag from size and mtime in hex', () => assert.equal(makeEtag(255, 1000.5), '"ff-f4434"'));
  it('changes with size and with mtime to the microsecond', () => {
    const base = makeEtag(100, 1700000000000.123);
    assert.notEqual(makeEtag(101, 1700000000000.123), base);
    assert.notEqual(makeEtag(100, 1700000000000.124), base);
    assert.equal(makeEtag(100, 1700000000000.123), base);
  });
  it('parses back as one strong tag', () => assert.deepEqual(parseEtag(makeEtag(1, 2)), strong(makeEtag(1, 2))));
});

describe('parseEtagList', () => {
  it('reads *', () => assert.equal(parseEtagList(' * '), '*'));
  it('reads a list with weak and strong tags', () =>
    assert.deepEqual(parseEtagList('"a", W/"b",  "c"'), [strong('"a"'), weak('"b"'), strong('"c"')]));
  it('keeps commas inside a tag', () => assert.deepEqual(parseEtagList('"a,b", "c"'), [strong('"a,b"'), strong('"c"')]));
  it('drops what is not an entity-tag', () => assert.deepEqual(parseEtagList('abc, "ok", w/"lower", "unterminated'), [strong('"ok"')]));
  it('reads the empty tag', () => assert.deepEqual(parseEtagList('""'), [strong('""')]));
});

describe('parseEtag', () => {
  it('reads a weak tag', () => assert.deepEqual(parseEtag('W/"x"'), weak('"x"')));
  it('refuses lists, stars and junk', () => {
    for (const v of ['"a", "b"', '*', 'x', '"a"x', 'Sun, 06 Nov 1994 08:49:37 GMT']) assert.equal(parseEtag(v), undefined, v);
  });
});

describe('comparison (RFC 9110 §8.8.3.2 table)', () => {
  const table: [ReturnType<typeof strong>, ReturnType<typeof strong>, boolean, boolean][] = [
    [weak('"1"'), weak('"1"'), false, true],
    [weak('"1"'), weak('"2"'), false, false],
    [weak('"1"'), strong('"1"'), false, true],
    [strong('"1"'), strong('"1"'), true, true],
  ];
  for (const [a, b, s, w] of table) {
    it(`${a.weak ? 'W/' : ''}${a.opaque} vs ${b.weak ? 'W/' : ''}${b.opaque}`, () => {
      assert.equal(strongMatch(a, b), s);
      assert.equal(weakMatch(a, b), w);
    });
  }
});
