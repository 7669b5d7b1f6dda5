import type { MediaInfo } from './media-info.js';

/**
 * What plays where: a table of container and codec support in the three browser engines, and the
 * verdict it gives a file. docs/playability.md shows the same table (a test keeps them equal), and a
 * browser test asks each engine's own canPlayType and MediaSource.isTypeSupported about every row.
 *
 * A file plays in an engine when its container, its video codec and its audio codec all do. Each row
 * says, per engine:
 *   plays    every build of that engine plays it
 *   no       none does
 *   depends  only where the operating system lends a decoder (hardware HEVC, AV1): ask the browser
 *
 * "safari" is Apple's Safari (WebKit on AVFoundation and its own decoders). WebKitGTK and WPE (GNOME
 * Web, Epiphany) decode through GStreamer and play more: Theora, Vorbis and Ogg, Matroska. The table
 * describes Safari, which is what people mean by WebKit when they ask what plays on an iPhone.
 */

/** The engines the table describes. */
export type Engine = 'chromium' | 'firefox' | 'safari';

/** The engines, in the order tables show them. */
export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'safari'];

/** What one engine does with a container or codec. */
export type Support = 'plays' | 'no' | 'depends';

/** One row of the table. */
export interface SupportRow {
  /** What the row is about, as people name it: "MP4, MOV", "HEVC", "AC-3". */
  name: string;
  chromium: Support;
  firefox: Support;
  safari: Support;
  /**
   * WebKitGTK, where it differs from Safari: it decodes through the system's GStreamer plugins, Safari
   * through Apple's own decoders. The tests drive WebKitGTK and check it against `webkitgtk ?? safari`.
   */
  webkitgtk?: Support;
  /** Said of a file that an engine does not play (or may not) because of this row. */
  reason: string;
  /** What to run instead, `<file>` standing for the file's path, when there is a cure. */
  fix?: string;
  /** A type string that asks an engine about this row (whatever else it names plays everywhere). */
  type: string;
  /**
   * Whether Media Source Extensions take the type where the engine plays it: ISO BMFF, WebM and MPEG
   * audio are its byte stream formats; Matroska, Ogg, WAV and FLAC files are not.
   */
  mse: boolean;
}

const REENCODE = 'ffmpeg -i <file> -c:v libx264 -c:a aac <file>.mp4';

/** Containers, by MediaInfo.container. */
export const CONTAINERS = {
  // ISO BMFF: every engine. MOV is read by the same demuxers (Chromium's and Firefox's MP4 readers take
  // QuickTime's brand; Safari is QuickTime's home). MDN, "Media container formats": MP4.
  mp4: {
    name: 'MP4, MOV',
    chromium: 'plays',
    firefox: 'plays',
    safari: 'plays',
    reason: 'MP4',
    type: 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"',
    mse: true,
  },
  // WebM: Chromium and Firefox since their first WebM releases; Safari since 14.1 (macOS) and 17.4
  // (iOS) per Apple's Safari release notes. MDN, "Media container formats": WebM.
  webm: { name: 'WebM', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'WebM', type: 'video/webm; codecs="vp9, opus"', mse: true },
  // Matroska: measured here: Chromium 156 answers canPlayType('video/x-matroska; codecs="avc1…, mp4a…"')
  // "probably" and plays an H.264/AAC .mkv to its end; Firefox ESR answers "maybe" for video/x-matroska.
  // Safari has no Matroska demuxer (WebKitGTK's GStreamer has one, hence its "maybe").
  matroska: {
    name: 'Matroska (MKV)',
    chromium: 'plays',
    firefox: 'plays',
    safari: 'no',
    // WebKitGTK plays it through GStreamer (measured: canPlayType "probably"); Safari, with Apple's decoders, does not.
    webkitgtk: 'plays',
    reason: 'MKV: not in Safari',
    fix: 'ffmpeg -i <file> -c copy <file>.mp4',
    type: 'video/x-matroska; codecs="avc1.42E01E, mp4a.40.2"',
    mse: false,
  },
  // Ogg: Chromium and Firefox (the container stays in Chromium after Theora left, per its Intent to
  // Ship "Deprecate and remove Theora support"). A WebKit engineer on caniuse issue 6997 (Safari 17.4):
  // "Ogg is not supported"; Vorbis and Opus play in WebM there instead.
  ogg: {
    name: 'Ogg',
    chromium: 'plays',
    firefox: 'plays',
    safari: 'no',
    // WebKitGTK plays it through GStreamer (measured: canPlayType "probably"); Safari, with Apple's decoders, does not.
    webkitgtk: 'plays',
    reason: 'Ogg: not in Safari',
    type: 'audio/ogg; codecs="opus"',
    mse: false,
  },
  // AVI: no engine has ever had an AVI demuxer for <video>: Chromium here fails with
  // DEMUXER_ERROR_COULD_NOT_OPEN, and canPlayType('video/x-msvideo') is "" (measured).
  avi: {
    name: 'AVI',
    chromium: 'no',
    firefox: 'no',
    safari: 'no',
    // WebKitGTK plays it through GStreamer (measured: canPlayType "maybe"); Safari, with Apple's decoders, does not.
    webkitgtk: 'plays',
    reason: 'AVI: no browser plays it',
    fix: REENCODE,
    type: 'video/x-msvideo',
    mse: false,
  },
  // Plain audio files: MDN, "Media container formats": MP3, FLAC, WAVE are played by all three.
  mp3: { name: 'MP3 file', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'MP3', type: 'audio/mpeg', mse: true },
  flac: { name: 'FLAC file', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'FLAC', type: 'audio/flac', mse: false },
  wav: { name: 'WAV file', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'WAV', type: 'audio/wav', mse: false },
} satisfies Record<string, SupportRow>;

