import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EntryView } from '../../src/app/entry-json.js';
import { libraryPage, notFoundPage, watchPage, type PageContext } from '../../src/app/pages.js';

const context: PageContext = {
  base: '/videos',
  assets: {
    style: '/assets/style.11111111.css',
    library: '/assets/library.22222222.js',
    player: '/assets/player.33333333.js',
    icon: '/assets/icon.44444444.svg',
  },
};

/** An entry view as entryView would make it under /videos. */
function item(path: string, extra: Partial<EntryView> = {}): EntryView {
  const slash = path.lastIndexOf('/');
  const file = path.slice(slash + 1);
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return {
    path,
    title: file.slice(0, file.lastIndexOf('.')),
    folder: slash < 0 ? '' : path.slice(0, slash),
    kind: 'video',
    url: `/videos/media/${encoded}`,
    streamUrl: `/videos/stream/${encoded}`,
    watchUrl: `/videos/watch/${encoded}`,
    downloadUrl: `/videos/media/${encoded}?download=1`,
    posterUrl: null,
    previewsUrl: null,
    size: 1000,
    modified: '2026-01-01T00:00:00.000Z',
    container: 'mp4',
    duration: 12,
    width: 320,
    height: 240,
    videoCodec: 'avc1.64000d',
    audioCodec: null,
    mime: 'video/mp4; codecs="avc1.64000d"',
    faststart: true,
    truncated: false,
    playableDuration: null,
    playability: null,
    error: null,
    subtitles: [],
    expires: null,
    ...extra,
  };
}

/** Every URL the markup points at: links, form actions, sources, and the player's API. */
function urls(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src|action|data-src|data-entry-api)="([^"]*)"/g)].map((m) => m[1]!.replace(/&#38;/g, '&'));
}

/** In-page anchors aside, every URL a page holds must be under the base to work when mounted there. */
function outsideBase(html: string): string[] {
  return urls(html).filter((url) => !url.startsWith('#') && url !== '/videos/' && !url.startsWith('/videos/'));
}

describe('pages under a base path', () => {
  const items = [item('Trips/a.mp4'), item('Trips/b.mp4'), item('song.mp3', { kind: 'audio' })];

  it('the library: brand, filter form, folder links, cards and assets all under the base', () => {
    const html = libraryPage(context, {
      items,
      total: 3,
      query: '',
      sort: 'name',
      posters: false,
      scan: { done: 1, total: 3, unreadable: 0, finished: false, elapsedMs: 10 },
    });
    assert.deepEqual(outsideBase(html), []);
    assert.ok(html.includes('<a class="brand" href="/videos/">'));
    assert.ok(html.includes('<form class="tools" method="get" action="/videos/" role="search">'));
    assert.ok(html.includes('<a href="/videos/">Refresh</a>'));
    assert.ok(html.includes('<link rel="stylesheet" href="/videos/assets/style.11111111.css">'));
    assert.ok(html.includes('<link rel="icon" href="/videos/assets/icon.44444444.svg" type="image/svg+xml">'));
    assert.ok(html.includes('<script type="module" src="/videos/assets/library.22222222.js"></script>'));
    assert.ok(!html.includes('player.33333333'));
  });

  it('the player: breadcrumbs, neighbours, download, assets and the entry API under the base', () => {
    const html = watchPage(context, { item: items[1]!, previous: items[0]!, posters: false });
    assert.deepEqual(outsideBase(html), []);
    assert.ok(html.includes('<nav class="crumbs"><a href="/videos/">Library</a> / Trips</nav>'));
    assert.ok(html.includes('<main class="player" data-entry-api="/videos/api/library/Trips/b.mp4">'));
    assert.ok(html.includes('<script type="module" src="/videos/assets/player.33333333.js"></script>'));
  });

  it('not found: back to the library under the base', () => {
    const html = notFoundPage(context);
    assert.deepEqual(outsideBase(html), []);
    assert.ok(html.includes('<a href="/videos/">Back to the library</a>'));
  });

  it('at the root, links are plain absolute paths', () => {
    const html = notFoundPage({ ...context, base: '' });
    assert.ok(html.includes('<a class="brand" href="/">'));
    assert.ok(html.includes('<link rel="stylesheet" href="/assets/style.11111111.css">'));
  });

  it('a card shows its extension; a file without one shows none', () => {
    const html = libraryPage(
      { ...context, base: '' },
      {
        items: [item('a.tar.webm'), item('README', { title: 'README' })],
        total: 2,
        query: '',
        sort: 'name',
        posters: false,
        scan: { done: 2, total: 2, unreadable: 0, finished: true, elapsedMs: 10 },
      },
    );
    assert.deepEqual(
      [...html.matchAll(/<span class="format">([^<]*)<\/span>/g)].map((m) => m[1]),
      ['WEBM'],
    );
  });
});
