/**
 * Deadlines for plugin taps, without a timer per tap: a tap on every request would otherwise
 * arm and clear a timer several times per request. Pending taps sit in a set that one unref'd
 * ticker scans; a tap past its deadline is rejected (its late result is then ignored, as a
 * settled promise ignores it). Precision is the tick, a small fraction of any sensible deadline.
 */

const TICK_MS = 100;

interface Pending {
  readonly expires: number;
  readonly reject: (err: unknown) => void;
  readonly onTimeout: () => unknown;
}

export class Deadlines {
  readonly #pending = new Set<Pending>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * `promise`, or a rejection with `onTimeout()` once `ms` have passed without it settling.
   * Settling first removes it from the set, so a fast tap costs a set insert and delete.
   */
  watch<T>(promise: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { expires: performance.now() + ms, reject, onTimeout };
      this.#pending.add(pending);
      this.#timer ??= setInterval(() => this.#tick(), TICK_MS).unref();
      promise.then(
        (value) => {
          this.#pending.delete(pending);
          resolve(value);
        },
        (err: unknown) => {
          this.#pending.delete(pending);
          reject(err);
        },
      );
    });
  }

  #tick(): void {
    const now = performance.now();
    for (const pending of this.#pending) {
      if (pending.expires > now) continue;
      this.#pending.delete(pending);
      pending.reject(pending.onTimeout());
    }
    if (this.#pending.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
