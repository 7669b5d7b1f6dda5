import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressReporter } from '../../src/app/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 80, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

const at = (done: number, finished = false) => ({ done, total: 4, current: `clip${done}.mp4`, unreadable: 1, finished, elapsedMs: 1234 });

describe('progressReporter', () => {
  it('draws a bar with files done of total and the current file on a terminal, then a summary', async () => {
    const { writes, stream } = fakeStream(true);
    const lines: string[] = [];
    const report = progressReporter(stream, (l) => lines.push(l));
    report(at(1));
    report(at(2)); // within 100 ms of the last draw: skipped
    await new Promise((r) => setTimeout(r, 110));
    report(at(3));
    report(at(4, true));
    assert.deepEqual(writes, ['\r\x1b[2K[######..................] 1/4 clip1.mp4', '\r\x1b[2K[##################......] 3/4 clip3.mp4', '\r\x1b[2K']);
    assert.deepEqual(lines, ['seekable: 4 media files scanned in 1.2 s, 1 unreadable']);
  });

  it('never sends control characters from a file name to the terminal', () => {
    const { writes, stream } = fakeStream(true);
    progressReporter(stream, () => {})({ ...at(1), current: 'a\x1b]52;c;ZXZpbA==\x07b.mp4' });
    assert.deepEqual(writes, ['\r\x1b[2K[######..................] 1/4 a?]52;c;ZXZpbA==?b.mp4']);
  });

  it('writes no bar off a terminal, only the summary', () => {
    const { writes, stream } = fakeStream(false);
    const lines: string[] = [];
    const report = progressReporter(stream, (l) => lines.push(l));
    report(at(1));
    report(at(4, true));
    assert.deepEqual(writes, []);
    assert.equal(lines.length, 1);
  });
});
