import { describe, expect, it } from "vitest";
import type { AccountStatusJson, StatusJson } from "../status/types.js";
import { checkOf } from "./check.js";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const base = { source: "gateway" as const, credentials: { path: "/x" }, profileId: "anthropic:subscription", unsavedTokens: false };
const ok = (name: string, days = 20): AccountStatusJson => ({ ...base, name, place: 1, state: "ok", health: "healthy", accessToken: { expiresAt: iso(NOW + 3600_000), validForMinutes: 60, expired: false }, login: { endsAt: iso(NOW + days * 86_400_000), endsInDays: days } });

function view(accounts: AccountStatusJson[]): StatusJson {
  const { name: _n, place: _p, ...top } = accounts[0] as AccountStatusJson;
  return { ...top, accounts };
}

describe("checkOf: OpenClaw's models status --check codes", () => {
  it("ok: exit 0, HTTP 200, one line", () => {
    const c = checkOf(view([ok("default")]));
    expect(c).toEqual({ exitCode: 0, httpStatus: 200, line: "OK claude-oauth: login ends in 20 days" });
  });

  it("attention (login ends in 2 days; refresh failing): exit 2, HTTP 200, names the account", () => {
    const ending = { ...ok("work", 2), health: "attention" as const };
    const c = checkOf(view([ok("default"), ending]));
    expect(c).toEqual({ exitCode: 2, httpStatus: 200, line: "WARNING claude-oauth: work: login ends in 2 days" });
    const failing = { ...ok("default"), state: "retrying" as const, health: "attention" as const, lastError: { code: "network", message: "x" } };
    expect(checkOf(view([failing])).line).toBe("WARNING claude-oauth: refresh failing (network), token valid for 60 min");
  });

  it("broken (dead login, expired token) wins over attention: exit 1, HTTP 503", () => {
    const dead = { ...ok("work"), state: "needs-login" as const, health: "broken" as const };
    const ending = { ...ok("default", 2), health: "attention" as const };
    const c = checkOf(view([ending, dead]));
    expect(c).toEqual({ exitCode: 1, httpStatus: 503, line: "CRITICAL claude-oauth: work: the login has ended, log in again" });
    const expired = { ...ok("default"), health: "broken" as const, accessToken: { expiresAt: iso(NOW - 1), validForMinutes: 0, expired: true } };
    expect(checkOf(view([expired])).line).toBe("CRITICAL claude-oauth: access token expired");
  });

  it("always exactly one line", () => {
    const many = [ok("a"), ok("b"), ok("c")].map((a) => ({ ...a, state: "needs-login" as const, health: "broken" as const }));
    expect(checkOf(view(many)).line.split("\n")).toHaveLength(1);
  });
});
