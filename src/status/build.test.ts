import { describe, expect, it } from "vitest";
import { DAY_MS, MINUTE_MS } from "./durations.js";
import { statusFromAccounts, toUsageJson } from "./build.js";
import { exitCodeFor, worstHealth } from "./health.js";
import type { AccountStatus } from "./types.js";

const NOW = Date.parse("2026-12-06T12:00:00.000Z");

function account(name: string, place: number, over: Partial<AccountStatus> = {}): AccountStatus {
  return { name, place, state: "ok", credentialsPath: `/s/${name}.json`, profileId: `anthropic:${name}`, unsavedTokens: false, accessTokenExpiresAt: NOW + 300 * MINUTE_MS, ...over };
}

describe("worst health", () => {
  it("is the worst of the accounts', healthy with none, and maps to status's exit code", () => {
    expect(worstHealth([])).toBe("healthy");
    expect(worstHealth(["healthy", "attention", "healthy"])).toBe("attention");
    expect(worstHealth(["attention", "broken", "healthy"])).toBe("broken");
    expect([exitCodeFor("healthy"), exitCodeFor("attention"), exitCodeFor("broken")]).toEqual([0, 1, 2]);
  });
});

describe("the status value of several accounts", () => {
  const accounts = [account("default", 2), account("work", 1, { state: "needs-login" })];

  it("top level: the default account's fields with the worst health, as `status` exits; each account keeps its own", () => {
    const s = statusFromAccounts(accounts, NOW, { source: "gateway" });
    expect(s.profileId).toBe("anthropic:default");
    expect(s.state).toBe("ok");
    expect(s.health).toBe("broken");
    expect(s.accounts?.map((a) => [a.name, a.place, a.health])).toEqual([
      ["default", 2, "healthy"],
      ["work", 1, "broken"],
    ]);
  });

  it("one account asked for: its own fields and health", () => {
    const s = statusFromAccounts(accounts, NOW, { source: "gateway", account: "default" });
    expect(s.health).toBe("healthy");
    expect(statusFromAccounts(accounts, NOW, { source: "gateway", account: "work" }).health).toBe("broken");
  });

  it("one account alone: the same as before, its own health", () => {
    expect(statusFromAccounts([account("default", 1, { loginEndsAt: NOW + 2 * DAY_MS })], NOW, { source: "file" }).health).toBe("attention");
  });

  it("an account that does not exist is refused with the names there are", () => {
    expect(() => statusFromAccounts(accounts, NOW, { source: "gateway", account: "home" })).toThrow(/No Claude account named "home" .*accounts: default, work/);
  });

  it("file modes are per account", () => {
    const s = statusFromAccounts(accounts, NOW, { source: "gateway", modes: new Map([["work", 0o600]]) });
    expect(s.accounts?.map((a) => a.credentials.mode)).toEqual([undefined, "600"]);
  });
});

describe("usage in the status value", () => {
  it("known windows keep their keys, others come under their field name, extra usage when enabled", () => {
    const json = toUsageJson({
      usage: { checkedAt: NOW, windows: { fiveHour: { utilization: 10, resetsAt: NOW + 60 * MINUTE_MS }, seven_day_oauth_apps: { utilization: 80 } }, extraUsage: { enabled: true, utilization: 12.5 } },
    });
    expect(json).toEqual({
      checkedAt: new Date(NOW).toISOString(),
      windows: { fiveHour: { utilization: 10, resetsAt: new Date(NOW + 60 * MINUTE_MS).toISOString() }, seven_day_oauth_apps: { utilization: 80 } },
      extraUsage: { enabled: true, utilization: 12.5 },
    });
  });
});
