import { describe, expect, it } from "vitest";
import { MINUTE_MS } from "../login/schedule.js";
import { planTick } from "./tick.js";

// A wake-up as a pure decision: the clocks are just numbers here.
const NOW = 1_767_225_600_000;
const HOUR = 60 * MINUTE_MS;

describe("planTick", () => {
  const base = { reason: "timer" as const, now: NOW, monotonic: 1_000_000, lastWall: NOW - 60_000, lastMono: 940_000, nextCheckAt: NOW + HOUR, intervalMs: 5 * MINUTE_MS };

  it("a quiet minute: not periodic, no jump, nothing said", () => {
    expect(planTick(base)).toEqual({ jumped: false, periodic: false, nextCheckAt: NOW + HOUR, effects: [] });
  });

  it("the periodic check is due: re-read, next check one interval on", () => {
    const plan = planTick({ ...base, nextCheckAt: NOW });
    expect(plan).toMatchObject({ periodic: true, nextCheckAt: NOW + 5 * MINUTE_MS });
  });

  it("a clock set back (or a suspend) checks now and says so", () => {
    const plan = planTick({ ...base, lastWall: NOW - 2 * HOUR, nextCheckAt: NOW + 3 * HOUR });
    expect(plan.jumped).toBe(true);
    expect(plan.periodic).toBe(true);
    expect(plan.nextCheckAt).toBe(NOW + 5 * MINUTE_MS);
    expect(plan.effects).toEqual([{ kind: "log", level: "warn", message: expect.stringContaining("wall clock moved 7200 s while 60 s passed") }]);
  });

  it("only a timer's wake-up looks for a jump (start and reload do not)", () => {
    expect(planTick({ ...base, reason: "reload", lastWall: NOW - 2 * HOUR }).jumped).toBe(false);
  });
});
