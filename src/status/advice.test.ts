import { describe, expect, it } from "vitest";
import { adviceFor } from "./advice.js";
import { DAY_MS, MINUTE_MS } from "./durations.js";
import type { StatusJson } from "./types.js";

const NOW = Date.parse("2026-12-06T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

function status(over: Partial<StatusJson> = {}): StatusJson {
  return {
    state: "ok",
    health: "healthy",
    source: "gateway",
    credentials: { path: "/s/c.json" },
    profileId: "anthropic:subscription",
    accessToken: { expiresAt: iso(NOW + 300 * MINUTE_MS), validForMinutes: 300, expired: false },
    login: { endsAt: iso(NOW + 20 * DAY_MS), endsInDays: 20 },
    unsavedTokens: false,
    ...over,
  };
}

const expired = { expiresAt: iso(NOW - MINUTE_MS), validForMinutes: 0, expired: true };

describe("what to do, decided once for every surface", () => {
  it.each<[string, Partial<StatusJson>, ReturnType<typeof adviceFor>]>([
    ["all well", {}, undefined],
    ["login ended", { state: "needs-login", accessToken: expired }, { kind: "log-in", why: "login-ended" }],
    ["no login", { state: "no-credentials" }, { kind: "log-in", why: "no-login" }],
    ["unusable file", { state: "invalid-credentials", lastError: { code: "credentials_invalid", message: "Not JSON." } }, { kind: "replace-file", problem: "Not JSON." }],
    ["not running", { state: "stopped" }, { kind: "check-gateway-log" }],
    ["unsaved beats expired", { unsavedTokens: true, accessToken: expired }, { kind: "fix-disk" }],
    ["expired beats retrying", { state: "retrying", accessToken: expired }, { kind: "refresh-now" }],
    ["expired while a refresh runs: nothing to do yet", { state: "refreshing", accessToken: expired }, undefined],
    ["retrying", { state: "retrying", retryAt: iso(NOW + 2 * MINUTE_MS), lastError: { code: "server_error", message: "HTTP 503." } }, { kind: "wait-for-retry", retryAt: NOW + 2 * MINUTE_MS, problem: "HTTP 503." }],
    ["login ends in 3 days: the warning threshold", { login: { endsAt: iso(NOW + 3 * DAY_MS), endsInDays: 3 } }, { kind: "log-in-before-end", endsAt: NOW + 3 * DAY_MS }],
    ["login ends in 3 days and a minute: not yet", { login: { endsAt: iso(NOW + 3 * DAY_MS + MINUTE_MS), endsInDays: 3 } }, undefined],
  ])("%s", (_name, over, advice) => {
    expect(adviceFor(status(over), NOW)).toEqual(advice);
  });
});
