/** One audio or subtitle track a container lists (beyond the first, which videoCodec/audioCodec name). */
export interface TrackInfo {
  /** The codec string for audio (as in `audioCodec`); for subtitles the format: tx3g, wvtt, srt, ass, pgs, vobsub… */
  codec: string;
  /** The track's language as the container gives it (ISO 639-2 "eng" or BCP 47 "en-US"), when it says one. */
  language?: string;
  /** Audio channels, when the headers say. */
  channels?: number;
  /** The track's title, when it has one. */
  name?: string;
}

/** What the catalog knows about one media file's content, from its container headers. */
export interface MediaInfo {
  /** mp4, mov, webm, matroska, ogg, avi, wav, flac, mp3, or whatever the extension claims when unreadable. */
  container: string;
  /** Seconds, as the headers claim it (for a truncated file, the length it was meant to have). */
  duration?: number;
  width?: number;
  height?: number;
  /** Codec strings as browsers take them in canPlayType: avc1.64001f, vp09.00.10.08, hvc1…, av01… */
  videoCodec?: string;
  audioCodec?: string;
  /** MP4/MOV only: whether the moov box comes before mdat, so playback can start from the first bytes. */
  faststart?: boolean;
  /** Bits per second over the whole file: its size over its duration (absent for a truncated file). */
  bitrate?: number;
  /** Every audio track, the first one (`audioCodec`) included, when the container lists them. */
  audioTracks?: TrackInfo[];
  /** Subtitle tracks inside the file (sidecar files are the catalog's `subtitles`). */
  subtitleTracks?: TrackInfo[];
  /**
   * The file ends before its media does (a download or a recording that stopped): its headers are
   * readable and it plays, but only up to `playableDuration`.
   */
  truncated?: boolean;
  /** For a truncated file, the seconds its bytes hold, when they could be told. */
  playableDuration?: number;
  /** Why the file could not be read, when it could not (what is known is still given). */
  error?: string;
}

/** Reads bytes of one file: a window onto a Source's resource, so probes never touch the filesystem. */
export interface ByteReader {
  size: number;
  /** Up to `length` bytes from `start`; fewer only at the end of the file. */
  read(start: number, length: number): Promise<Buffer>;
}
