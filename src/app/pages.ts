import { escapeHtml as e, urlFor } from './html.js';
import type { MediaKind } from '../media/media-kind.js';

export interface ListedMedia {
  key: string;
  kind: MediaKind;
}

const STYLE = `
  :root { color-scheme: dark; font-family: system-ui, sans-serif; background: #111; color: #eee; }
  body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
  a { color: #8cf; text-decoration: none; } a:hover { text-decoration: underline; }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  ul.library { list-style: none; padding: 0; display: grid; gap: .5rem; }
  ul.library li { background: #1c1c1c; border-radius: .5rem; padding: .75rem 1rem; }
  .kind { color: #999; font-size: .8rem; margin-left: .5rem; }
  video, audio { width: 100%; max-height: 80vh; background: #000; border-radius: .5rem; }
  nav { margin-bottom: 1rem; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function libraryPage(items: readonly ListedMedia[]): string {
  const list =
    items.length === 0
      ? '<p>No videos found in this folder.</p>'
      : `<ul class="library">\n${items
          .map(
            (item) =>
              `<li><a href="${e(urlFor('/watch/', item.key))}">${e(item.key)}</a><span class="kind">${item.kind}</span></li>`,
          )
          .join('\n')}\n</ul>`;
  return layout('seekable', `<h1>seekable</h1>\n${list}`);
}

export function watchPage(item: ListedMedia): string {
  const src = e(urlFor('/media/', item.key));
  const tag = item.kind === 'audio' ? 'audio' : 'video';
  return layout(
    item.key,
    `<nav><a href="/">&larr; Library</a></nav>
<h1>${e(item.key)}</h1>
<${tag} id="player" controls preload="metadata" src="${src}"></${tag}>
<p><a href="${src}?download=1">Download</a></p>`,
  );
}

export function notFoundPage(): string {
  return layout('Not found', '<h1>Not found</h1>\n<p><a href="/">Back to the library</a></p>');
}
