import { seededRandom } from "../lib/stats.js";

/**
 * The month's fault schedule: fixed by a seed, so every run (and both policies within a run) meet
 * exactly the same world. All times are monotonic ms since the start (time that really passed
 * while the machine was awake); the server's outages follow it, not the local wall clock.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type WindowKind = "5xx" | "429" | "timeout";

export interface FaultWindow {
  from: number;
  to: number;
  kind: WindowKind;
  /** 429 only: the Retry-After the server sends, seconds. */
  retryAfterSec: number;
}

export type SimEvent =
  | { at: number; kind: "suspend"; ms: number }
  | { at: number; kind: "jump"; ms: number }
  | { at: number; kind: "restart"; downtimeMs: number }
  | { at: number; kind: "arm-lost-rotation" };

export interface Schedule {
  seed: number;
  days: number;
  windows: FaultWindow[];
  events: SimEvent[];
  /** After a lost rotation, the operator logs in again this long later (both policies alike). */
  reloginAfterMs: number;
}

export const DEFAULT_SEED = 20_261_126;

export function buildSchedule(days: number, seed = DEFAULT_SEED): Schedule {
  const rng = seededRandom(seed);
  const between = (lo: number, hi: number) => lo + rng() * (hi - lo);
  const end = days * DAY;

  // Server trouble: a window every 1-6 hours; a half of them 5xx bursts, a quarter 429, a quarter
  // requests that time out (the POST throws outcome_unknown; the server did not rotate).
  const windows: FaultWindow[] = [];
  for (let t = between(1, 6) * HOUR; t < end; ) {
    const r = rng();
    const kind: WindowKind = r < 0.5 ? "5xx" : r < 0.75 ? "429" : "timeout";
    const minutes = kind === "5xx" ? between(5, 45) : kind === "429" ? between(10, 40) : between(5, 30);
    const retryAfterSec = kind === "429" ? Math.round(between(30, 900)) : 0;
    windows.push({ from: Math.round(t), to: Math.round(t + minutes * MINUTE), kind, retryAfterSec });
    t += minutes * MINUTE + between(1, 6) * HOUR;
  }

  // Machine events, spread over the month at seeded moments (scaled when fewer days are simulated).
  const at = (fraction: number) => Math.round(fraction * end + between(0, 0.03) * end);
  const events: SimEvent[] = [
    { at: at(0.06), kind: "restart", downtimeMs: Math.round(between(30, 300) * 1000) },
    { at: at(0.13), kind: "jump", ms: 45 * MINUTE },
    { at: at(0.2), kind: "restart", downtimeMs: Math.round(between(30, 300) * 1000) },
    { at: at(0.3), kind: "suspend", ms: 2 * HOUR },
    { at: at(0.37), kind: "restart", downtimeMs: Math.round(between(30, 300) * 1000) },
    { at: at(0.44), kind: "jump", ms: -90 * MINUTE },
    { at: at(0.5), kind: "restart", downtimeMs: Math.round(between(30, 300) * 1000) },
    // Longer than a token lives: every published token is expired after it (the clock-probe path).
    { at: at(0.57), kind: "jump", ms: 9 * HOUR },
    { at: at(0.63), kind: "restart", downtimeMs: Math.round(between(30, 300) * 1000) },
    { at: at(0.68), kind: "arm-lost-rotation" },
    { at: at(0.8), kind: "jump", ms: -20 * MINUTE },
    { at: at(0.86), kind: "restart", downtimeMs: Math.round(between(30, 300) * 1000) },
    { at: at(0.93), kind: "restart", downtimeMs: Math.round(between(30, 300) * 1000) },
  ];
  events.sort((a, b) => a.at - b.at);
  return { seed, days, windows, events, reloginAfterMs: 4 * HOUR };
}

export function windowAt(windows: readonly FaultWindow[], mono: number): FaultWindow | undefined {
  // Few hundred windows; a linear scan per POST is fine (about 100-300 POSTs a month).
  return windows.find((w) => mono >= w.from && mono < w.to);
}
