import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS, MINUTE_MS, days, duration, relative } from "./durations.js";

const NOW = Date.parse("2026-12-06T12:00:00.000Z");

describe("one duration formatter", () => {
  it.each<[number, string]>([
    [0, "0 min"],
    [-5, "0 min"],
    [59 * MINUTE_MS + 59_000, "59 min"],
    [HOUR_MS, "1 h 0 min"],
    [61 * MINUTE_MS, "1 h 1 min"],
    [DAY_MS - 1, "23 h 59 min"],
    [DAY_MS, "1.0 days"],
    [2.96 * DAY_MS, "2.9 days"],
    [29.9 * DAY_MS, "29.9 days"],
  ])("%d ms reads %s (rounded down)", (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it("days to one decimal, rounded down, never negative", () => {
    expect(days(3 * DAY_MS)).toBe(3);
    expect(days(3 * DAY_MS - 1)).toBe(2.9);
    expect(days(-DAY_MS)).toBe(0);
  });

  it("relative: in …, … ago, and under a minute in words", () => {
    expect(relative(NOW + 30_000, NOW)).toBe("in less than a minute");
    expect(relative(NOW, NOW)).toBe("just now");
    expect(relative(NOW - 30_000, NOW)).toBe("just now");
    expect(relative(NOW + 130 * MINUTE_MS, NOW)).toBe("in 2 h 10 min");
    expect(relative(NOW - 5 * MINUTE_MS, NOW)).toBe("5 min ago");
    expect(relative(NOW + 3 * DAY_MS, NOW)).toBe("in 3.0 days");
  });
});
