import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchRoute, normalizeBasePath, underBase } from '../../src/app/routes.js';

describe('the route table', () => {
  const cases: [string, ReturnType<typeof matchRoute>][] = [
    ['/', { name: 'library', rest: '/' }],
    ['/media/a%20b.mp4', { name: 'media', rest: '/a%20b.mp4' }],
    ['/media/', { name: 'media', rest: '/' }],
    ['/stream/a%20b.mp4', { name: 'stream', rest: '/a%20b.mp4' }],
    ['/watch/Trips/day.mp4', { name: 'watch', rest: '/Trips/day.mp4' }],
    ['/poster/a.mp4', { name: 'poster', rest: '/a.mp4' }],
    ['/previews/a%20b.mp4.vtt', { name: 'previews', rest: '/a%20b.mp4.vtt' }],
    ['/previews/a.mp4.2.jpg', { name: 'previews', rest: '/a.mp4.2.jpg' }],
    ['/subtitles/a.srt', { name: 'subtitles', rest: '/a.srt' }],
    ['/assets/library.0123abcd.js', { name: 'assets', rest: '/library.0123abcd.js' }],
    ['/api/library', { name: 'api', rest: '' }],
    ['/api/library/a.mp4', { name: 'api', rest: '/a.mp4' }],
    ['/healthz', { name: 'healthz', rest: '' }],
    ['/media', undefined],
    ['/healthz/', undefined],
    ['/api/libraryx', undefined],
    ['/nope', undefined],
    ['', undefined],
  ];
  for (const [path, expected] of cases)
    it(`${JSON.stringify(path)} → ${expected?.name ?? 'no route'}`, () => assert.deepEqual(matchRoute(path), expected));
});

describe('base paths', () => {
  it('are normalized to "" or "/prefix"', () => {
    assert.equal(normalizeBasePath(undefined), '');
    assert.equal(normalizeBasePath('/'), '');
    assert.equal(normalizeBasePath('videos'), '/videos');
    assert.equal(normalizeBasePath('/videos/'), '/videos');
    assert.equal(normalizeBasePath('/a/b'), '/a/b');
    assert.equal(normalizeBasePath('/vidéos'), '/vid%C3%A9os'); // as browsers send it, and as links need it
    assert.equal(normalizeBasePath('/vid%C3%A9os/'), '/vid%C3%A9os');
    assert.equal(normalizeBasePath('/my videos'), '/my%20videos');
    assert.throws(() => normalizeBasePath('/a/../b'), /"\." or "\.\." segments/);
  });

  it('strip their prefix, and only at a segment boundary', () => {
    assert.equal(underBase('/videos/watch/a.mp4', '/videos'), '/watch/a.mp4');
    assert.equal(underBase('/videos', '/videos'), '/');
    assert.equal(underBase('/videos/', '/videos'), '/');
    assert.equal(underBase('/videosx/a', '/videos'), undefined);
    assert.equal(underBase('/other', '/videos'), undefined);
    assert.equal(underBase('/anything', ''), '/anything');
  });
});
