import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition } from '../../src/http/content-disposition.js';
import { contentRange, unsatisfiedRange } from '../../src/http/content-range.js';
import { contentTypeFor, DEFAULT_TYPE } from '../../src/http/content-type.js';

describe('contentRange', () => {
  it('formats a range', () => assert.equal(contentRange({ start: 0, end: 1 }, 100), 'bytes 0-1/100'));
  it('formats the 416 form', () => assert.equal(unsatisfiedRange(100), 'bytes */100'));
});

describe('contentTypeFor', () => {
  const table: [string, string][] = [
    ['a.mp4', 'video/mp4'],
    ['dir/A.MP4', 'video/mp4'],
    ['a.m4v', 'video/mp4'],
    ['a.mov', 'video/quicktime'],
    ['a.webm', 'video/webm'],
    ['a.mkv', 'video/x-matroska'],
    ['a.ogv', 'video/ogg'],
    ['a.ogg', 'audio/ogg'],
    ['a.mp3', 'audio/mpeg'],
    ['a.m4a', 'audio/mp4'],
    ['a.aac', 'audio/aac'],
    ['a.flac', 'audio/flac'],
    ['a.wav', 'audio/wav'],
    ['a.vtt', 'text/vtt; charset=utf-8'],
    ['a.srt', 'application/x-subrip'],
    ['a.m3u8', 'application/vnd.apple.mpegurl'],
    ['a.ts', 'video/mp2t'],
    ['a.jpg', 'image/jpeg'],
    ['a.png', 'image/png'],
    ['a.html', DEFAULT_TYPE], // never served as a page
    ['README', DEFAULT_TYPE],
    ['.mp4', DEFAULT_TYPE],
    ['dir.mp4/file', DEFAULT_TYPE],
  ];
  for (const [name, type] of table) it(name, () => assert.equal(contentTypeFor(name), type));
});

describe('contentDisposition', () => {
  it('plain ASCII names need no filename*', () =>
    assert.equal(contentDisposition('clips/holiday 2024.mp4'), 'attachment; filename="holiday 2024.mp4"'));
  it('non-ASCII names get an ASCII fallback and filename* in UTF-8', () =>
    assert.equal(
      contentDisposition('Été à Paris.mp4'),
      `attachment; filename="_t_ _ Paris.mp4"; filename*=UTF-8''%C3%89t%C3%A9%20%C3%A0%20Paris.mp4`,
    ));
  it('quotes, backslashes and percent signs never break the quoted string', () =>
    assert.equal(
      contentDisposition('a"b\\c%d.mp4'),
      `attachment; filename="a_b_c_d.mp4"; filename*=UTF-8''a%22b%5Cc%25d.mp4`,
    ));
  it('encodes characters outside RFC 8187 attr-char', () =>
    assert.equal(contentDisposition("it's (1)*.mp4"), `attachment; filename="it's (1)*.mp4"`));
  it('emoji become one fallback character each', () =>
    assert.equal(contentDisposition('🎬.mp4'), `attachment; filename="_.mp4"; filename*=UTF-8''%F0%9F%8E%AC.mp4`));
  it('control characters cannot split the header', () =>
    assert.equal(contentDisposition('a\r\nb.mp4'), `attachment; filename="a__b.mp4"; filename*=UTF-8''a%0D%0Ab.mp4`));
  it('inline is available', () => assert.equal(contentDisposition('a.mp4', 'inline'), 'inline; filename="a.mp4"'));
});
