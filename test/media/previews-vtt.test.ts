import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { showinfoFrame } from '../../src/media/previews.js';
import { previewLayout } from '../../src/media/previews-layout.js';
import { type PreviewIndex, previewsVtt, vttTimestamp } from '../../src/media/previews-vtt.js';

/** The cues of a track as [start, end, text]. */
function cues(vtt: string): [string, string, string][] {
  return vtt
    .split('\n\n')
    .slice(1)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const [timing, text] = block.split('\n');
      const [start, end] = timing!.split(' --> ');
      return [start!, end!, text!];
    });
}

describe('the thumbnails track writer', () => {
  const index: PreviewIndex = { frameWidth: 160, frameHeight: 90, columns: 2, rows: 2, sheets: 2, times: [0.04, 3, 6, 9, 12.5], end: 14.2 };

  it('one cue per frame from its real time to the next one, the first from 0 and the last to the end', () => {
    const vtt = previewsVtt(index, (n) => `/p/v.${n}.jpg?v=1`);
    assert.ok(vtt.startsWith('WEBVTT\n\n'));
    assert.deepEqual(cues(vtt), [
      ['00:00:00.000', '00:00:03.000', '/p/v.1.jpg?v=1#xywh=0,0,160,90'],
      ['00:00:03.000', '00:00:06.000', '/p/v.1.jpg?v=1#xywh=160,0,160,90'],
      ['00:00:06.000', '00:00:09.000', '/p/v.1.jpg?v=1#xywh=0,90,160,90'],
      ['00:00:09.000', '00:00:12.500', '/p/v.1.jpg?v=1#xywh=160,90,160,90'],
      // The fifth frame starts the second sheet, at its top left.
      ['00:00:12.500', '00:00:14.200', '/p/v.2.jpg?v=1#xywh=0,0,160,90'],
    ]);
  });

  it('a frame no later than the one before it gets no cue, and the frames after it keep their places', () => {
    const vtt = previewsVtt({ ...index, times: [0, 3, 3, 9, 12.5] }, (n) => `${n}.jpg`);
    assert.deepEqual(
      cues(vtt).map(([start, , text]) => `${start} ${text}`),
      [
        '00:00:00.000 1.jpg#xywh=0,0,160,90',
        '00:00:03.000 1.jpg#xywh=0,90,160,90',
        '00:00:09.000 1.jpg#xywh=160,90,160,90',
        '00:00:12.500 2.jpg#xywh=0,0,160,90',
      ],
    );
  });

  it('frames beyond the sheets made are left out', () => {
    assert.equal(cues(previewsVtt({ ...index, sheets: 1 }, (n) => `${n}.jpg`)).length, 4);
  });

  it('timestamps: hours always, milliseconds rounded, never negative', () => {
    assert.equal(vttTimestamp(0), '00:00:00.000');
    assert.equal(vttTimestamp(3723.4567), '01:02:03.457');
    assert.equal(vttTimestamp(59.9996), '00:01:00.000');
    assert.equal(vttTimestamp(100 * 3600), '100:00:00.000');
    assert.equal(vttTimestamp(-0.04), '00:00:00.000');
  });
});

describe('the previews layout', () => {
  it('about 100 frames, 2 to 10 s apart, at most 500, on sheets of 10 columns', () => {
    // Ten minutes: 100 frames at most, which fill one sheet exactly.
    assert.deepEqual(previewLayout(600), { interval: 600 / 99, columns: 10, rows: 10, maxSheets: 5 });
    // A short video: frames 2 s apart, and only the rows they can fill.
    assert.deepEqual(previewLayout(30), { interval: 2, columns: 10, rows: 2, maxSheets: 5 });
    assert.deepEqual(previewLayout(1), { interval: 2, columns: 10, rows: 1, maxSheets: 5 });
    assert.equal(previewLayout(3600).interval, 10);
    // Two hours: 10 s apart would be 720 frames, so they are spread to 500.
    assert.equal(previewLayout(7200).interval, 7200 / 499);
    assert.equal(Math.floor(7200 / previewLayout(7200).interval) + 1, 500);
  });

  it('an unknown or absurd duration: 10 s apart, full sheets', () => {
    for (const duration of [undefined, 0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.deepEqual(previewLayout(duration), { interval: 10, columns: 10, rows: 10, maxSheets: 5 }, String(duration));
    }
  });
});

describe("reading ffmpeg's showinfo lines", () => {
  it('the time and size of a frame', () => {
    const line =
      '[Parsed_showinfo_3 @ 0x5583c6cbe940] n:   1 pts: 128000 pts_time:10.04   pos:  8500795 fmt:yuvj420p sar:1/1 s:160x90 i:P iskey:1 type:I checksum:7FEDE7DF';
    assert.deepEqual(showinfoFrame(line), { time: 10.04, width: 160, height: 90 });
  });

  it('any other line is none', () => {
    assert.equal(showinfoFrame('Input #0, mov,mp4,m4a,3gp,3g2,mj2, from file:a.mp4:'), undefined);
    assert.equal(showinfoFrame('[Parsed_showinfo_3 @ 0x1] config in time_base: 1/12800, frame_rate: 25/1'), undefined);
    assert.equal(showinfoFrame('[Parsed_showinfo_3 @ 0x1] n: 0 pts: NOPTS pts_time:NOPTS s:160x90'), undefined);
  });
});
