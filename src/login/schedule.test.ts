import { describe, expect, it } from "vitest";
import {
  CLOCK_JUMP_TOLERANCE_MS,
  CLOCK_PROBE_MS,
  MAX_TIMER_MS,
  MINUTE_MS,
  RETRY_BACKOFF,
  clockJumped,
  effectiveMarginMs,
  OPENCLAW_CUTOFF_MS,
  isRefreshDue,
  minutesLeft,
  nextWakeDelay,
  refreshDueAt,
  retryDelay,
} from "./schedule.js";

const NOW = 1_767_225_600_000;
const MARGIN = 60 * MINUTE_MS;

describe("isRefreshDue / refreshDueAt", () => {
  it("is due exactly at expiresAt - margin, not a millisecond before", () => {
    const expiresAt = NOW + 8 * 60 * MINUTE_MS;
    const dueAt = refreshDueAt(expiresAt, MARGIN);
    expect(dueAt).toBe(expiresAt - MARGIN);
    expect(isRefreshDue(expiresAt, dueAt - 1, MARGIN)).toBe(false);
    expect(isRefreshDue(expiresAt, dueAt, MARGIN)).toBe(true);
    expect(isRefreshDue(expiresAt, dueAt + 1, MARGIN)).toBe(true);
  });

  it("an expired token is due; a token with more than the margin left is not", () => {
    expect(isRefreshDue(NOW - 1, NOW, MARGIN)).toBe(true);
    expect(isRefreshDue(NOW, NOW, MARGIN)).toBe(true);
    expect(isRefreshDue(NOW + MARGIN + 1, NOW, MARGIN)).toBe(false);
    expect(isRefreshDue(NOW + MARGIN, NOW, MARGIN)).toBe(true);
  });

  it("with a zero margin it is due at expiry", () => {
    expect(isRefreshDue(NOW + 1, NOW, 0)).toBe(false);
    expect(isRefreshDue(NOW, NOW, 0)).toBe(true);
  });
});

describe("minutesLeft", () => {
  it("floors, never negative", () => {
    expect(minutesLeft(NOW + 90 * MINUTE_MS, NOW)).toBe(90);
    expect(minutesLeft(NOW + 90 * MINUTE_MS - 1, NOW)).toBe(89);
    expect(minutesLeft(NOW + 59_999, NOW)).toBe(0);
    expect(minutesLeft(NOW - 10 * MINUTE_MS, NOW)).toBe(0);
  });
});

