/** Time as the service sees it; tests and the month-long simulation pass their own. */
export interface TimerHandle {
  unref?: () => unknown;
}

export interface Clock {
  /** Wall clock, ms since the epoch: what token expiry is measured in. */
  now(): number;
  /** Monotonic ms: compared with `now()` to notice clock jumps and suspends. */
  monotonic(): number;
  random(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  random: () => Math.random(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // The gateway stays alive on its own; a CLI process must be free to exit.
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
