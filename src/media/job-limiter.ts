/**
 * At most `limit` tasks at once; the others wait their turn, first come first served. Owned by
 * whoever shares it (the app's ffmpeg runner), never module state.
 */
export class JobLimiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `task` once fewer than `limit` others run, and settles as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