/** Video codecs, by family (see videoFamily). */
export const VIDEO_CODECS = {
  // H.264: every engine (Firefox through the system's or its bundled decoder). MDN, "Web video codec guide".
  h264: {
    name: 'H.264 (AVC)',
    chromium: 'plays',
    firefox: 'plays',
    safari: 'plays',
    reason: 'H.264',
    type: 'video/mp4; codecs="avc1.640028"',
    mse: true,
  },
  // HEVC: Safari decodes it everywhere (Apple, "Safari 11 release notes"). Chrome 107+ and Firefox use
  // the platform's decoder where there is one (Windows with HEVC extensions, macOS, Linux with VA-API);
  // Debian's chromium here answers "" and plays no picture (measured), Firefox ESR here "probably".
  hevc: {
    name: 'HEVC (H.265)',
    chromium: 'depends',
    firefox: 'depends',
    safari: 'plays',
    reason: "HEVC: Safari only; elsewhere only with the system's hardware decoder",
    fix: 'ffmpeg -i <file> -c:v libx264 -c:a copy <file>.mp4',
    type: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
    mse: true,
  },
  // VP8 and VP9: Chromium and Firefox always; Safari since 14.1 in WebM (Apple's release notes).
  vp8: { name: 'VP8', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'VP8', type: 'video/webm; codecs="vp8"', mse: true },
  vp9: { name: 'VP9', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'VP9', type: 'video/webm; codecs="vp09.00.10.08"', mse: true },
  // AV1: Chromium (dav1d, measured: "probably") and Firefox in software; Safari only on devices with an
  // AV1 hardware decoder (Apple, "Safari 17 release notes": M3 and A17 Pro).
  av1: {
    name: 'AV1',
    chromium: 'plays',
    firefox: 'plays',
    safari: 'depends',
    reason: 'AV1: in Safari only on devices with an AV1 decoder (M3, A17 Pro and later)',
    type: 'video/mp4; codecs="av01.0.05M.08"',
    mse: true,
  },
  // Theora: removed from Chrome in M123 (blink-dev, "Intent to Ship: Deprecate and remove Theora
  // support"): Chromium here plays an .ogv's sound with no picture (measured). Firefox ESR here answers
  // "" (measured). Safari never had it (same Intent). WebKitGTK's GStreamer still decodes it.
  theora: {
    name: 'Theora',
    chromium: 'no',
    firefox: 'no',
    safari: 'no',
    // WebKitGTK plays it through GStreamer (measured: canPlayType "probably"); Safari, with Apple's decoders, does not.
    webkitgtk: 'plays',
    reason: 'Theora: no browser shows the picture',
    fix: REENCODE,
    type: 'video/ogg; codecs="theora"',
    mse: false,
  },
  // MPEG-4 Part 2 (DivX, Xvid): canPlayType('video/mp4; codecs="mp4v.20.9"') is "" in Chromium
  // (measured); MDN's codec guide lists it for none of the three.
  mpeg4: {
    name: 'MPEG-4 Part 2 (DivX, Xvid)',
    chromium: 'no',
    firefox: 'no',
    safari: 'no',
    // WebKitGTK plays it through GStreamer (measured: canPlayType "probably"); Safari, with Apple's decoders, does not.
    webkitgtk: 'plays',
    reason: 'MPEG-4 Part 2 video: no browser plays it',
    fix: REENCODE,
    type: 'video/mp4; codecs="mp4v.20.9"',
    mse: false,
  },
} satisfies Record<string, SupportRow>;

