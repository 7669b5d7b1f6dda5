/** What a play-and-seek script reports. */
export interface SeekResult {
  duration: number;
  target: number;
  afterSeek: number;
  later: number;
  paused: boolean;
}

/**
 * A page script: seeks the page's first <video> to `at` seconds (its middle when omitted) right after
 * the metadata, before playing, so that the target cannot have been read ahead; then plays on from
 * there and reports where it was. Muted, so that no engine's autoplay rule or missing sound device can
 * hold play() back. A string, for EnginePage.evaluate.
 */
export function playAndSeekScript(at?: number): string {
  return `(async () => {
  const video = document.querySelector('video');
  video.muted = true;
  const until = (check, what, ms = 30000) => new Promise((resolve, reject) => {
    const started = performance.now();
    const tick = () => {
      if (check()) resolve();
      else if (video.error) reject(new Error('media error ' + video.error.code + ': ' + video.error.message));
      else if (performance.now() - started > ms) reject(new Error('timed out waiting for ' + what + ' at ' + video.currentTime + ', readyState ' + video.readyState));
      else setTimeout(tick, 50);
    };
    tick();
  });
  await until(() => video.readyState >= 1, 'metadata');
  const duration = video.duration;
  const target = ${at === undefined ? 'duration / 2' : String(at)};
  const seeked = new Promise((r) => video.addEventListener('seeked', r, { once: true }));
  video.currentTime = target;
  await seeked;
  // 'seeked' fires even when the seek silently snapped back; the position is what counts.
  const afterSeek = video.currentTime;
  await video.play();
  await until(() => video.currentTime > target + 0.5, 'playback to continue after the seek');
  return { duration, target, afterSeek, later: video.currentTime, paused: video.paused };
})()`;
}
