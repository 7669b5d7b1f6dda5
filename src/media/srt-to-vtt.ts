/**
 * SubRip to WebVTT, for <track> (browsers read only WebVTT).
 * Handles: a UTF-8 BOM, CRLF and lone CR line ends, files that are not UTF-8 (read as Windows-1252,
 * what most old SRT files are), timestamps with "," or "." and with or without hours, cue numbers
 * (kept as cue identifiers), a missing trailing newline, and styling: <i> <b> <u> pass through, which
 * WebVTT shares; <font> tags and {\an8}-style override codes, which it does not, are dropped.
 */

const TIME = /(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})/;
const TIMING = new RegExp(`^\\s*${TIME.source}\\s*-->\\s*${TIME.source}(.*)$`);

// Windows-1252's 0x80–0x9F, where it differs from ISO-8859-1 (Node 20's TextDecoder decodes the
// "windows-1252" label as ISO-8859-1, so those bytes would come out as control characters).
const CP1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Decodes bytes as UTF-8 when they are valid UTF-8, else as Windows-1252. */
export function decodeSubtitles(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let text = '';
    for (const b of bytes) text += b >= 0x80 && b < 0xa0 ? CP1252[b - 0x80] : String.fromCharCode(b);
    return text;
  }
}

function timestamp(h: string | undefined, m: string, s: string, ms: string): string {
  const pad = (v: string, n: number) => v.padStart(n, '0');
  return `${pad(h ?? '0', 2)}:${pad(m, 2)}:${pad(s, 2)}.${ms.padEnd(3, '0')}`;
}

function cleanText(line: string): string {
  return (
    line
      // Neither class may cross the next opening character: "[^}]*" would rescan the rest of the line from
      // every "{\\" (quadratic, minutes for a hostile 10 MB line).
      .replace(/\{\\[^{}]*\}/g, '') // {\an8}, {\i1}: SSA override codes
      .replace(/<\/?font[^<>]*>/gi, '')
      .replace(/<(\/?)([ibu])>/gi, (_, slash: string, tag: string) => `<${slash}${tag.toLowerCase()}>`)
      .replace(/-->/g, '->')
  ); // "-->" inside cue text would end the cue in WebVTT
}

const isNumber = (line: string | undefined) => line !== undefined && /^\d+$/.test(line.trim());

export function srtToVtt(srt: string): string {
  const lines = srt
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const starts = lines.flatMap((line, i) => (TIMING.test(line) ? [i] : []));
  const cues = starts.map((start, k) => {
    const [, h1, m1, s1, ms1, h2, m2, s2, ms2] = TIMING.exec(lines[start]!)!;
    let end = starts[k + 1] ?? lines.length;
    if (k + 1 < starts.length && isNumber(lines[end - 1])) end--; // the next cue's number
    // Blank lines inside a cue's text would end the cue early in WebVTT: they are dropped.
    const text = lines
      .slice(start + 1, end)
      .filter((l) => l.trim() !== '')
      .map((l) => cleanText(l.trim()));
    const id = isNumber(lines[start - 1]) ? [lines[start - 1]!.trim()] : [];
    return [...id, `${timestamp(h1, m1!, s1!, ms1!)} --> ${timestamp(h2, m2!, s2!, ms2!)}`, ...text].join('\n');
  });
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}