/** Audio codecs, by family (see audioFamily). */
export const AUDIO_CODECS = {
  // AAC: every engine (MDN, "Web audio codec guide").
  aac: { name: 'AAC', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'AAC', type: 'audio/mp4; codecs="mp4a.40.2"', mse: true },
  // MP3: every engine, in MP3 files (MDN, "Web audio codec guide"). Asked as audio/mpeg: Firefox ESR
  // answers "" for MP3 in MP4 (mp4a.69, measured), and Media Source takes MP3 as audio/mpeg only.
  mp3: { name: 'MP3', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'MP3', type: 'audio/mpeg', mse: true },
  // Opus: Chromium and Firefox always; Safari in WebM and MP4 since 17 (Apple's release notes; in Ogg
  // it is the container that Safari lacks).
  opus: { name: 'Opus', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'Opus', type: 'audio/webm; codecs="opus"', mse: true },
  // Vorbis: Chromium and Firefox; Safari 17.4 in WebM (caniuse issue 6997, confirmed by WebKit).
  vorbis: { name: 'Vorbis', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'Vorbis', type: 'audio/webm; codecs="vorbis"', mse: true },
  // FLAC: every engine (Safari since 11), in FLAC files and in MP4.
  flac: { name: 'FLAC', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'FLAC', type: 'audio/mp4; codecs="flac"', mse: true },
  // PCM in WAV: every engine.
  pcm: { name: 'PCM', chromium: 'plays', firefox: 'plays', safari: 'plays', reason: 'PCM', type: 'audio/wav; codecs="1"', mse: false },
  // AC-3 and E-AC-3: Safari decodes them (Apple devices carry Dolby decoders); Chromium here answers ""
  // and plays an AC-3 MP4's picture in silence (measured); Firefox has no Dolby decoder (MDN).
  ac3: {
    name: 'AC-3 (Dolby Digital)',
    chromium: 'no',
    firefox: 'no',
    safari: 'plays',
    reason: 'AC-3 audio: Safari only (elsewhere the picture plays in silence)',
    fix: 'ffmpeg -i <file> -c:v copy -c:a aac <file>.mp4',
    type: 'audio/mp4; codecs="ac-3"',
    mse: true,
  },
  eac3: {
    name: 'E-AC-3 (Dolby Digital Plus)',
    chromium: 'no',
    firefox: 'no',
    safari: 'plays',
    reason: 'E-AC-3 audio: Safari only (elsewhere the picture plays in silence)',
    fix: 'ffmpeg -i <file> -c:v copy -c:a aac <file>.mp4',
    type: 'audio/mp4; codecs="ec-3"',
    mse: true,
  },
} satisfies Record<string, SupportRow>;

type ContainerFamily = keyof typeof CONTAINERS;
type VideoFamily = keyof typeof VIDEO_CODECS;
type AudioFamily = keyof typeof AUDIO_CODECS;

/** A container, video or audio codec the table has no row for: played by no engine we know of. */
function unknownRow(what: string): SupportRow {
  return {
    name: what,
    chromium: 'no',
    firefox: 'no',
    safari: 'no',
    reason: `${what}: not a format browsers play`,
    fix: REENCODE,
    type: '',
    mse: false,
  };
}

/** The container row of a probed container name (mov is MP4's). */
export function containerFamily(container: string): ContainerFamily | undefined {
  if (container === 'mov') return 'mp4';
  return Object.hasOwn(CONTAINERS, container) ? (container as ContainerFamily) : undefined;
}

/** The video row of a codec string (RFC 6381 forms, or what a probe said for codecs without one). */
export function videoFamily(codec: string): VideoFamily | undefined {
  const c = codec.toLowerCase();
  if (c.startsWith('avc1') || c.startsWith('avc3')) return 'h264';
  if (c.startsWith('hvc1') || c.startsWith('hev1')) return 'hevc';
  if (c === 'vp8' || c.startsWith('vp08')) return 'vp8';
  if (c === 'vp9' || c.startsWith('vp09')) return 'vp9';
  if (c.startsWith('av01')) return 'av1';
  if (c === 'theora') return 'theora';
  if (c.startsWith('mp4v')) return 'mpeg4';
  return undefined;
}

