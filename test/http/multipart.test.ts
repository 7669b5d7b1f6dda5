import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameMultipart } from '../../src/http/multipart.js';

describe('frameMultipart', () => {
  const file = 'abcdefghijklmnopqrstuvwxyz';
  const body = frameMultipart(
    [
      { start: 0, end: 1 },
      { start: 10, end: 14 },
    ],
    file.length,
    'video/mp4',
    'BOUNDARY',
  );
  const rendered = body.parts.map((p) => p.head + file.slice(p.range.start, p.range.end + 1)).join('') + body.tail;

  it('frames parts exactly as RFC 9110 §14.6 shows', () => {
    assert.equal(
      rendered,
      '--BOUNDARY\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-1/26\r\n\r\nab' +
        '\r\n--BOUNDARY\r\nContent-Type: video/mp4\r\nContent-Range: bytes 10-14/26\r\n\r\nklmno' +
        '\r\n--BOUNDARY--\r\n',
    );
  });
  it('computes the exact length before any byte is sent', () => assert.equal(body.length, Buffer.byteLength(rendered)));
  it('names the boundary in the content type', () => assert.equal(body.contentType, 'multipart/byteranges; boundary=BOUNDARY'));
  it('counts bytes, not characters, in part headers', () => {
    const b = frameMultipart([{ start: 0, end: 0 }], 1, 'text/plain; name=é', 'B');
    assert.equal(b.length, Buffer.byteLength(b.parts[0]!.head) + 1 + Buffer.byteLength(b.tail));
  });
});
