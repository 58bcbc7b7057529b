import { describe, expect, it } from "vitest";
import { PluginError } from "../core/errors.js";
import type { RawAnswer } from "../login/token-endpoint.js";
import { readFileSync } from "node:fs";
import { USAGE_BETA_HEADER, buildUsageRequest, nextUsageCheckDelay, parseUsageAnswer } from "./usage.js";
import { windowLabel, windowsInOrder } from "./usage-windows.js";

const NOW = Date.parse("2026-01-28T03:00:00Z");
const MIN = 60_000;
const TOKEN = "sk-ant-oat01-FAKE-usage-access-xxxxxxxxxxxxxxxx";

function answer(status: number, body: unknown, headers: Record<string, string> = {}): RawAnswer {
  return { status, headers: new Headers(headers), body: typeof body === "string" ? body : JSON.stringify(body) };
}

function failure(a: RawAnswer): PluginError {
  try {
    parseUsageAnswer(a, NOW);
  } catch (err) {
    if (err instanceof PluginError) return err;
    throw err;
  }
  throw new Error("parseUsageAnswer accepted the answer");
}

// The answer as Claude Code's /usage reads it (shape from the notes; values invented).
const FULL = {
  five_hour: { utilization: 61.0, resets_at: "2026-01-28T07:59:59.57+00:00" },
  seven_day: { utilization: 12.5, resets_at: "2026-02-01T00:00:00+00:00" },
  seven_day_opus: { utilization: 3, resets_at: null },
  seven_day_sonnet: null,
  extra_usage: { is_enabled: false, monthly_limit: null, used_credits: null },
};

describe("buildUsageRequest", () => {
  it("sends the bearer token and the OAuth beta header, asks for JSON", () => {
    const r = buildUsageRequest("https://api.anthropic.com/api/oauth/usage", TOKEN);
    expect(r.url).toBe("https://api.anthropic.com/api/oauth/usage");
    expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r.headers["anthropic-beta"]).toBe(USAGE_BETA_HEADER);
    expect(r.headers.accept).toBe("application/json");
  });
});

