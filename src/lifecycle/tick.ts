import { clockJumped } from "../login/schedule.js";
import type { Effect } from "./decide.js";
import { clockJumpedMessage } from "./messages.js";

/**
 * A wake-up of the service's one timer, as a pure decision: did the wall clock jump, is the
 * periodic check due, when is the next one. Kept apart from decide.ts, which is about the login;
 * this is about the clocks (wall and monotonic) the service reads at each wake-up.
 */

export interface TickInput {
  reason: "start" | "timer" | "reload";
  now: number;
  monotonic: number;
  lastWall: number;
  lastMono: number;
  nextCheckAt: number;
  intervalMs: number;
}

export interface TickPlan {
  /** The wall clock moved unlike the monotonic one (a suspend, or the clock was set). */
  jumped: boolean;
  /** The periodic check is due: re-read the file and log how long the token has left. */
  periodic: boolean;
  nextCheckAt: number;
  effects: Effect[];
}

/** What a wake-up looks at. The file is re-read when `periodic`, `jumped`, or it changed on disk. */
export function planTick(t: TickInput): TickPlan {
  const wallElapsed = t.now - t.lastWall;
  const monoElapsed = t.monotonic - t.lastMono;
  const jumped = t.reason === "timer" && clockJumped(wallElapsed, monoElapsed);
  const effects: Effect[] = jumped ? [{ kind: "log", level: "warn", message: clockJumpedMessage(wallElapsed, monoElapsed) }] : [];
  // After the clock was set back, nextCheckAt may lie hours ahead: check now and start over.
  let nextCheckAt = jumped ? Math.min(t.nextCheckAt, t.now) : t.nextCheckAt;
  const periodic = t.now >= nextCheckAt;
  if (periodic) nextCheckAt = t.now + t.intervalMs;
  return { jumped, periodic, nextCheckAt, effects };
}
