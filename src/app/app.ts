import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed, textPlan } from '../http/decide.js';
import { mediaKind } from '../media/media-kind.js';
import { keyFromPath, serveKey, splitUrl, type HandlerOptions } from '../serve/handler.js';
import { fail, sendPlan } from '../serve/send.js';
import { FileSource } from '../source/file-source.js';
import { libraryPage, notFoundPage, watchPage, type ListedMedia } from './pages.js';

export interface AppOptions extends HandlerOptions {
  /** The folder of videos to serve. */
  root: string;
}

function sendHtml(req: IncomingMessage, res: ServerResponse, status: number, html: string): void {
  const body = Buffer.from(html);
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
    // Pages list what is on disk now; media responses carry their own validators.
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The `seekable serve` application: the URL contract of DESIGN.md as one request listener. */
export function createApp(options: AppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const source = new FileSource(options.root, options);

  async function library(): Promise<ListedMedia[]> {
    const items: ListedMedia[] = [];
    for await (const key of source.list()) {
      const kind = mediaKind(key);
      if (kind !== undefined) items.push({ key, kind });
    }
    return items.sort((a, b) => a.key.localeCompare(b.key));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname, query } = splitUrl(req.url ?? '/');

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendPlan(req, res, methodNotAllowed());

    if (pathname.startsWith('/media/')) {
      await serveKey(req, res, source, keyFromPath(pathname.slice('/media'.length)), {
        ...options,
        download: query.get('download') === '1',
      });
      return;
    }
    if (pathname === '/healthz') {
      const ok = await stat(options.root).then((s) => s.isDirectory(), () => false);
      return sendPlan(req, res, ok ? textPlan(200, 'ok') : textPlan(503, 'media folder unavailable'));
    }
    if (pathname === '/') return sendHtml(req, res, 200, libraryPage(await library()));
    if (pathname.startsWith('/watch/')) {
      const key = keyFromPath(pathname.slice('/watch'.length));
      const kind = key === undefined ? undefined : mediaKind(key);
      if (key !== undefined && kind !== undefined && (await source.resolve(key)) !== undefined) {
        return sendHtml(req, res, 200, watchPage({ key, kind }));
      }
    }
    sendHtml(req, res, 404, notFoundPage());
  }

  return (req, res) => {
    route(req, res).catch((err: unknown) => fail(req, res, err, options.log));
  };
}
