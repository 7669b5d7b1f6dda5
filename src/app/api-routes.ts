import { documentPlan } from '../http/decide.js';
import { keyFromPath } from '../serve/request-target.js';
import type { AppContext, Call } from './context.js';

const json = (status: number, data: unknown) =>
  documentPlan(status, 'application/json; charset=utf-8', `${JSON.stringify(data)}\n`, { 'Cache-Control': 'no-cache' });

/** GET /api/library (every entry, and how far the scan is) and /api/library/<key> (one entry). */
export async function api(app: AppContext, call: Call, rest: string): Promise<void> {
  await app.catalog.catchUp();
  if (rest === '' || rest === '/') {
    const { done, total, finished } = app.catalog.status;
    return call.send(json(200, { scanning: !finished, progress: { done, total }, entries: app.catalog.list().map(await app.viewer(call)) }));
  }
  const entry = await app.entry(keyFromPath(rest));
  if (entry === undefined) return call.send(json(404, { error: 'not found' }));
  call.send(json(200, (await app.viewer(call))(entry)));
}
