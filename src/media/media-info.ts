/** What the catalog knows about one media file's content, from its container headers. */
export interface MediaInfo {
  /** mp4, mov, webm, matroska, wav, flac, or whatever the extension claims when unreadable. */
  container: string;
  /** Seconds. */
  duration?: number;
  width?: number;
  height?: number;
  /** Codec strings as browsers take them in canPlayType: avc1.64001f, vp09.00.10.08, hvc1…, av01… */
  videoCodec?: string;
  audioCodec?: string;
  /** MP4/MOV only: whether the moov box comes before mdat, so playback can start from the first bytes. */
  faststart?: boolean;
  /** Why the file could not be read, when it could not (what is known is still given). */
  error?: string;
}

/** Reads bytes of one file: a window onto a Source's resource, so probes never touch the filesystem. */
export interface ByteReader {
  size: number;
  /** Up to `length` bytes from `start`; fewer only at the end of the file. */
  read(start: number, length: number): Promise<Buffer>;
}