describe("parseUsageAnswer", () => {
  it("reads every window the answer has, with reset times as ms", () => {
    const usage = parseUsageAnswer(answer(200, FULL), NOW);
    expect(usage.checkedAt).toBe(NOW);
    expect(usage.windows).toEqual({
      fiveHour: { utilization: 61, resetsAt: Date.parse("2026-01-28T07:59:59.570Z") },
      sevenDay: { utilization: 12.5, resetsAt: Date.parse("2026-02-01T00:00:00Z") },
      sevenDayOpus: { utilization: 3 },
    });
  });

  it("accepts a fresh account whose windows are all null", () => {
    expect(parseUsageAnswer(answer(200, { five_hour: null, seven_day: null }), NOW).windows).toEqual({});
  });

  it("ignores fields it does not know", () => {
    expect(parseUsageAnswer(answer(200, { ...FULL, new_window: { utilization: 99 } }), NOW).windows.fiveHour?.utilization).toBe(61);
  });

  it.each([
    ["401", answer(401, { error: "unauthorized" }), "rejected", /HTTP 401.*user:profile/],
    ["403 without the user:profile scope", answer(403, { error: { type: "permission_error" } }), "rejected", /HTTP 403.*user:profile/],
    ["429 with Retry-After", answer(429, "", { "retry-after": "120" }), "rate_limited", /HTTP 429, retry after 120 s/],
    ["500", answer(500, "oops"), "server_error", /HTTP 500/],
    ["a redirect", answer(302, "", { location: "https://example.com" }), "bad_response", /HTTP 302.*usageUrl/],
    ["an HTML page", answer(200, "<html><body>Just a moment...</body></html>"), "bad_response", /not JSON: <html>/],
    ["a JSON array", answer(200, [1, 2]), "bad_response", /not a JSON object/],
    ["none of the known windows", answer(200, { usage: { five: 3 } }), "bad_response", /none of the known windows/],
    ["a window that is not an object", answer(200, { five_hour: 42 }), "bad_response", /five_hour is not an object/],
    ["utilization missing", answer(200, { five_hour: { resets_at: null } }), "bad_response", /five_hour.utilization/],
    ["utilization negative", answer(200, { five_hour: { utilization: -1 } }), "bad_response", /five_hour.utilization/],
    ["utilization a string", answer(200, { seven_day: { utilization: "40" } }), "bad_response", /seven_day.utilization/],
    ["resets_at not a date", answer(200, { five_hour: { utilization: 1, resets_at: "soon" } }), "bad_response", /resets_at is not a date/],
  ])("%s: a clear error with a code", (_label, a, code, message) => {
    const e = failure(a);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it("keeps Retry-After for the back-off", () => {
    expect(failure(answer(429, "", { "retry-after": "90" })).retryAfterMs).toBe(90_000);
  });

  it("never repeats a token found in the answer body", () => {
    const e = failure(answer(200, `<html>${TOKEN}</html>`));
    expect(e.message).not.toContain(TOKEN);
  });
});

/** Recorded answer shapes (values invented), as Anthropic has sent them through 2026. */
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/usage/${name}.json`, import.meta.url), "utf8"));

describe("answers as Anthropic changes them", () => {
  it("today's shape: the windows it has, null ones left out, extra usage when enabled", () => {
    const usage = parseUsageAnswer(answer(200, fixture("today")), NOW);
    expect(Object.keys(usage.windows)).toEqual(["fiveHour", "sevenDay", "sevenDaySonnet"]);
    expect(usage.windows.sevenDaySonnet).toEqual({ utilization: 1, resetsAt: Date.parse("2026-02-03T14:59:59.600981Z") });
    expect(usage.extraUsage).toEqual({ enabled: true, utilization: 24.68, usedCredits: 1234, monthlyLimit: 5000 });
  });

  it("new windows (seven_day_oauth_apps, model-scoped ones, unknown names) are kept under their field name", () => {
    const usage = parseUsageAnswer(answer(200, fixture("new-windows")), NOW);
    expect(usage.windows).toEqual({
      fiveHour: { utilization: 61, resetsAt: Date.parse("2026-01-28T07:59:59.571Z") },
      sevenDay: { utilization: 22, resetsAt: Date.parse("2026-02-03T09:59:59.571Z") },
      sevenDayOpus: { utilization: 40, resetsAt: Date.parse("2026-02-03T09:59:59.571Z") },
      seven_day_oauth_apps: { utilization: 97, resetsAt: Date.parse("2026-02-02T09:59:59.571Z") },
      five_hour_opus: { utilization: 100, resetsAt: Date.parse("2026-01-28T05:00:00Z") },
      iguana_necktie: { utilization: 5 },
    });
    expect(usage.extraUsage).toBeUndefined();
    expect(windowsInOrder(usage.windows).map(([key]) => windowLabel(key))).toEqual(["5-hour", "week", "week Opus", "5-hour Opus", "iguana_necktie", "week OAuth apps"]);
  });

  it("every named window null: an empty reading, not a failure", () => {
    const usage = parseUsageAnswer(answer(200, fixture("all-null")), NOW);
    expect(usage).toEqual({ checkedAt: NOW, windows: {} });
  });

  it("an answer without five_hour and seven_day but with other windows is still read", () => {
    expect(parseUsageAnswer(answer(200, { seven_day_oauth_apps: { utilization: 12, resets_at: null } }), NOW).windows).toEqual({ seven_day_oauth_apps: { utilization: 12 } });
  });

  it("an unknown window that does not read cleanly is left out; the rest of the reading stands", () => {
    const usage = parseUsageAnswer(answer(200, { five_hour: { utilization: 5, resets_at: null }, seven_day_new: { utilization: 7, resets_at: "soon" } }), NOW);
    expect(usage.windows).toEqual({ fiveHour: { utilization: 5 } });
  });
});

describe("window labels", () => {
  it.each([
    ["fiveHour", "5-hour"],
    ["sevenDaySonnet", "week Sonnet"],
    ["seven_day_oauth_apps", "week OAuth apps"],
    ["five_hour_opus", "5-hour Opus"],
    ["seven_day_", "seven_day_"],
    ["monthly_tokens", "monthly_tokens"],
  ])("%s reads %s", (key, label) => {
    expect(windowLabel(key)).toBe(label);
  });
});

describe("nextUsageCheckDelay", () => {
  it("is the interval when all is well", () => {
    expect(nextUsageCheckDelay(10 * MIN, 0)).toBe(10 * MIN);
  });
  it("doubles with each 429 in a row, capped at 6 h", () => {
    expect(nextUsageCheckDelay(10 * MIN, 1)).toBe(20 * MIN);
    expect(nextUsageCheckDelay(10 * MIN, 3)).toBe(80 * MIN);
    expect(nextUsageCheckDelay(10 * MIN, 30)).toBe(360 * MIN);
  });
  it("never comes before the server's Retry-After", () => {
    expect(nextUsageCheckDelay(10 * MIN, 1, 3 * 3600_000)).toBe(3 * 3600_000);
    expect(nextUsageCheckDelay(10 * MIN, 1, 1_000)).toBe(20 * MIN);
  });
});
