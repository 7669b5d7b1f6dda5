/**
 * What a set of seek-bar previews holds, as kept beside its sprite sheets: the frames' real times
 * and where each frame sits. Frame i is on sheet floor(i / (columns * rows)) + 1, in reading order.
 */
export interface PreviewIndex {
  /** Width and height of one frame on a sheet, in pixels. */
  frameWidth: number;
  frameHeight: number;
  /** Frames per row and rows per sheet (the last sheet may have fewer rows filled). */
  columns: number;
  rows: number;
  /** How many sheets there are: 1.jpg to <sheets>.jpg. */
  sheets: number;
  /** Each frame's presentation time in seconds, as ffmpeg reported it, in order. */
  times: number[];
  /** Where the last frame's cue ends: the video's duration when known. */
  end: number;
}

/**
 * The WebVTT thumbnails track of a preview set: one cue per frame, from its own time (the first from
 * 0) to the next frame's, whose text is the sheet's URL with a media fragment naming the frame's
 * rectangle (`sheet.jpg#xywh=x,y,w,h`, W3C Media Fragments §4.2.2), the form Plyr, video.js and
 * Vidstack read. `sheetUrl(n)` gives sheet n's URL (1-based); it must not hold a line break.
 */
export function previewsVtt(index: PreviewIndex, sheetUrl: (sheet: number) => string): string {
  const { frameWidth: w, frameHeight: h, columns, rows, times } = index;
  const perSheet = columns * rows;
  const out = ['WEBVTT', ''];
  for (let i = 0; i < times.length && i < index.sheets * perSheet; i++) {
    const start = i === 0 ? 0 : times[i]!;
    const end = i + 1 < times.length ? times[i + 1]! : index.end;
    // A frame no later than the one before it would make an empty or backwards cue: the cue before covers it.
    if (!(end > start)) continue;
    const cell = i % perSheet;
    const x = (cell % columns) * w;
    const y = Math.floor(cell / columns) * h;
    out.push(`${vttTimestamp(start)} --> ${vttTimestamp(end)}`, `${sheetUrl(Math.floor(i / perSheet) + 1)}#xywh=${x},${y},${w},${h}`, '');
  }
  return out.join('\n');
}

/** Seconds as a WebVTT timestamp, hh:mm:ss.ttt (the hours always written, as every reader accepts). */
export function vttTimestamp(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}
