/**
 * A weighted, first-come-first-served semaphore. Task workflows use one for CPU cores (a task
 * declaring `cpu_cores: n` holds n of the machine's cores while its process runs) and one per
 * matrix task for `parallelism`. It lives in the task layer: the scheduler's own concurrency
 * limit counts nodes, not resources.
 */
export class Semaphore {
  private free: number;
  private readonly queue: { n: number; resolve: () => void }[] = [];

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  /** Waits until `n` units are free (at most the capacity), takes them, and returns a release. */
  async acquire(n: number, signal?: AbortSignal): Promise<() => void> {
    const want = Math.min(Math.max(n, 0), this.capacity);
    if (want === 0) return () => {};
    // FIFO: a large request is not starved by a stream of small ones.
    if (this.queue.length === 0 && this.free >= want) {
      this.free -= want;
      return this.releaser(want);
    }
    await new Promise<void>((resolve, reject) => {
      const entry = { n: want, resolve };
      this.queue.push(entry);
      signal?.addEventListener(
        "abort",
        () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) {
            this.queue.splice(i, 1);
            this.drain();
            reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
          }
        },
        { once: true },
      );
    });
    return this.releaser(want);
  }

  /** Units free now. */
  get available(): number {
    return this.free;
  }

  private releaser(n: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.free += n;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.free >= this.queue[0].n) {
      const next = this.queue.shift() as { n: number; resolve: () => void };
      this.free -= next.n;
      next.resolve();
    }
  }
}
