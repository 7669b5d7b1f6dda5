/** An inclusive byte range: `start` and `end` are offsets of the first and last byte. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What the engine needs to know about the bytes it is asked to serve. Sources produce it; the engine
 * never touches the bytes themselves.
 */
export interface Representation {
  /** Length in bytes. */
  size: number;
  /** Last modification time, milliseconds since the epoch (fractions allowed). */
  mtimeMs: number;
  /** A strong entity tag including its quotes, when the store supplies one (S3); else made from size and mtime. */
  etag?: string;
  /** Media type, when the store knows it; else derived from the file name. */
  contentType?: string;
}

/** Request headers as node:http gives them: lower-case names, duplicates possibly as arrays. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The request as the engine reads it: the method and the header fields, nothing else. */
export interface RequestInfo {
  method: string;
  headers: RequestHeaders;
}
