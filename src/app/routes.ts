/**
 * The app's URL contract as a table: which handler a path goes to, and the rest of the path after the
 * route's prefix. Pure: no request, no response.
 */
export type RouteName =
  | 'library'
  | 'watch'
  | 'media'
  | 'stream'
  | 'poster'
  | 'previews'
  | 'subtitles'
  | 'api'
  | 'assets'
  | 'healthz'
  | 'readyz'
  | 'metrics';

interface Route {
  name: RouteName;
  /** The whole path, or, ending in "/", a prefix of it. */
  path: string;
}

const ROUTES: readonly Route[] = [
  { name: 'media', path: '/media/' },
  { name: 'stream', path: '/stream/' },
  { name: 'watch', path: '/watch/' },
  { name: 'poster', path: '/poster/' },
  { name: 'previews', path: '/previews/' },
  { name: 'subtitles', path: '/subtitles/' },
  { name: 'assets', path: '/assets/' },
  { name: 'api', path: '/api/library' },
  { name: 'api', path: '/api/library/' },
  { name: 'library', path: '/' },
  { name: 'healthz', path: '/healthz' },
  { name: 'readyz', path: '/readyz' },
  { name: 'metrics', path: '/metrics' },
];

/** Routes that serve bytes of files: the ones signed links guard. */
export const BYTE_ROUTES: ReadonlySet<RouteName> = new Set(['media', 'stream', 'poster', 'previews', 'subtitles']);

/**
 * The route of a path and what follows its prefix, keeping the prefix's last "/" (so `rest` of
 * "/media/a.mp4" is "/a.mp4", the path a handler mounted there sees); undefined for no route.
 */
export function matchRoute(pathname: string): { name: RouteName; rest: string } | undefined {
  for (const route of ROUTES) {
    if (pathname === route.path) return { name: route.name, rest: route.path.endsWith('/') ? '/' : '' };
    if (route.path.endsWith('/') && route.path !== '/' && pathname.startsWith(route.path)) {
      return { name: route.name, rest: pathname.slice(route.path.length - 1) };
    }
  }
  return undefined;
}

/**
 * The path under the app's base path (`/videos` for an app a reverse proxy forwards /videos/... to):
 * "/videos/watch/a.mp4" gives "/watch/a.mp4", "/videos" gives "/"; undefined outside it.
 */
export function underBase(pathname: string, basePath: string): string | undefined {
  if (basePath === '') return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
}

/**
 * A base path as options may give it ("videos/", "/videos", "/", "/vidéos") in the one form used:
 * "" or "/prefix", each segment percent-encoded as it appears in request paths and in links.
 */
export function normalizeBasePath(basePath: string | undefined): string {
  const segments = (basePath ?? '').split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) throw new Error(`basePath cannot hold "." or ".." segments: ${basePath}`);
  return segments.map((s) => `/${encodeURIComponent(decodeSegment(s))}`).join('');
}

/** A segment given already encoded ("vid%C3%A9os") is taken as such; one that is not, as it is. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
