import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentTypeFor, DEFAULT_TYPE } from '../../src/http/content-type.js';

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
