import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition } from '../../src/http/content-disposition.js';

describe('contentDisposition', () => {
  it('plain ASCII names need no filename*', () =>
    assert.equal(contentDisposition('clips/holiday 2024.mp4'), 'attachment; filename="holiday 2024.mp4"'));
  it('non-ASCII names get an ASCII fallback and filename* in UTF-8', () =>
    assert.equal(
      contentDisposition('Été à Paris.mp4'),
      `attachment; filename="_t_ _ Paris.mp4"; filename*=UTF-8''%C3%89t%C3%A9%20%C3%A0%20Paris.mp4`,
    ));
  it('quotes, backslashes and percent signs never break the quoted string', () =>
    assert.equal(contentDisposition('a"b\\c%d.mp4'), `attachment; filename="a_b_c_d.mp4"; filename*=UTF-8''a%22b%5Cc%25d.mp4`));
  it('encodes characters outside RFC 8187 attr-char', () =>
    assert.equal(contentDisposition("it's (1)*.mp4"), `attachment; filename="it's (1)*.mp4"`));
  it('emoji become one fallback character each', () =>
    assert.equal(contentDisposition('🎬.mp4'), `attachment; filename="_.mp4"; filename*=UTF-8''%F0%9F%8E%AC.mp4`));
  it('control characters cannot split the header', () =>
    assert.equal(contentDisposition('a\r\nb.mp4'), `attachment; filename="a__b.mp4"; filename*=UTF-8''a%0D%0Ab.mp4`));
  it('inline is available', () => assert.equal(contentDisposition('a.mp4', 'inline'), 'inline; filename="a.mp4"'));
});
