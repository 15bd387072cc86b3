/** Bounded waits: a test that would hang fails instead, with a message saying what never happened. */

export interface WaitOptions {
  /** Give up after this long (default 15 000 ms). */
  timeoutMs?: number;
  /** Pause between two probes (default 50 ms). */
  intervalMs?: number;
}

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: "TimeoutError" });
}

/**
 * Calls `probe` until it returns (or resolves to) something other than `undefined`, and resolves
 * with that. Rejects with an Error named `TimeoutError` after `timeoutMs`; an error `probe` throws
 * rejects at once.
 *
 * ```ts
 * await waitFor("the audit line", () => gw.logs.find((line) => line.msg === "audit"));
 * ```
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw timeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Resolves or rejects as `promise` does, or rejects with an Error named `TimeoutError` if it has
 * not settled within `ms`. The promise itself is not cancelled.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(timeoutError(`${what}: did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
