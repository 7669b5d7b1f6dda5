/**
 * The library page's script: badges for codecs this browser lacks, instant filtering, sort on change,
 * lazy frames, and posters that failed to load taken away. The page works without it: the cards are
 * links, and the filter form submits to the server.
 *
 * One self-contained module: the server serves each script under a hashed name, so a script cannot
 * import another by a fixed path.
 */

/** The element a selector names, of the type needed; throwing at once names what is missing. */
function required<T extends Element>(selector: string, type: abstract new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`seekable: the page has no ${type.name} at ${selector}`);
  return found;
}

const cards = [...document.querySelectorAll<HTMLElement>('.card')];

/** The engines of the playability table (src/media/playability.ts), and one engine's verdict on a file. */
type Engine = 'chromium' | 'firefox' | 'safari';
interface EngineVerdict {
  verdict: 'plays' | 'no' | 'depends';
  reasons: string[];
}
type Playability = Record<Engine, EngineVerdict> & { fix?: string };

/**
 * The engine of the table this browser is, from its user agent; undefined for one the table does not
 * describe. Every browser on iOS is Safari's engine. WebKitGTK (GNOME Web) says "Safari" too but
 * decodes through GStreamer, so on Linux a WebKit browser is left to canPlayType.
 */
function thisEngine(): Engine | undefined {
  const ua = navigator.userAgent;
  if (/CriOS|FxiOS|EdgiOS/.test(ua)) return 'safari';
  if (/Firefox\//.test(ua)) return 'firefox';
  if (/Chrom(e|ium)\//.test(ua)) return 'chromium';
  if (/AppleWebKit/.test(ua) && /Safari\//.test(ua) && !/Linux/.test(ua)) return 'safari';
  return undefined;
}

/**
 * Whether this is WebKit on Linux (WebKitGTK, WPE: GNOME Web, Epiphany), which decodes through
 * GStreamer and plays more than any engine the table describes. Measured with WebKitGTK 2.50.6
 * (MiniBrowser, user agent "(X11; Linux x86_64) AppleWebKit/605.1.15 ... Safari/605.1.15"): an AVI of
 * MPEG-4 Part 2 and MP3, which every column of the table says no browser plays, plays at 320x240.
 */
function gstreamerWebKit(): boolean {
  const ua = navigator.userAgent;
  return /AppleWebKit/.test(ua) && !/Chrom(e|ium)\//.test(ua) && /Linux/.test(ua);
}

/** The table's verdicts on a card's file, from its data-playability. */
function verdictsOf(card: HTMLElement): Playability | undefined {
  try {
    return card.dataset.playability === undefined ? undefined : (JSON.parse(card.dataset.playability) as Playability);
  } catch {
    return undefined;
  }
}

/**
 * Marks the files this browser will not play, saying why: the playability table's verdict for this
 * engine when it is sure ("no"), else (a decoder the system may lend, or an engine the table does not
 * describe) what the browser itself answers to canPlayType on the file's codec string.
 */
function markUnplayable(): void {
  const tester = document.createElement('video');
  const engine = thisEngine();
  for (const card of cards) {
    const table = verdictsOf(card);
    const type = card.dataset.mime;
    const verdict = engine === undefined || table === undefined ? undefined : table[engine];
    let reasons: string[] | undefined;
    if (verdict?.verdict === 'no') reasons = verdict.reasons;
    else if (verdict?.verdict === 'plays') continue;
    else if (type !== undefined && tester.canPlayType(type) === '') reasons = verdict?.reasons ?? [`this browser does not decode ${type}`];
    else if (type === undefined && table !== undefined && Object.values(table).every((v) => typeof v !== 'object' || v.verdict === 'no')) {
      // No engine of the table plays it, whichever this is; but GStreamer may (an AVI does), and with
      // no type to ask canPlayType about, WebKit on Linux is told nothing rather than something wrong.
      if (gstreamerWebKit()) continue;
      reasons = table.chromium.reasons;
    }
    if (reasons === undefined) continue;
    const badge = document.createElement('span');
    badge.className = 'badge bad';
    badge.textContent = 'May not play in this browser';
    badge.title = [...reasons, ...(table?.fix === undefined ? [] : [`To convert it: ${table.fix}`])].join('\n');
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.textContent = reasons.join('; ');
    card.querySelector('.badges')?.append(badge, reason);
  }
}

/** Hides the cards whose path does not contain the typed text, and the folders left empty. */
function filterAsYouType(form: HTMLFormElement): void {
  const filter = required('form.tools input[name=q]', HTMLInputElement);
  const count = document.querySelector('.count');
  const apply = () => {
    const term = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const card of cards) {
      card.hidden = term !== '' && !(card.dataset.name ?? '').includes(term);
      if (!card.hidden) shown++;
    }
    for (const section of document.querySelectorAll<HTMLElement>('section.folder')) {
      section.hidden = section.querySelector('.card:not([hidden])') === null;
    }
    if (count !== null) count.textContent = shown === cards.length ? `${cards.length} files` : `${shown} of ${cards.length} files`;
  };
  filter.addEventListener('input', apply);
  // Sorting is the server's: the form carries the filter along, so the new order keeps it.
  required('form.tools select[name=sort]', HTMLSelectElement).addEventListener('change', () => form.submit());
}

/** Without posters a card shows the video's own frame: loaded only once the card comes near the screen. */
function loadFramesWhenSeen(): void {
  if (!('IntersectionObserver' in window)) return;
  const seen = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting || !(entry.target instanceof HTMLVideoElement)) continue;
        entry.target.preload = 'metadata';
        entry.target.src = entry.target.dataset.src ?? '';
        seen.unobserve(entry.target);
      }
    },
    { rootMargin: '200px' },
  );
  for (const frame of document.querySelectorAll('video[data-src]')) seen.observe(frame);
}

/** A poster that fails leaves the card's icon showing instead of a broken image. */
function dropBrokenPosters(): void {
  for (const img of document.querySelectorAll<HTMLImageElement>('.thumb img')) {
    // This script runs after parsing, so an image may have failed already: complete but empty.
    if (img.complete && img.naturalWidth === 0) img.remove();
    else img.addEventListener('error', () => img.remove(), { once: true });
  }
}

dropBrokenPosters();
markUnplayable();
filterAsYouType(required('form.tools', HTMLFormElement));
loadFramesWhenSeen();
