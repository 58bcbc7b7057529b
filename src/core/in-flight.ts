import type { Clock, TimerHandle } from "./clock.js";

/**
 * Work run one at a time (a refresh, a wake-up, a usage check): a caller that comes while one runs
 * shares it instead of starting a second, so concurrent `refreshNow` callers cause one POST.
 * `settled` runs after each run ends, however it ends (the service re-arms its timer there).
 */
export class SingleFlight<T> {
  private current: Promise<T> | undefined;

  constructor(private readonly settled: () => void = () => undefined) {}

  /** The run in progress, if any. */
  get running(): Promise<T> | undefined {
    return this.current;
  }

  run(start: () => Promise<T>): Promise<T> {
    if (this.current) return this.current;
    const run = start().finally(() => {
      if (this.current === run) this.current = undefined;
      this.settled();
    });
    this.current = run;
    return run;
  }
}

/**
 * Waits for `work` to end (failures ignored), but no longer than `graceMs` on `clock`: `stop()`
 * lets a refresh in flight reach the disk (it may hold the only copy of a rotated token) without
 * hanging the gateway's shutdown on a server that never answers.
 */
export async function waitAtMost(clock: Clock, graceMs: number, work: ReadonlyArray<Promise<unknown> | undefined>): Promise<void> {
  const pending = work.filter((w): w is Promise<unknown> => w !== undefined);
  if (pending.length === 0) return;
  let timeout: TimerHandle | undefined;
  await Promise.race([Promise.all(pending.map((w) => w.catch(() => undefined))), new Promise<void>((r) => (timeout = clock.setTimeout(r, graceMs)))]);
  if (timeout) clock.clearTimeout(timeout);
}
