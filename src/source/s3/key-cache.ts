/**
 * Answers about keys, kept for a short while: what HEAD said (a player's burst of range requests,
 * Chromium sends several per second while seeking, then costs one HEAD, not one per request) and the
 * presigned URLs ranged GETs go to (presigning costs more CPU than relaying a small range).
 * Keeping metadata is safe because every GET carries If-Match with the ETag it was decided on and
 * checks the answer's ETag: a replaced object is caught at its first read, whereupon `forget` drops
 * it here.
 *
 * Concurrent lookups of a key share one answer in flight. A failed one is not kept. Bounded: the
 * oldest entry goes when `size` is reached (a Map iterates in insertion order).
 */
export class KeyCache<T> {
  private readonly entries = new Map<string, { value: Promise<T>; until: number }>();

  constructor(
    /** How long an answer is kept, in ms (an undefined one, "there is no such key", for `missingTtl`). */
    private readonly ttl: number,
    private readonly missingTtl: number,
    private readonly size: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The kept answer for `key`, or `fetch()`'s (kept unless `keep` is false, for a scan that visits
   * every key once). `onHit` says which it was, for metrics.
   */
  get(key: string, fetch: () => Promise<T>, keep = true, onHit?: (hit: boolean) => void): Promise<T> {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.until > this.now()) {
      onHit?.(true);
      return entry.value;
    }
    onHit?.(false);
    if (entry !== undefined) this.entries.delete(key);
    const value = fetch();
    if (!keep || this.ttl <= 0) return value;
    while (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value as string);
    const fresh = { value, until: this.now() + this.ttl };
    this.entries.set(key, fresh);
    value.then(
      (found) => {
        if (found === undefined) fresh.until = Math.min(fresh.until, this.now() + this.missingTtl);
      },
      () => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
      },
    );
    return value;
  }

  /** Drops what is kept of `key` (its object changed). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear();
  }
}
