/**
 * The player page's script: resume, keyboard, speed, copy link at the current time, signed-link
 * renewal, seek-bar previews, reloading after a network error (an expired store link), and a plain
 * message when the browser cannot play the file. The page works without it: the player is a <video
 * controls> (or <audio controls>).
 *
 * One self-contained module: the server serves each script under a hashed name, so a script cannot
 * import another by a fixed path.
 */

/** What this script reads of the entry the page embeds as JSON (the API's entry view). */
interface EntryData {
  path: string;
  url: string;
  streamUrl: string;
  downloadUrl: string;
  mime: string | null;
  container: string;
  videoCodec: string | null;
  audioCodec: string | null;
  /** The WebVTT thumbnails track of the seek-bar previews; null when there are none. */
  previewsUrl: string | null;
  /** The duration the server read from the file, in seconds. */
  duration: number | null;
  /** When the signed links expire (Unix seconds); null when links are not signed. */
  expires: number | null;
}

/** A saved position: where, of how long, and when it was saved. */
interface SavedPosition {
  t: number;
  d: number;
  at: number;
}

/** The element a selector names, of the type needed; throwing at once names what is missing. */
function required<T extends Element>(selector: string, type: abstract new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`seekable: the page has no ${type.name} at ${selector}`);
  return found;
}

const main = required('main.player', HTMLElement);
const media = required('#player', HTMLMediaElement);
const notice = required('#notice', HTMLElement);
const speed = required('#speed', HTMLSelectElement);
const download = required('#download', HTMLAnchorElement);
let entry = JSON.parse(required('#entry', HTMLScriptElement).textContent ?? 'null') as EntryData;
/** Where the fresh entry is fetched from: the page says it, so the app can live under any prefix. */
const entryApi = main.dataset.entryApi ?? '';

/**
 * Runs `act` once the media's metadata is known: at once if it already is. A module script runs after
 * the document is parsed, and Firefox, loading metadata from its cache on a reload, has fired
 * 'loadedmetadata' by then (measured in Firefox ESR 153): a listener alone would never hear it.
 */
function whenMetadata(act: () => void): void {
  if (media.readyState >= HTMLMediaElement.HAVE_METADATA) act();
  else media.addEventListener('loadedmetadata', act, { once: true });
}

/**
 * Plays, and lets a refused or interrupted play() go: the player then simply stays paused, which the
 * user sees, and real failures arrive as the media element's 'error' event.
 */
function play(): void {
  media.play().catch(() => {});
}

