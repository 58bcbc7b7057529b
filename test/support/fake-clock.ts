// A clock whose timers only fire when the test advances it, for unit tests of anything that
// takes a `Clock` (the service, the usage monitor).
import type { Clock, TimerHandle } from "../../src/core/clock.js";

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Resources that mean a file-system operation is still under way (fs.promises closes use CloseReq). */
const FS_BUSY = /^(FSReq|CloseReq|FileHandle)/;

/**
 * Waits until the service has nothing left to do: no file-system request pending for a few turns
 * of the event loop (each turn also drains the microtask queue). The service's only other waits
 * are the fake clock's timers and the fake endpoint's gate, which the tests control.
 */
export async function settle(): Promise<void> {
  // Bounded by time, not turns: an fsync on a busy disk can take a while.
  const deadline = Date.now() + 10_000;
  let quiet = 0;
  while (quiet < 3) {
    if (Date.now() > deadline) throw new Error(`settle: still busy after 10 s: ${process.getActiveResourcesInfo().join(",")}`);
    await new Promise<void>((r) => setImmediate(r));
    const busy = process.getActiveResourcesInfo().some((r) => FS_BUSY.test(r));
    quiet = busy ? 0 : quiet + 1;
    if (busy) await new Promise<void>((r) => setTimeout(r, 1));
  }
}

export class FakeClock implements Clock {
  wall: number;
  mono = 1_000_000;
  private seq = 0;
  readonly timers = new Map<TimerHandle, FakeTimer>();

  constructor(wall: number) {
    this.wall = wall;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  random(): number {
    return 0.5;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = {};
    this.timers.set(handle, { at: this.mono + Math.max(0, ms), seq: ++this.seq, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves both clocks forward, firing due timers in order and letting each tick finish. */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (;;) {
      let next: [TimerHandle, FakeTimer] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= target && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq))) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.wall += next[1].at - this.mono;
      this.mono = next[1].at;
      next[1].fn();
      await settle();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  /** Fires the earliest timer now, without waiting for what it starts. */
  fireNext(): void {
    let next: [TimerHandle, FakeTimer] | undefined;
    for (const entry of this.timers) if (!next || entry[1].at < next[1].at) next = entry;
    if (!next) throw new Error("no timer pending");
    this.timers.delete(next[0]);
    this.wall += next[1].at - this.mono;
    this.mono = next[1].at;
    next[1].fn();
  }

  /** The wall clock steps (NTP, suspend); the monotonic clock does not. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}