/** The audio row of a codec string. */
export function audioFamily(codec: string): AudioFamily | undefined {
  const c = codec.toLowerCase();
  if (c.startsWith('mp4a.40')) return 'aac';
  if (c === 'mp3' || c === 'mp4a.69' || c === 'mp4a.6b' || c === '.mp3') return 'mp3';
  if (c === 'opus') return 'opus';
  if (c === 'vorbis') return 'vorbis';
  if (c === 'flac') return 'flac';
  if (c === 'pcm' || c === 'ipcm' || c === 'lpcm' || c === 'sowt' || c === 'twos') return 'pcm';
  if (c === 'ac-3') return 'ac3';
  if (c === 'ec-3') return 'eac3';
  return undefined;
}

/** One engine's verdict on a file, and why when it is not "plays". */
export interface EngineVerdict {
  verdict: Support;
  reasons: string[];
}

/** The verdict of each engine, and what to run when one of them does not play the file. */
export type Playability = Record<Engine, EngineVerdict> & {
  /** The command that makes a file every engine plays, `<file>` replaced by the path given. */
  fix?: string;
};

/** The rows a file's container and codecs fall in. */
function rowsOf(info: Pick<MediaInfo, 'container' | 'videoCodec' | 'audioCodec'>): SupportRow[] {
  const family = containerFamily(info.container);
  const rows: SupportRow[] = [family === undefined ? unknownRow(info.container.toUpperCase() || 'This container') : CONTAINERS[family]];
  if (info.videoCodec !== undefined) {
    const video = videoFamily(info.videoCodec);
    rows.push(video === undefined ? unknownRow(`${info.videoCodec} video`) : VIDEO_CODECS[video]);
  }
  if (info.audioCodec !== undefined) {
    const audio = audioFamily(info.audioCodec);
    rows.push(audio === undefined ? unknownRow(`${info.audioCodec} audio`) : AUDIO_CODECS[audio]);
  }
  return rows;
}

/** A path as one shell word: as is when it needs no quoting, else in single quotes. */
export function shellWord(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * Each engine's verdict on a file from its container and codecs: "no" when any of them is played by
 * no build of the engine, else "depends" when one needs the system's decoder, else "plays"; with the
 * reasons of the rows that decided it. `path` goes into the suggested command.
 */
export function playability(info: Pick<MediaInfo, 'container' | 'videoCodec' | 'audioCodec'>, path = '<file>'): Playability {
  const rows = rowsOf(info);
  const verdictOf = (engine: Engine): EngineVerdict => {
    for (const level of ['no', 'depends'] as const) {
      const deciding = rows.filter((row) => row[engine] === level);
      if (deciding.length > 0) return { verdict: level, reasons: deciding.map((row) => row.reason) };
    }
    return { verdict: 'plays', reasons: [] };
  };
  const result: Playability = { chromium: verdictOf('chromium'), firefox: verdictOf('firefox'), safari: verdictOf('safari') };
  const fix = rows.find((row) => row.fix !== undefined && ENGINES.some((engine) => row[engine] !== 'plays'))?.fix;
  if (fix !== undefined) {
    // x.avi becomes x.mp4; an .mp4 that needs converting becomes x.web.mp4 beside it, not over itself.
    const stem = path.replace(/\.[^./]*$/, '');
    const output = /\.mp4$/i.test(path) ? `${stem}.web.mp4` : `${stem}.mp4`;
    result.fix = fix.replace('<file>.mp4', shellWord(output)).replace('<file>', shellWord(path));
  }
  return result;
}

/** One question the table answers for an engine: a type string and what the engine must say of it. */
export interface TypeCheck {
  /** Which row: "container mp4", "video hevc", "audio ac3". */
  row: string;
  type: string;
  /** canPlayType: "plays" must be "maybe" or "probably", "no" must be "", "depends" may be either. */
  expected: Record<Engine, Support> & { webkitgtk?: Support };
  /** Whether Media Source takes the type, so isTypeSupported must agree with "plays". */
  mse: boolean;
}

/** Every row as a type string and the answers the table expects of each engine, for the browser tests. */
export function typeChecks(): TypeCheck[] {
  const groups: [string, Record<string, SupportRow>][] = [
    ['container', CONTAINERS],
    ['video', VIDEO_CODECS],
    ['audio', AUDIO_CODECS],
  ];
  return groups.flatMap(([group, rows]) =>
    Object.entries(rows).map(([key, row]) => ({
      row: `${group} ${key}`,
      type: row.type,
      expected: { chromium: row.chromium, firefox: row.firefox, safari: row.safari, ...(row.webkitgtk && { webkitgtk: row.webkitgtk }) },
      mse: row.mse,
    })),
  );
}