/** Seconds as 1:02:03 or 2:03. */
function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${h > 0 ? `${h}:${pad(m)}` : m}:${pad(s % 60)}`;
}

/** Shows the notice with these nodes; strings become text, never markup. */
function say(bad: boolean, ...content: (Node | string)[]): void {
  notice.replaceChildren(...content);
  notice.classList.toggle('bad', bad);
  notice.hidden = false;
}

function button(id: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = id;
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

function cannotPlay(reason: string): void {
  const link = document.createElement('a');
  link.href = entry.downloadUrl;
  link.download = '';
  link.textContent = 'Download it';
  say(true, `This browser cannot play this file: ${reason}. `, link, ' to watch it in another player.');
}

function explainUnplayable(): void {
  if (entry.mime !== null && media.canPlayType(entry.mime) === '') {
    cannotPlay(`it does not support ${entry.videoCodec || entry.audioCodec || entry.container} (${entry.mime})`);
  }
  const reasons: Record<number, string> = {
    1: 'loading was aborted',
    2: 'a network error stopped it',
    3: 'the data could not be decoded',
    4: 'the format or codec is not supported',
  };
  media.addEventListener('error', () => {
    if (!reloadAfterNetworkError()) cannotPlay((media.error && reasons[media.error.code]) || 'unknown error');
  });
}

/** When this page reloaded its media (ms since page load), most recent last. */
const reloads: number[] = [];
let metadataSeen = false;
whenMetadata(() => {
  metadataSeen = true;
});

/**
 * Loads the media URL again where it was, keeping speed and play state; at most 3 times a minute, so
 * a file that truly fails still says so. True when it reloaded. The player's route may hand the browser
 * to a store's presigned URL (redirect mode), which expires mid-film: asked again, it hands out a
 * fresh one.
 */
function reloadWhereItWas(): boolean {
  if (!metadataSeen) return false;
  const now = performance.now();
  while (reloads.length > 0 && now - reloads[0]! > 60_000) reloads.shift();
  if (reloads.length >= 3) return false;
  reloads.push(now);
  loadWhereItWas(entry.streamUrl);
  return true;
}

/** Moves the player to `url` keeping its place, speed and play state. */
function loadWhereItWas(url: string): void {
  const { currentTime, paused, playbackRate } = media;
  media.src = url;
  media.currentTime = currentTime;
  media.playbackRate = playbackRate;
  if (!paused) play();
}

/** A network error once the media had started (an expired store link, a lost connection): reload. */
function reloadAfterNetworkError(): boolean {
  const code = media.error?.code;
  return (code === MediaError.MEDIA_ERR_NETWORK || code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED) && reloadWhereItWas();
}

/**
 * 'stalled' while starving: no byte for about 3 s where playback needs them. Chromium answers an
 * expired store link's 403 by retrying the same URL with backoff, forever and without an error event
 * (measured: the answer is blocked as an opaque cross-origin response), so this is where it shows.
 */
function reloadWhenStalled(): void {
  media.addEventListener('stalled', () => {
    if (media.readyState < HTMLMediaElement.HAVE_FUTURE_DATA && (!media.paused || media.seeking)) reloadWhereItWas();
  });
}

/** Resume: the position is saved as you watch and offered when you come back; ?t= wins over it. */
function rememberPosition(): void {
  const key = `seekable:position:${entry.path}`;
  const startAt = parseFloat(new URLSearchParams(location.search).get('t') ?? '');
  let saved: SavedPosition | null = null;
  try {
    saved = JSON.parse(localStorage.getItem(key) ?? 'null') as SavedPosition | null;
  } catch {
    saved = null;
  }
  let lastSave = 0;
  const save = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastSave < 2000) return;
    lastSave = now;
    if (media.ended || media.currentTime < 5) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify({ t: media.currentTime, d: media.duration, at: now } satisfies SavedPosition));
  };
  media.addEventListener('timeupdate', () => save(false));
  media.addEventListener('pause', () => save(true));
  media.addEventListener('ended', () => localStorage.removeItem(key));
  window.addEventListener('pagehide', () => save(true));

  whenMetadata(() => {
    if (startAt >= 0 && startAt < media.duration) {
      media.currentTime = startAt;
    } else if (saved !== null && saved.t > 5 && saved.t < media.duration - 5) {
      const at = saved.t;
      say(
        false,
        `You stopped at ${clock(at)}. `,
        button('resume', 'Resume', () => {
          media.currentTime = at;
          notice.hidden = true;
          play();
        }),
        button('restart', 'Start over', () => {
          localStorage.removeItem(key);
          notice.hidden = true;
          play();
        }),
      );
    }
  });
}

/** The speed menu sets the rate, and follows it when the keyboard changes it. */
function syncSpeed(): void {
  speed.addEventListener('change', () => {
    media.playbackRate = parseFloat(speed.value);
  });
  media.addEventListener('ratechange', () => {
    const option = [...speed.options].find((o) => parseFloat(o.value) === media.playbackRate);
    if (option !== undefined) speed.value = option.value;
  });
}

function copyLinkAtTime(): void {
  const copy = required('#copy-link', HTMLButtonElement);
  copy.addEventListener('click', () => {
    const link = `${location.origin}${location.pathname}?t=${Math.floor(media.currentTime)}`;
    const done = () => {
      copy.textContent = `Copied ${clock(media.currentTime)}`;
      setTimeout(() => {
        copy.textContent = 'Copy link at current time';
      }, 2000);
    };
    // The clipboard API exists only in secure contexts (https, localhost); elsewhere the user copies.
    if (window.isSecureContext && navigator.clipboard !== undefined) {
      navigator.clipboard.writeText(link).then(done, () => prompt('Link', link));
    } else {
      prompt('Link', link);
    }
  });
}

/**
 * Signed links expire. Halfway through their life the page asks the API for fresh ones and moves the
 * player over, keeping its place, speed and play state, so playback never meets a 410.
 */
function renewSignedLinks(onRenewed: (fresh: EntryData) => void): void {
  const schedule = (expires: number | null) => {
    if (expires === null || entryApi === '') return;
    // setTimeout takes at most 2^31 - 1 ms (24.8 days); a longer delay fires at once, and would renew in a loop.
    setTimeout(renew, Math.min(2 ** 31 - 1, Math.max(1000, (expires * 1000 - Date.now()) / 2)));
  };
  const renew = () => {
    fetch(entryApi)
      .then((r) => (r.ok ? (r.json() as Promise<EntryData>) : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((fresh) => {
        entry = fresh;
        loadWhereItWas(fresh.streamUrl);
        download.href = fresh.downloadUrl;
        onRenewed(fresh);
        schedule(fresh.expires);
      })
      .catch(() => setTimeout(renew, 10_000));
  };
  schedule(entry.expires);
}

function keyboard(): void {
  const rates = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const nudgeRate = (step: number) => {
    let i = rates.indexOf(media.playbackRate);
    if (i < 0) i = rates.indexOf(1);
    media.playbackRate = rates[Math.max(0, Math.min(rates.length - 1, i + step))] ?? 1;
  };
  const seekBy = (s: number) => {
    media.currentTime = Math.max(0, Math.min(media.duration || 0, media.currentTime + s));
  };
  const togglePlay = () => {
    if (media.paused) play();
    else media.pause();
  };
  const toggleFullScreen = () => {
    if (document.fullscreenElement !== null) document.exitFullscreen().catch(() => {});
    else media.requestFullscreen().catch(() => {}); // refused outside a user gesture or by the embedder
  };
  const actions: Record<string, () => void> = {
    ' ': togglePlay,
    k: togglePlay,
    ArrowLeft: () => seekBy(-5),
    ArrowRight: () => seekBy(5),
    j: () => seekBy(-10),
    l: () => seekBy(10),
    ArrowUp: () => {
      media.volume = Math.min(1, media.volume + 0.1);
    },
    ArrowDown: () => {
      media.volume = Math.max(0, media.volume - 0.1);
    },
    m: () => {
      media.muted = !media.muted;
    },
    f: toggleFullScreen,
    '<': () => nudgeRate(-1),
    '>': () => nudgeRate(1),
  };
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // Keys typed into a control belong to it (Space presses a button, arrows move a select).
    if (event.target instanceof Element && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(event.target.tagName)) return;
    const action = Object.hasOwn(actions, event.key) ? actions[event.key] : undefined;
    if (action === undefined) return;
    action();
    event.preventDefault();
  });
}

/** One cue of a thumbnails track: its time span, and the rectangle of a sheet that shows it. */
interface PreviewCue {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A WebVTT timestamp ("01:02:03.456" or "02:03.456") in seconds; NaN if it is none. */
function vttSeconds(text: string): number {
  const m = /^(?:(\d+):)?(\d{2}):(\d{2}(?:\.\d{1,3})?)$/.exec(text);
  return m === null ? Number.NaN : Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/**
 * The cues of a WebVTT thumbnails track, each "<start> --> <end>" followed by "<url>#xywh=x,y,w,h";
 * URLs are resolved against the track's own URL. Cues of any other form are skipped.
 */
function thumbnailCues(text: string, trackUrl: string): PreviewCue[] {
  const cues: PreviewCue[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    const lines = block.split('\n');
    const at = lines.findIndex((line) => line.includes('-->'));
    const timing = at < 0 ? undefined : lines[at];
    const payload = at < 0 ? undefined : lines[at + 1]?.trim();
    if (timing === undefined || payload === undefined) continue;
    const [from = '', to = ''] = timing.split('-->').map((side) => side.trim().split(/\s+/)[0] ?? '');
    const place = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(payload);
    const start = vttSeconds(from);
    const end = vttSeconds(to);
    if (place === null || !(end > start)) continue;
    const [, url = '', x, y, w, h] = place;
    let href: string;
    try {
      href = new URL(url, trackUrl).href;
    } catch {
      continue; // not a URL: this cue shows nothing
    }
    cues.push({ start, end, url: href, x: Number(x), y: Number(y), w: Number(w), h: Number(h) });
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue showing time `t`: the last one that starts at or before it, if it has not ended. */
function cueAt(cues: PreviewCue[], t: number): PreviewCue | undefined {
  let lo = 0;
  let hi = cues.length - 1;
  let found: PreviewCue | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const cue = cues[mid]!;
    if (cue.start <= t) {
      found = cue;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found !== undefined && t < found.end ? found : undefined;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  made.className = className;
  return made;
}

/**
 * Seek-bar previews. The native controls draw their progress bar inside the browser's own shadow
 * tree, whose geometry no page can read (and which differs between Chromium, Firefox and Safari, and
 * with the player's width): an overlay could not tell where that bar is, and would take its pointer
 * events. So the previews get a bar of our own under the video, which appears once the thumbnails
 * track has loaded: hovering it (mouse) or dragging on it (mouse, pen, touch: pointer events, with the
 * pointer captured so a drag may leave the bar) shows the frame under the pointer and its time, and
 * releasing seeks there. Without previews the page is as it was. Returns a function that loads a
 * fresh track URL (renewed signed links).
 */
function seekPreviews(): (url: string | null) => void {
  let cues: PreviewCue[] = [];
  let loaded: string | null = null;
  let built = false;

  const duration = () => (Number.isFinite(media.duration) ? media.duration : (entry.duration ?? cues[cues.length - 1]?.end ?? 0));

  const build = () => {
    const root = element('div', 'seekbar');
    root.setAttribute('role', 'slider');
    root.setAttribute('aria-label', 'Seek (shows previews)');
    root.tabIndex = 0;
    const track = element('div', 'seekbar-track');
    const played = element('div', 'seekbar-played');
    track.append(played);
    const preview = element('div', 'seek-preview');
    const frame = element('div', 'seek-preview-frame');
    const image = element('img', 'seek-preview-image');
    image.alt = '';
    image.decoding = 'async';
    const time = element('span', 'seek-preview-time');
    frame.append(image);
    preview.append(frame, time);
    preview.hidden = true;
    root.append(track, preview);

    let dragging: number | undefined;
    const showPlayed = (fraction: number) => {
      played.style.width = `${(fraction * 100).toFixed(3)}%`;
    };
    const fractionAt = (clientX: number) => {
      const box = root.getBoundingClientRect();
      return box.width > 0 ? Math.min(1, Math.max(0, (clientX - box.left) / box.width)) : 0;
    };
    const show = (fraction: number) => {
      const width = root.getBoundingClientRect().width;
      const t = fraction * duration();
      const cue = cueAt(cues, t);
      time.textContent = clock(t);
      frame.hidden = cue === undefined;
      if (cue !== undefined) {
        if (image.src !== cue.url) image.src = cue.url;
        frame.style.width = `${cue.w}px`;
        frame.style.height = `${cue.h}px`;
        image.style.left = `${-cue.x}px`;
        image.style.top = `${-cue.y}px`;
      }
      const w = cue?.w ?? 0;
      preview.style.left = `${Math.min(Math.max(0, width - w), Math.max(0, fraction * width - w / 2))}px`;
      preview.hidden = false;
    };
    const hide = () => {
      preview.hidden = true;
    };
    root.addEventListener('pointermove', (event) => {
      const fraction = fractionAt(event.clientX);
      show(fraction);
      if (dragging === event.pointerId) showPlayed(fraction);
    });
    root.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      event.preventDefault(); // no text selection, no focus flicker while dragging
      dragging = event.pointerId;
      root.setPointerCapture(event.pointerId);
      root.classList.add('dragging');
      const fraction = fractionAt(event.clientX);
      show(fraction);
      showPlayed(fraction);
    });
    root.addEventListener('pointerup', (event) => {
      if (dragging !== event.pointerId) return;
      dragging = undefined;
      root.classList.remove('dragging');
      const d = duration();
      if (d > 0) media.currentTime = fractionAt(event.clientX) * d;
      if (event.pointerType !== 'mouse') hide(); // a finger lifted is not hovering anywhere
    });
    root.addEventListener('pointercancel', () => {
      dragging = undefined;
      root.classList.remove('dragging');
      hide();
    });
    root.addEventListener('pointerleave', () => {
      if (dragging === undefined) hide();
    });
    const follow = () => {
      const d = duration();
      if (dragging === undefined) showPlayed(d > 0 ? media.currentTime / d : 0);
      root.setAttribute('aria-valuemin', '0');
      root.setAttribute('aria-valuemax', String(Math.round(d)));
      root.setAttribute('aria-valuenow', String(Math.round(media.currentTime)));
      root.setAttribute('aria-valuetext', clock(media.currentTime));
    };
    for (const type of ['timeupdate', 'durationchange', 'seeking']) media.addEventListener(type, follow);
    follow();
    media.after(root);
  };

  const load = (url: string | null, attempt = 0) => {
    if (url === null || url === loaded || !(media instanceof HTMLVideoElement)) return;
    loaded = url;
    const trackUrl = new URL(url, location.href).href;
    fetch(trackUrl)
      .then((r) => (r.ok ? r.text() : undefined)) // 404: this video has none; the page stays as it is
      .then((text) => {
        if (text === undefined || loaded !== url) return;
        cues = thumbnailCues(text, trackUrl);
        if (cues.length > 0 && !built) {
          build();
          built = true;
        }
      })
      .catch(() => {
        // The first request makes the previews and may outlast a proxy's or the server's idle timeout: ask again.
        if (loaded !== url) return;
        loaded = null;
        if (attempt < 3) setTimeout(() => load(url, attempt + 1), 5000 * (attempt + 1));
      });
  };
  load(entry.previewsUrl);
  return load;
}

explainUnplayable();
reloadWhenStalled();
rememberPosition();
syncSpeed();
copyLinkAtTime();
const loadPreviews = seekPreviews();
renewSignedLinks((fresh) => loadPreviews(fresh.previewsUrl));
keyboard();
