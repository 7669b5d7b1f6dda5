import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSubtitles, srtToVtt } from '../../src/media/srt-to-vtt.js';

describe('srtToVtt', () => {
  it('converts a plain file', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nTwo\nlines\n';
    assert.equal(srtToVtt(srt), 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello\n\n2\n00:00:03.000 --> 00:00:04.000\nTwo\nlines\n');
  });

  it('strips a BOM and handles CRLF and lone CR', () => {
    const srt = '\uFEFF1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\n2\r00:00:03,000 --> 00:00:04,000\rB\r';
    assert.equal(srtToVtt(srt), 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nA\n\n2\n00:00:03.000 --> 00:00:04.000\nB\n');
  });

  it('handles a missing trailing newline', () => {
    assert.equal(srtToVtt('1\n00:00:01,000 --> 00:00:02,000\nEnd'), 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nEnd\n');
  });

  it('fills in hour-less and short timestamps', () => {
    assert.equal(srtToVtt('1\n01:02,5 --> 1:03,50\nX\n'), 'WEBVTT\n\n1\n00:01:02.500 --> 00:01:03.500\nX\n');
  });

  it('keeps hours past 99', () => {
    assert.match(srtToVtt('1\n100:00:00,000 --> 100:00:01,000\nX\n'), /100:00:00\.000 --> 100:00:01\.000/);
  });

  it('keeps <i> <b> <u>, drops <font> and {\\an8} codes', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<I>Top</I> <font color="#ff0000">red</font> <b>bold</b>\n';
    assert.equal(srtToVtt(srt), 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<i>Top</i> red <b>bold</b>\n');
  });

  it('removes blank lines inside a cue and never lets text end a cue', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,000\nA --> B\n\n\nmore\n\n2\n00:00:03,000 --> 00:00:04,000\nC\n';
    assert.equal(srtToVtt(srt), 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nA -> B\nmore\n\n2\n00:00:03.000 --> 00:00:04.000\nC\n');
  });

  it('cues without numbers, and junk before the first cue', () => {
    const srt = 'junk\n00:00:01,000 --> 00:00:02,000\nA\n\n00:00:03.000 --> 00:00:04.000\nB\n';
    assert.equal(srtToVtt(srt), 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\n\n00:00:03.000 --> 00:00:04.000\nB\n');
  });

  it('an empty file is an empty WebVTT file', () => assert.equal(srtToVtt(''), 'WEBVTT\n\n\n'));
});

describe('decodeSubtitles', () => {
  it('reads UTF-8 and drops its BOM', () => assert.equal(decodeSubtitles(Buffer.from('\uFEFFÉté', 'utf8')), 'Été'));
  it('reads bytes that are not UTF-8 as Windows-1252', () =>
    assert.equal(decodeSubtitles(Buffer.from([0xc9, 0x74, 0xe9, 0x20, 0x93, 0x71, 0x94].map(Number))), 'Été “q”'));
});
