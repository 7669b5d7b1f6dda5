import type { ByteRange } from './types.js';

/** Content-Range of a 206 part (RFC 9110 §14.4): "bytes 0-1/100". */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

// Content-Range of a 416 (§15.5.17), "bytes */100": tells the client the current length.
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
