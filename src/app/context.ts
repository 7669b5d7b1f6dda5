import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plan } from '../http/decide.js';
import type { Catalog, CatalogEntry } from '../media/catalog.js';
import type { FaststartCache } from '../media/faststart-cache.js';
import type { Posters } from '../media/posters.js';
import type { Previews } from '../media/previews.js';
import type { Responder } from '../serve/responder.js';
import { signQuery } from '../serve/signing.js';
import type { ListableSource } from '../source/types.js';
import type { Assets } from './assets.js';
import { entryView, type EntryView, type Signer } from './entry-json.js';
import type { PageContext } from './pages.js';

/** One request as the app's routes see it: its response, and the base its links start from. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path prefix of every link this answer hands out: the Express mount path, then the base path. */
  base: string;
  send(plan: Plan): void;
}

/** What the app's routes share: the source, what is known of it, and how answers are made. */
export interface AppContext {
  source: ListableSource;
  catalog: Catalog;
  posters: Posters;
  /** The player's faststart views of files whose moov follows their media data (the /stream/ route). */
  faststart: FaststartCache;
  /** Seek-bar previews: sprite sheets and their thumbnails track, made by the same ffmpeg as the posters. */
  previews: Previews;
  responder: Responder;
  /** The pages' scripts, stylesheet and icon, read once (a missing build rejects: each page then answers 500 saying so). */
  assets: Promise<Assets>;
  /** What a page needs to link to the app: the call's base and the assets' URLs. */
  page(call: Call): Promise<PageContext>;
  /** Whether pages show posters (ffmpeg is there and posters are on). */
  postersOn(): Promise<boolean>;
  /** Whether pages offer seek-bar previews (ffmpeg is there, as far as is known yet, and previews are on). */
  previewsOn(): Promise<boolean>;
  /** Whether previews are on at all (the option): the previews route answers 404 when they are not. */
  previewsWanted: boolean;
  /** Makes the views of one answer: one posters check and one signing expiry for all of them. */
  viewer(call: Call): Promise<(entry: CatalogEntry) => EntryView>;
  /** The catalog's entry for a key, once the source confirms it would still serve it. */
  entry(key: string | undefined): Promise<CatalogEntry | undefined>;
}

/** The longest a page waits for the check that ffmpeg is there (started with the app) before it renders without posters. */
const POSTER_CHECK_WAIT_MS = 200;

/** The shared parts, with the ffmpeg check started now so that the first page does not wait for it. */
export function appContext(
  parts: Pick<AppContext, 'source' | 'catalog' | 'posters' | 'previews' | 'faststart' | 'responder' | 'assets'>,
  options: AppContextOptions,
): AppContext {
  const wantPosters = options.posters !== false;
  // Previews follow posters unless told otherwise: --no-posters means no ffmpeg jobs at all.
  const wantPreviews = (options.previews ?? options.posters) !== false;
  // Posters and previews share one ffmpeg runner, so one check answers for both.
  const check = wantPosters || wantPreviews ? parts.posters.available() : Promise.resolve(false);
  let known: boolean | undefined;
  void check.then((on) => (known = on));
  const ffmpegOn = async () => known ?? (await Promise.race([check, new Promise<boolean>((r) => setTimeout(r, POSTER_CHECK_WAIT_MS, false))]));
  const postersOn = async () => wantPosters && (await ffmpegOn());
  const previewsOn = async () => wantPreviews && (await ffmpegOn());
  const secrets = options.secrets?.length ? options.secrets : undefined;

  /**
   * Signs the links handed out now. Expiries are rounded up to a window (an hour, or the TTL when
   * shorter), so a link stays the same for a while and caches, posters above all, keep hitting;
   * a link is valid for between one and two windows' worth of TTL.
   */
  const signer = (): Signer | undefined => {
    if (secrets === undefined) return undefined;
    const ttl = options.signTtl ?? 3600;
    const window = Math.min(3600, ttl);
    const expires = Math.ceil((Date.now() / 1000 + ttl) / window) * window;
    return { expires, query: (key) => signQuery(key, secrets[0]!, { expires }) };
  };

  return {
    ...parts,
    postersOn,
    previewsOn,
    previewsWanted: wantPreviews,
    async page(call) {
      return { base: call.base, assets: (await parts.assets).urls };
    },
    async viewer(call) {
      const options = { posters: await postersOn(), previews: await previewsOn(), signer: signer(), base: call.base };
      return (entry) => entryView(entry, options);
    },
    async entry(key) {
      const entry = key === undefined ? undefined : parts.catalog.get(key);
      if (entry === undefined) return undefined;
      // A check, not a read: nothing kept open for it (an open-file cache hit counts as recently read).
      const resource = await parts.source.lookup(entry.path, { keep: false });
      resource?.release();
      return resource === undefined ? undefined : entry;
    },
  };
}

/** The options of createApp that the shared context reads. */
export interface AppContextOptions {
  posters?: boolean;
  previews?: boolean;
  secrets?: readonly string[];
  signTtl?: number;
}
