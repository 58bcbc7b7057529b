import type { Clock, TimerHandle } from "../../src/core/clock.js";

/**
 * A clock for the month-long simulation, on the pattern of service.test.ts's FakeClock: timers
 * fire only when the simulation advances time; wall and monotonic clocks are separate, so a
 * suspend (wall moves, monotonic does not) and clock jumps can be played. After each timer the
 * clock waits until the file-system work it started has finished (`settle`).
 */

interface SimTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Resources that mean a file-system operation is still under way. */
const FS_BUSY = /^(FSReq|CloseReq|FileHandle)/;

function fsBusy(): boolean {
  return process.getActiveResourcesInfo().some((r) => FS_BUSY.test(r));
}

const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits until no file-system request has been pending for three turns of the event loop. */
export async function settle(): Promise<void> {
  const deadline = Date.now() + 10_000;
  let quiet = 0;
  while (quiet < 3) {
    if (Date.now() > deadline) throw new Error(`settle: still busy after 10 s: ${process.getActiveResourcesInfo().join(",")}`);
    await turn();
    if (fsBusy()) {
      quiet = 0;
      await new Promise<void>((r) => setTimeout(r, 0));
    } else quiet += 1;
  }
}

export interface OffsetChange {
  /** Monotonic time of the change. */
  mono: number;
  /** wall - monotonic from then on. */
  offset: number;
}

export class SimClock implements Clock {
  wall: number;
  mono = 0;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, SimTimer>();
  private readonly rng: () => number;
  /** Every change of wall - monotonic (jumps, suspends), for exact expiry accounting. */
  readonly offsets: OffsetChange[];
  timersFired = 0;

  constructor(wall: number, rng: () => number) {
    this.wall = wall;
    this.rng = rng;
    this.offsets = [{ mono: 0, offset: wall }];
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  random(): number {
    return this.rng();
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

  private nextDue(target: number): [TimerHandle, SimTimer] | undefined {
    let next: [TimerHandle, SimTimer] | undefined;
    for (const entry of this.timers) {
      const t = entry[1];
      if (t.at <= target && (!next || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))) next = entry;
    }
    return next;
  }

  /** Moves both clocks to mono + ms, firing due timers in order and letting each one's work finish. */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    for (let next = this.nextDue(target); next; next = this.nextDue(target)) {
      this.timers.delete(next[0]);
      this.wall += next[1].at - this.mono;
      this.mono = next[1].at;
      this.timersFired += 1;
      next[1].fn();
      await settle();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  async advanceTo(mono: number): Promise<void> {
    if (mono > this.mono) await this.advance(mono - this.mono);
  }

  /** The wall clock steps (NTP correction, suspend); the monotonic clock does not. */
  jumpWall(ms: number): void {
    this.wall += ms;
    this.offsets.push({ mono: this.mono, offset: this.wall - this.mono });
  }
}
