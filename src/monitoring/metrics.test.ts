import { describe, expect, it } from "vitest";
import { parseMetrics, sample } from "../../test/support/prometheus.js";
import type { AccountStatusJson } from "../status/types.js";
import { counting, newCounters } from "./counters.js";
import { exposition, formatValue } from "./exposition.js";
import { HEALTH_VALUE, SERIES, renderMetrics } from "./metrics.js";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const base = { source: "gateway" as const, credentials: { path: "/state/claude-credentials.json" }, unsavedTokens: false, account: { email: "owner@example.test" } };

const accounts: AccountStatusJson[] = [
  {
    ...base,
    name: "default",
    place: 1,
    state: "ok",
    health: "healthy",
    profileId: "anthropic:subscription",
    accessToken: { expiresAt: iso(NOW + 3600_000), validForMinutes: 60, expired: false },
    login: { endsAt: iso(NOW + 20 * 86_400_000), endsInDays: 20 },
    usage: { checkedAt: iso(NOW), windows: { fiveHour: { utilization: 43, resetsAt: iso(NOW + 7200_000) }, sevenDay: { utilization: 12.5 } } },
    lastAlert: { kind: "usage", at: iso(NOW), delivered: false, targets: ["telegram:1"] },
  },
  { ...base, name: "work", place: 2, state: "needs-login", health: "broken", profileId: "anthropic:subscription-work", accessToken: { expiresAt: iso(NOW - 60_000), validForMinutes: 0, expired: true } },
];

describe("renderMetrics", () => {
  it("every series for every account, readable by a real Prometheus parser, values from the status model", async () => {
    const c = newCounters();
    const hooks = counting(c);
    hooks.refreshAttempted();
    hooks.refreshAttempted();
    hooks.refreshSucceeded();
    hooks.refreshFailed("network");
    hooks.usageCheckFailed("rate_limited");
    hooks.alertDelivered();
    const text = renderMetrics(accounts, (name) => (name === "default" ? c : undefined), NOW);
    expect(text.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(text.body);
    const d = { account: "default" };
    expect(sample(m, SERIES.accessTokenSecondsLeft, d)).toBe(3600);
    expect(sample(m, SERIES.accessTokenSecondsLeft, { account: "work" })).toBe(-60);
    expect(sample(m, SERIES.loginSecondsLeft, d)).toBe(20 * 86_400);
    expect(sample(m, SERIES.loginSecondsLeft, { account: "work" })).toBeUndefined();
    expect(sample(m, SERIES.health, d)).toBe(HEALTH_VALUE("healthy"));
    expect(sample(m, SERIES.health, { account: "work" })).toBe(2);
    expect(sample(m, SERIES.orderPlace, { account: "work" })).toBe(2);
    expect(sample(m, SERIES.usageUtilization, { account: "default", window: "fiveHour" })).toBe(0.43);
    expect(sample(m, SERIES.usageUtilization, { account: "default", window: "sevenDay" })).toBe(0.125);
    expect(sample(m, SERIES.usageResetSeconds, { account: "default", window: "fiveHour" })).toBe(7200);
    expect(sample(m, SERIES.usageResetSeconds, { account: "default", window: "sevenDay" })).toBeUndefined();
    expect(sample(m, SERIES.refreshAttempts, d)).toBe(2);
    expect(sample(m, SERIES.refreshSuccesses, d)).toBe(1);
    expect(sample(m, SERIES.refreshAttempts, { account: "work" }), "counters start at 0").toBe(0);
    expect(sample(m, SERIES.refreshFailures, { account: "default", reason: "network" })).toBe(1);
    expect(sample(m, SERIES.usageCheckFailures, { account: "default", reason: "rate_limited" })).toBe(1);
    expect(sample(m, SERIES.alertsSent, d)).toBe(1);
    expect(sample(m, SERIES.alertsFailed, d)).toBe(0);
    expect(sample(m, SERIES.alertsUndelivered, d)).toBe(1);
    expect(sample(m, SERIES.alertsUndelivered, { account: "work" })).toBe(0);
    for (const name of Object.values(SERIES)) {
      expect(name).toMatch(/^claude_oauth_[a-z_]+$/);
      expect(m.get(name)?.type, name).toBe(name.endsWith("_total") ? "COUNTER" : "GAUGE");
      expect(m.get(name)?.help.length, name).toBeGreaterThan(10);
    }
    // No email, path or profile id leaks into labels or help.
    expect(text.body).not.toContain("example.test");
    expect(text.body).not.toContain("/state/");
    expect(text.body).not.toContain("anthropic:");
  });

  it("an account with nothing yet still gets every family's HELP and TYPE, and no sample it has no value for", () => {
    const bare: AccountStatusJson = { ...base, name: "new", place: 0, state: "no-credentials", health: "broken", profileId: "anthropic:subscription-new" };
    const m = parseMetrics(renderMetrics([bare], () => undefined, NOW).body);
    expect([...m.keys()].sort()).toEqual(Object.values(SERIES).sort());
    expect(sample(m, SERIES.accessTokenSecondsLeft, { account: "new" })).toBeUndefined();
    expect(sample(m, SERIES.orderPlace, { account: "new" })).toBe(0);
    expect(m.get(SERIES.refreshFailures)?.metrics).toEqual([]);
  });
});

describe("exposition", () => {
  it("escapes label values and help text as the format says, and writes Go's special floats", () => {
    const text = exposition([
      { name: "x_total", help: "back\\slash and\nnew line", type: "counter", samples: [{ labels: { reason: 'a "quoted" \\ value\nsplit' }, value: 3 }] },
      { name: "y", help: "floats", type: "gauge", samples: [{ labels: { k: "nan" }, value: Number.NaN }, { labels: { k: "up" }, value: Infinity }, { labels: { k: "down" }, value: -Infinity }, { labels: {}, value: 0.125 }] },
    ]);
    expect(text).toContain('x_total{reason="a \\"quoted\\" \\\\ value\\nsplit"} 3\n');
    expect(text).toContain("# HELP x_total back\\\\slash and\\nnew line\n");
    const m = parseMetrics(text);
    expect(m.get("x_total")?.metrics[0]?.labels?.reason).toBe('a "quoted" \\ value\nsplit');
    expect(m.get("x_total")?.help).toBe("back\\slash and\nnew line");
    expect(m.get("y")?.metrics.map((s) => s.value)).toEqual(["NaN", "+Inf", "-Inf", "0.125"]);
    expect(formatValue(-0.5)).toBe("-0.5");
  });
});
