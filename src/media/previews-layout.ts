/** How a video's previews are laid out: how far apart frames are, and the sheets they go on. */
export interface PreviewLayout {
  /** The width of a time cell, in seconds: ffmpeg takes the first keyframe of each cell, so frames are this far apart on average. */
  interval: number;
  /** Frames per row of a sheet. */
  columns: number;
  /** Rows per sheet: only as many as the frames can fill, so a short video's single sheet has no empty rows. */
  rows: number;
  /** Most sheets made, which bounds the frames whatever the duration turns out to be. */
  maxSheets: number;
}

/** About this many frames, which fill one sheet... */
const TARGET_FRAMES = 100;
/** ...a frame every 2 s at least (closer is more than a bar can show)... */
const MIN_INTERVAL = 2;
/** ...and every 10 s at most, unless that makes more than MAX_FRAMES. */
const MAX_INTERVAL = 10;
/** 500 frames: a frame every 14 s of a two-hour film, finer than a 1,280-pixel bar can point (5.6 s a pixel). */
const MAX_FRAMES = 500;
/** A sheet of 10 × 10 frames of 160 × 90 is 1,600 × 900 pixels: a few hundred KiB, loaded when first pointed at. */
const COLUMNS = 10;
const MAX_ROWS = 10;

/**
 * The layout for a video of `duration` seconds (undefined when unknown): about 100 frames, one every
 * 2 to 10 seconds, and at most MAX_FRAMES (a longer video spaces them further apart). Cells of
 * duration / (n - 1) hold at most n frames, frame 0 included: 100 fill one sheet, never spill onto a second.
 */
export function previewLayout(duration: number | undefined): PreviewLayout {
  const known = duration !== undefined && Number.isFinite(duration) && duration > 0;
  const spread = (frames: number) => duration! / (frames - 1);
  const interval = known ? Math.max(Math.min(Math.max(spread(TARGET_FRAMES), MIN_INTERVAL), MAX_INTERVAL), spread(MAX_FRAMES)) : MAX_INTERVAL;
  // One frame a cell at most, so there are at most floor(duration / interval) + 1 of them.
  const most = known ? Math.floor(duration / interval) + 1 : MAX_FRAMES;
  const perSheet = COLUMNS * MAX_ROWS;
  return {
    interval,
    columns: COLUMNS,
    rows: Math.min(MAX_ROWS, Math.ceil(most / COLUMNS)),
    maxSheets: Math.ceil(MAX_FRAMES / perSheet),
  };
}
