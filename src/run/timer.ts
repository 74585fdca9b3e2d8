/**
 * Timers for any duration. Node's `setTimeout` takes at most 2^31-1 ms and fires after 1 ms for
 * anything longer (a 30-day timeout would fire at once); a longer wait is armed as a chain of
 * maximal timers. `Infinity` never fires.
 */

/** The longest delay `setTimeout` honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer armed by {@link setLongTimeout}. */
export interface LongTimer {
  handle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Calls `fn` after `ms` milliseconds, however long (`Infinity`: never).
 *
 * @example
 * ```ts
 * const t = setLongTimeout(() => console.log("a month later"), 30 * 24 * 3600_000);
 * clearLongTimeout(t);
 * ```
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const timer: LongTimer = { handle: undefined };
  const arm = (left: number): void => {
    if (left === Number.POSITIVE_INFINITY) return;
    timer.handle =
      left > MAX_TIMER_MS
        ? setTimeout(() => arm(left - MAX_TIMER_MS), MAX_TIMER_MS)
        : setTimeout(fn, left);
  };
  arm(ms);
  return timer;
}

/** Stops a timer from {@link setLongTimeout}; harmless when it fired already. */
export function clearLongTimeout(timer: LongTimer): void {
  if (timer.handle !== undefined) clearTimeout(timer.handle);
  timer.handle = undefined;
}