describe("nextWakeDelay", () => {
  it("wakes at the earliest moment when it is within the clock probe", () => {
    expect(nextWakeDelay(NOW, [NOW + 5_000, NOW + 10_000])).toBe(5_000);
    expect(nextWakeDelay(NOW, [undefined, NOW + 12_345, undefined])).toBe(12_345);
  });

  it("never sleeps longer than the clock probe", () => {
    expect(nextWakeDelay(NOW, [])).toBe(CLOCK_PROBE_MS);
    expect(nextWakeDelay(NOW, [undefined])).toBe(CLOCK_PROBE_MS);
    expect(nextWakeDelay(NOW, [NOW + 30 * MINUTE_MS, NOW + 4 * 60 * MINUTE_MS])).toBe(CLOCK_PROBE_MS);
    expect(nextWakeDelay(NOW, [NOW + 40 * 24 * 60 * MINUTE_MS])).toBe(CLOCK_PROBE_MS);
    expect(CLOCK_PROBE_MS).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it("is never negative: a moment in the past means now", () => {
    expect(nextWakeDelay(NOW, [NOW - 1])).toBe(0);
    expect(nextWakeDelay(NOW, [NOW - 10 * MINUTE_MS, NOW + 5_000])).toBe(0);
    expect(nextWakeDelay(NOW, [NOW])).toBe(0);
  });

  it("rounds a fractional delay up, so the timer does not fire just before the moment", () => {
    expect(nextWakeDelay(NOW, [NOW + 1000.2])).toBe(1001);
  });

  it("stays within [0, min(CLOCK_PROBE_MS, MAX_TIMER_MS)] for any input", () => {
    const cap = Math.min(CLOCK_PROBE_MS, MAX_TIMER_MS);
    for (const offset of [-1e15, -1, 0, 0.5, 1, 59_999, 60_000, 60_001, 2 ** 31, 1e15]) {
      const d = nextWakeDelay(NOW, [NOW + offset]);
      expect(d, String(offset)).toBeGreaterThanOrEqual(0);
      expect(d, String(offset)).toBeLessThanOrEqual(cap);
      expect(Number.isInteger(d), String(offset)).toBe(true);
    }
  });
});

describe("clockJumped", () => {
  it("small drift is not a jump; a step beyond the tolerance either way is", () => {
    expect(clockJumped(60_000, 60_000)).toBe(false);
    expect(clockJumped(60_000 + CLOCK_JUMP_TOLERANCE_MS, 60_000)).toBe(false);
    expect(clockJumped(60_000 + CLOCK_JUMP_TOLERANCE_MS + 1, 60_000)).toBe(true);
    expect(clockJumped(60_000 - CLOCK_JUMP_TOLERANCE_MS - 1, 60_000)).toBe(true);
    // suspended for 3 hours: monotonic barely moved, the wall clock did
    expect(clockJumped(3 * 60 * MINUTE_MS, 60_000)).toBe(true);
    // clock set back an hour
    expect(clockJumped(-60 * MINUTE_MS, 60_000)).toBe(true);
  });
});

describe("retryDelay", () => {
  const policy = { baseMs: 1_000, maxMs: 16_000 };
  const top = () => 1 - Number.EPSILON;
  const bottom = () => 0;

  it("the upper bound doubles with each attempt up to maxMs", () => {
    const caps = [1, 2, 3, 4, 5, 6, 7].map((a) => retryDelay(a, top, policy));
    expect(caps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000]);
  });

  it("jitter stays within [cap/2, cap]", () => {
    for (const attempt of [1, 2, 3, 4, 5, 10, 50]) {
      const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      expect(retryDelay(attempt, bottom, policy)).toBe(cap / 2);
      for (let i = 0; i < 50; i++) {
        const d = retryDelay(attempt, Math.random, policy);
        expect(d).toBeGreaterThanOrEqual(cap / 2);
        expect(d).toBeLessThanOrEqual(cap);
      }
    }
  });

  it("attempt 0 or negative behaves like attempt 1; a huge attempt stays capped", () => {
    expect(retryDelay(0, top, policy)).toBe(1_000);
    expect(retryDelay(-3, top, policy)).toBe(1_000);
    expect(retryDelay(10_000, top, policy)).toBe(16_000);
    expect(retryDelay(10_000, top)).toBe(RETRY_BACKOFF.maxMs);
  });

  it("never shorter than Retry-After, even beyond maxMs", () => {
    expect(retryDelay(1, top, policy, 30_000)).toBe(30_000);
    expect(retryDelay(1, bottom, policy, 600)).toBe(600);
    expect(retryDelay(5, top, policy, 10)).toBe(16_000);
    expect(retryDelay(1, top, RETRY_BACKOFF, 2 * 3600 * 1000)).toBe(2 * 3600 * 1000);
  });

  it("default policy: starts at a few seconds, tops out at maxMs", () => {
    expect(retryDelay(1, top)).toBe(RETRY_BACKOFF.baseMs);
    expect(RETRY_BACKOFF.maxMs).toBeGreaterThanOrEqual(RETRY_BACKOFF.baseMs);
  });
});

describe("effectiveMarginMs", () => {
  it("the configured margin ahead of OpenClaw's 5-minute cut-off, while the lifetime is unknown or long enough", () => {
    expect(OPENCLAW_CUTOFF_MS).toBe(5 * MINUTE_MS);
    expect(effectiveMarginMs(60 * MINUTE_MS)).toBe(65 * MINUTE_MS);
    expect(effectiveMarginMs(60 * MINUTE_MS, 8 * 60 * MINUTE_MS)).toBe(65 * MINUTE_MS);
  });
  it("never more than half the token's usable lifetime, so a fresh token is never due at once", () => {
    expect(effectiveMarginMs(720 * MINUTE_MS, 8 * 60 * MINUTE_MS)).toBe(5 * MINUTE_MS + (8 * 60 - 5) * MINUTE_MS / 2);
    const lifetime = 8 * 60 * MINUTE_MS;
    expect(isRefreshDue(T_ISSUED + lifetime, T_ISSUED, effectiveMarginMs(720 * MINUTE_MS, lifetime))).toBe(false);
  });
  it("a short token (tests): refreshed before OpenClaw stops using it, not back to back", () => {
    const lifetime = 390_000;
    const margin = effectiveMarginMs(MINUTE_MS, lifetime);
    expect(margin).toBe(345_000); // due 45 s after issue; OpenClaw uses it until 90 s
    expect(isRefreshDue(T_ISSUED + lifetime, T_ISSUED, margin)).toBe(false);
    expect(lifetime - margin).toBeLessThan(lifetime - OPENCLAW_CUTOFF_MS);
  });
  it("a token shorter than the cut-off (OpenClaw never uses it) is not due at once: half its life", () => {
    for (const lifetime of [120_000, OPENCLAW_CUTOFF_MS]) {
      const margin = effectiveMarginMs(60 * MINUTE_MS, lifetime);
      expect(margin).toBe(lifetime / 2);
      expect(isRefreshDue(T_ISSUED + lifetime, T_ISSUED, margin)).toBe(false);
    }
  });
});
const T_ISSUED = 1_767_225_600_000;
