/**
 * The pages' scripts, as plain JavaScript strings: small enough to need no bundler, and the pages
 * work without them (the library is a list of links, the player a <video controls>).
 */

/** Library: badges for codecs this browser lacks, instant filtering, sort on change, lazy frames. */
export const LIBRARY_SCRIPT = String.raw`
(function () {
  var cards = Array.prototype.slice.call(document.querySelectorAll('.card'));
  var tester = document.createElement('video');
  cards.forEach(function (card) {
    var type = card.dataset.mime;
    if (type && tester.canPlayType(type) === '') {
      var badge = document.createElement('span');
      badge.className = 'badge bad';
      badge.textContent = 'May not play in this browser';
      badge.title = type;
      card.querySelector('.badges').appendChild(badge);
    }
  });
  var form = document.querySelector('form.tools');
  var filter = form.querySelector('input[name=q]');
  var count = document.querySelector('.count');
  function apply() {
    var term = filter.value.trim().toLowerCase();
    var shown = 0;
    cards.forEach(function (card) {
      card.hidden = term !== '' && card.dataset.name.indexOf(term) < 0;
      if (!card.hidden) shown++;
    });
    document.querySelectorAll('section.folder').forEach(function (section) {
      section.hidden = !section.querySelector('.card:not([hidden])');
    });
    if (count) count.textContent = shown === cards.length ? cards.length + ' files' : shown + ' of ' + cards.length + ' files';
  }
  filter.addEventListener('input', apply);
  form.querySelector('select[name=sort]').addEventListener('change', function () { form.submit(); });
  var frames = document.querySelectorAll('video[data-src]');
  if ('IntersectionObserver' in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        entry.target.preload = 'metadata';
        entry.target.src = entry.target.dataset.src;
        seen.unobserve(entry.target);
      });
    }, { rootMargin: '200px' });
    frames.forEach(function (v) { seen.observe(v); });
  }
})();
`;

/** Player: resume, keyboard, speed, copy link at time, and a plain message when it cannot play. */
export const PLAYER_SCRIPT = String.raw`
(function () {
  var media = document.getElementById('player');
  var entry = JSON.parse(document.getElementById('entry').textContent);
  var notice = document.getElementById('notice');
  var speed = document.getElementById('speed');
  var key = 'seekable:position:' + entry.path;
  var params = new URLSearchParams(location.search);
  var startAt = parseFloat(params.get('t') || '');

  function clock(s) {
    s = Math.floor(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(r).padStart(2, '0');
  }
  function say(html, bad) {
    notice.innerHTML = html;
    notice.classList.toggle('bad', !!bad);
    notice.hidden = false;
  }
  function escapeText(s) {
    var d = document.createElement('span');
    d.textContent = s;
    return d.innerHTML;
  }
  function cannotPlay(reason) {
    say('This browser cannot play this file: ' + escapeText(reason) + '. <a href="' + entry.downloadUrl + '" download>Download it</a> to watch it in another player.', true);
  }

  if (entry.mime && media.canPlayType(entry.mime) === '') {
    cannotPlay('it does not support ' + (entry.videoCodec || entry.audioCodec || entry.container) + ' (' + entry.mime + ')');
  }
  media.addEventListener('error', function () {
    var codes = { 1: 'loading was aborted', 2: 'a network error stopped it', 3: 'the data could not be decoded', 4: 'the format or codec is not supported' };
    cannotPlay(media.error ? codes[media.error.code] || 'unknown error' : 'unknown error');
  });

  // Resume: the position is saved as you watch and offered when you come back.
  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { saved = null; }
  var lastSave = 0;
  function save(force) {
    var now = Date.now();
    if (!force && now - lastSave < 2000) return;
    lastSave = now;
    if (media.ended || media.currentTime < 5) { localStorage.removeItem(key); return; }
    localStorage.setItem(key, JSON.stringify({ t: media.currentTime, d: media.duration, at: now }));
  }
  media.addEventListener('timeupdate', function () { save(false); });
  media.addEventListener('pause', function () { save(true); });
  media.addEventListener('ended', function () { localStorage.removeItem(key); });
  window.addEventListener('pagehide', function () { save(true); });

  media.addEventListener('loadedmetadata', function () {
    if (startAt >= 0 && startAt < media.duration) {
      media.currentTime = startAt;
    } else if (saved && saved.t > 5 && saved.t < media.duration - 5) {
      say('You stopped at ' + clock(saved.t) + '. <button type="button" id="resume">Resume</button><button type="button" id="restart">Start over</button>');
      document.getElementById('resume').onclick = function () { media.currentTime = saved.t; notice.hidden = true; media.play(); };
      document.getElementById('restart').onclick = function () { localStorage.removeItem(key); notice.hidden = true; media.play(); };
    }
  }, { once: true });

  speed.addEventListener('change', function () { media.playbackRate = parseFloat(speed.value); });
  media.addEventListener('ratechange', function () {
    var option = speed.querySelector('option[value="' + media.playbackRate + '"]');
    if (option) speed.value = option.value;
  });

  document.getElementById('copy-link').addEventListener('click', function (event) {
    var link = location.origin + location.pathname + '?t=' + Math.floor(media.currentTime);
    var button = event.currentTarget;
    var done = function () { button.textContent = 'Copied ' + clock(media.currentTime); setTimeout(function () { button.textContent = 'Copy link at current time'; }, 2000); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(link).then(done, function () { prompt('Link', link); });
    else prompt('Link', link);
  });

  // Signed links expire. Halfway through their life the page asks the API for fresh ones and moves
  // the player over, keeping its place, speed and play state, so playback never meets a 410.
  function scheduleRenewal(expires) {
    if (!expires) return;
    setTimeout(renew, Math.max(1000, (expires * 1000 - Date.now()) / 2));
  }
  function renew() {
    fetch('/api/library/' + entry.path.split('/').map(encodeURIComponent).join('/'))
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)); })
      .then(function (fresh) {
        var t = media.currentTime, paused = media.paused, rate = media.playbackRate;
        entry = fresh;
        media.src = fresh.url;
        media.currentTime = t;
        media.playbackRate = rate;
        if (!paused) media.play();
        document.getElementById('download').href = fresh.downloadUrl;
        scheduleRenewal(fresh.expires);
      })
      .catch(function () { setTimeout(renew, 10000); });
  }
  scheduleRenewal(entry.expires);

  var rates = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  function nudgeRate(step) {
    var i = rates.indexOf(media.playbackRate);
    if (i < 0) i = rates.indexOf(1);
    media.playbackRate = rates[Math.max(0, Math.min(rates.length - 1, i + step))];
  }
  function seekBy(s) { media.currentTime = Math.max(0, Math.min(media.duration || 0, media.currentTime + s)); }
  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // Keys typed into a control belong to it (Space presses a button, arrows move a select).
    if (/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(event.target.tagName)) return;
    var handled = true;
    switch (event.key) {
      case ' ': case 'k': if (media.paused) media.play(); else media.pause(); break;
      case 'ArrowLeft': seekBy(-5); break;
      case 'ArrowRight': seekBy(5); break;
      case 'j': seekBy(-10); break;
      case 'l': seekBy(10); break;
      case 'ArrowUp': media.volume = Math.min(1, media.volume + 0.1); break;
      case 'ArrowDown': media.volume = Math.max(0, media.volume - 0.1); break;
      case 'm': media.muted = !media.muted; break;
      case 'f':
        if (document.fullscreenElement) document.exitFullscreen();
        else if (media.requestFullscreen) media.requestFullscreen();
        break;
      case '<': nudgeRate(-1); break;
      case '>': nudgeRate(1); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });
})();
`;
