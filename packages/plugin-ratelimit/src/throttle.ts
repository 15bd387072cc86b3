/**
 * Lets one call through per interval and counts the ones it held back, so a Redis outage
 * under load writes a line every few seconds instead of one per request.
 */
export function createThrottle(intervalMs: number, now: () => number = Date.now) {
  let last = -Infinity;
  let suppressed = 0;
  return (emit: (suppressed: number) => void): void => {
    const time = now();
    if (time - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = time;
    emit(suppressed);
    suppressed = 0;
  };
}
