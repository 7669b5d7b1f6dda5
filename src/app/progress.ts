import type { ScanProgress } from '../media/catalog.js';

/**
 * Draws scan progress on a terminal (`stream`, when it is one): a bar, files done of total, and the
 * current file, redrawn at most ten times a second. The closing summary goes to `log` either way.
 */
export function progressReporter(stream: NodeJS.WriteStream, log: (line: string) => void): (p: ScanProgress) => void {
  let lastDraw = 0;
  let drawn = false;
  return (p) => {
    if (p.finished) {
      if (drawn) stream.write('\r\x1b[2K');
      const unreadable = p.unreadable > 0 ? `, ${p.unreadable} unreadable` : '';
      log(`seekable: ${p.total} media files scanned in ${(p.elapsedMs / 1000).toFixed(1)} s${unreadable}`);
      drawn = false;
      return;
    }
    const now = Date.now();
    if (!stream.isTTY || now - lastDraw < 100) return;
    lastDraw = now;
    drawn = true;
    const width = 24;
    const filled = p.total === 0 ? 0 : Math.round((p.done / p.total) * width);
    // A file name is not ours to send to a terminal raw: ESC sequences could retitle it or set the clipboard.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this replaces
    const name = (p.current ?? '').replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
    const room = Math.max(10, (stream.columns ?? 80) - width - 30);
    const shown = name.length > room ? `…${name.slice(-room + 1)}` : name;
    stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${shown}`);
  };
}
