import type { EnginePage } from './browsers.js';

/** What an engine says about one media type string. */
export interface MediaSupportAnswer {
  /** `HTMLMediaElement.canPlayType(type)`: '', 'maybe' or 'probably'. */
  canPlayType: '' | 'maybe' | 'probably';
  /** `MediaSource.isTypeSupported(type)`, or null when the engine has no MediaSource. */
  isTypeSupported: boolean | null;
}

/**
 * Asks the engine a page belongs to about each type string: what a <video> says to canPlayType, and
 * what MediaSource says to isTypeSupported. The answers are keyed by the type string, in the order
 * given. The page may be any page of the engine (about:blank included): the answers are the engine's.
 */
export async function mediaSupport(page: EnginePage, types: readonly string[]): Promise<Record<string, MediaSupportAnswer>> {
  const answers = await page.evaluate<[string, MediaSupportAnswer][]>(
    `(types) => {
      const video = document.createElement('video');
      return types.map((type) => [type, {
        canPlayType: video.canPlayType(type),
        isTypeSupported: typeof MediaSource === 'undefined' ? null : MediaSource.isTypeSupported(type),
      }]);
    }`,
    types,
  );
  return Object.fromEntries(answers);
}
