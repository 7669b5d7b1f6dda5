import { contentRange } from './content-range.js';
import type { ByteRange } from './types.js';
import { utf8Length } from './utf8.js';

// Part headers are ASCII in practice; measuring UTF-8 keeps the length exact even if a store hands us
// a stranger Content-Type.

/** One part of a multipart/byteranges body: the delimiter and part headers, then the bytes of `range`. */
export interface MultipartPart {
  head: string;
  range: ByteRange;
}

/** A multipart/byteranges body, framed: its type with the boundary, its exact length, its parts and closing text. */
export interface MultipartBody {
  contentType: string;
  parts: MultipartPart[];
  /** The close-delimiter written after the last part. */
  tail: string;
  /** Exact byte length of the whole body, known before the first byte is sent. */
  length: number;
}

/**
 * Frames ranges as multipart/byteranges (RFC 9110 §14.6, syntax of RFC 2046 §5.1.1). Each part carries
 * its own Content-Type and Content-Range; the CRLF before each delimiter belongs to the delimiter, so
 * the bytes of a part end exactly where its range ends.
 */
export function frameMultipart(ranges: readonly ByteRange[], size: number, contentType: string, boundary: string): MultipartBody {
  let length = 0;
  const parts = ranges.map((range, i) => {
    const head =
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\n` + `Content-Type: ${contentType}\r\n` + `Content-Range: ${contentRange(range, size)}\r\n\r\n`;
    length += utf8Length(head) + range.end - range.start + 1;
    return { head, range };
  });
  const tail = `\r\n--${boundary}--\r\n`;
  length += utf8Length(tail);
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}
