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

/** The card's data-mime is the file's codec string; the browser says whether it can decode it. */
function markUnplayable(): void {
  const tester = document.createElement('video');
  for (const card of cards) {
    const type = card.dataset.mime;
    if (type === undefined || tester.canPlayType(type) !== '') continue;
    const badge = document.createElement('span');
    badge.className = 'badge bad';
    badge.textContent = 'May not play in this browser';
    badge.title = type;
    card.querySelector('.badges')?.append(badge);
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
