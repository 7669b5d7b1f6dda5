import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatResolution, formatSize, playbackType } from '../../src/app/format.js';

describe('format', () => {
  it('durations', () => {
    assert.deepEqual([0, 5.4, 65, 3600, 3725.6, undefined].map(formatDuration), ['0:00', '0:05', '1:05', '1:00:00', '1:02:06', '']);
  });
  it('sizes in decimal units', () => {
    assert.deepEqual([0, 999, 1000, 45_300, 623_855, 1.5e9].map(formatSize), ['0 B', '999 B', '1.0 kB', '45 kB', '624 kB', '1.5 GB']);
  });
  it('resolutions', () => {
    assert.equal(formatResolution(1920, 1080), '1080p');
    assert.equal(formatResolution(1080, 1920), '1080p'); // portrait phone video
    assert.equal(formatResolution(3840, 2160), '4K');
    assert.equal(formatResolution(640, 352), '640×352');
    assert.equal(formatResolution(undefined, undefined), '');
  });
});

describe('playbackType: what to ask canPlayType', () => {
  const entry = { path: 'a.mp4', kind: 'video' as const, container: 'mp4', videoCodec: 'avc1.64001f', audioCodec: 'mp4a.40.2' };
  it('MP4 with codecs', () => assert.equal(playbackType(entry), 'video/mp4; codecs="avc1.64001f, mp4a.40.2"'));
  it('MOV asks as MP4', () => assert.equal(playbackType({ ...entry, container: 'mov' }), 'video/mp4; codecs="avc1.64001f, mp4a.40.2"'));
  it('Matroska asks as itself (Safari has no Matroska demuxer: asking as WebM would promise it the file)', () =>
    assert.equal(
      playbackType({ ...entry, path: 'a.mkv', container: 'matroska', videoCodec: 'avc1.64000d', audioCodec: 'mp4a.40.2' }),
      'video/x-matroska; codecs="avc1.64000d, mp4a.40.2"',
    ));
  it('Ogg video asks as video, with both codecs', () =>
    assert.equal(
      playbackType({ path: 'a.ogv', kind: 'video', container: 'ogg', videoCodec: 'theora', audioCodec: 'vorbis' }),
      'video/ogg; codecs="theora, vorbis"',
    ));
  it('audio in MP4', () =>
    assert.equal(playbackType({ ...entry, path: 'a.m4a', kind: 'audio', videoCodec: undefined }), 'audio/mp4; codecs="mp4a.40.2"'));
  it('Ogg with its codec', () =>
    assert.equal(
      playbackType({ path: 'a.ogg', kind: 'audio', container: 'ogg', videoCodec: undefined, audioCodec: 'opus' }),
      'audio/ogg; codecs="opus"',
    ));
  it('MP3 by type only', () =>
    assert.equal(playbackType({ path: 'a.mp3', kind: 'audio', container: 'mp3', videoCodec: undefined, audioCodec: 'mp3' }), 'audio/mpeg'));
  it('unknown: nothing to ask', () =>
    assert.equal(playbackType({ path: 'a.avi', kind: 'video', container: 'avi', videoCodec: undefined, audioCodec: undefined }), undefined));
});
