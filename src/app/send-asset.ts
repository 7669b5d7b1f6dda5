import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decide, type PlanBody } from '../http/decide.js';
import type { AssetFile } from './assets.js';

/** An asset's name changes with its content, so a browser never needs to ask for it again. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** A multipart boundary no asset's bytes can be expected to contain. */
const randomBoundary = () => randomBytes(12).toString('hex');

/** The bytes of a plan's body, cut from the asset held in memory. */
function bodyBytes(body: PlanBody, bytes: Buffer): Buffer | string | undefined {
  switch (body.type) {
    case 'none':
      return undefined;
    case 'text':
      return body.text;
    case 'bytes':
      return bytes.subarray(body.range.start, body.range.end + 1);
    case 'multipart':
      return Buffer.concat([
        ...body.parts.flatMap((part) => [Buffer.from(part.head), bytes.subarray(part.range.start, part.range.end + 1)]),
        Buffer.from(body.tail),
      ]);
  }
}

/**
 * Answers a GET or HEAD for an asset held in memory with the engine's full semantics: conditionals
 * (a revalidation is a 304), ranges, and the headers of any file answer.
 */
export function sendAsset(req: IncomingMessage, res: ServerResponse, asset: AssetFile): void {
  const plan = decide(
    { method: req.method ?? 'GET', headers: req.headers },
    { size: asset.bytes.length, mtimeMs: asset.mtimeMs, etag: asset.etag, contentType: asset.type },
    { now: Date.now(), name: '', cacheControl: ASSET_CACHE_CONTROL, boundary: randomBoundary },
  );
  res.writeHead(plan.status, plan.headers);
  res.end(bodyBytes(plan.body, asset.bytes));
}
