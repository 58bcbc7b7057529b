import { describe, expect, it } from "vitest";
import { toStatusJson } from "../status/build.js";
import { exitCodeFor, healthOf } from "../status/health.js";
import type { ServiceStatus } from "../status/types.js";
import { formatStatusTable } from "./status-view.js";

const NOW = 1_767_225_600_000;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

function status(partial: Partial<ServiceStatus> = {}): ServiceStatus {
  return { state: "ok", credentialsPath: "/s/claude-credentials.json", profileId: "anthropic:subscription", unsavedTokens: false, accessTokenExpiresAt: NOW + 300 * MIN, ...partial };
}

describe("healthOf and exit codes", () => {
  it.each<[string, Partial<ServiceStatus>, "healthy" | "attention" | "broken", number]>([
    ["ok", {}, "healthy", 0],
    ["retrying", { state: "retrying" }, "attention", 1],
    ["outcome unknown", { state: "outcome-unknown" }, "attention", 1],
    ["unsaved tokens", { unsavedTokens: true }, "attention", 1],
    ["login ends in 2 days", { loginEndsAt: NOW + 2 * DAY }, "attention", 1],
    ["login ends in 10 days", { loginEndsAt: NOW + 10 * DAY }, "healthy", 0],
    ["needs login", { state: "needs-login" }, "broken", 2],
    ["no credentials", { state: "no-credentials", accessTokenExpiresAt: undefined }, "broken", 2],
    ["invalid credentials", { state: "invalid-credentials" }, "broken", 2],
    ["token expired and not refreshing", { accessTokenExpiresAt: NOW - MIN }, "broken", 2],
    ["token expired while refreshing", { state: "refreshing", accessTokenExpiresAt: NOW - MIN }, "healthy", 0],
  ])("%s -> %s (exit %d)", (_name, partial, health, code) => {
    const h = healthOf(status(partial), NOW);
    expect(h).toBe(health);
    expect(exitCodeFor(h)).toBe(code);
  });
});

describe("toStatusJson", () => {
  it("carries the running service's events, newest first, as ISO times; a status from the file has none", () => {
    const events = [{ at: NOW - MIN, kind: "refreshed" as const, message: "Token refreshed; valid for 479 minutes" }];
    expect(toStatusJson(status({ events }), NOW, { source: "gateway" }).events).toEqual([{ at: new Date(NOW - MIN).toISOString(), kind: "refreshed", message: "Token refreshed; valid for 479 minutes" }]);
    expect(toStatusJson(status({ events }), NOW, { source: "file" })).not.toHaveProperty("events");
  });


  it("is the documented shape, with ISO times and minutes", () => {
    const json = toStatusJson(status({ loginEndsAt: NOW + 20 * DAY, agents: ["main", "ops"], lastRefresh: { at: NOW - 5 * MIN, result: "ok" }, nextRefreshAt: NOW + 240 * MIN }), NOW, { source: "gateway", mode: 0o600 });
    expect(json).toEqual({
      state: "ok",
      health: "healthy",
      source: "gateway",
      credentials: { path: "/s/claude-credentials.json", mode: "600" },
      profileId: "anthropic:subscription",
      agents: ["main", "ops"],
      accessToken: { expiresAt: new Date(NOW + 300 * MIN).toISOString(), validForMinutes: 300, expired: false },
      login: { endsAt: new Date(NOW + 20 * DAY).toISOString(), endsInDays: 20 },
      lastRefresh: { at: new Date(NOW - 5 * MIN).toISOString(), result: "ok" },
      nextRefreshAt: new Date(NOW + 240 * MIN).toISOString(),
      unsavedTokens: false,
    });
  });

  it("read from the file with no gateway, an expired token says expired", () => {
    expect(toStatusJson(status({ accessTokenExpiresAt: NOW - MIN }), NOW, { source: "file" }).state).toBe("expired");
    expect(toStatusJson(status({ accessTokenExpiresAt: NOW - MIN }), NOW, { source: "gateway" }).state).toBe("ok");
  });
});

describe("formatStatusTable", () => {
  it("aligns the rows and says where the data came from", () => {
    const text = formatStatusTable(toStatusJson(status({ account: { email: "me@example.test", subscriptionType: "max" } }), NOW, { source: "file", mode: 0o600 }), NOW);
    const lines = text.split("\n");
    expect(lines[0]).toBe("State             ok (healthy)");
    expect(text).toContain("Account           me@example.test, max");
    expect(text).toContain("Access token      valid, expires in 5 h 0 min");
    expect(text).toContain("Credentials       /s/claude-credentials.json (mode 600)");
    expect(text).toContain("credentials file (no gateway reachable)");
    const valueColumn = new Set(lines.map((l) => /^\S[^ ]*(?: \S+)*\s{2,}/.exec(l)?.[0].length));
    expect(valueColumn.size).toBe(1);
  });

  it("warns about unsaved tokens and shows the last error", () => {
    const text = formatStatusTable(toStatusJson(status({ unsavedTokens: true, lastError: { code: "persist_failed", message: "Could not save: the disk is full" } }), NOW, { source: "gateway" }), NOW);
    expect(text).toMatch(/WARNING\s+refreshed tokens are held in memory only/);
    expect(text).toMatch(/Last error\s+Could not save: the disk is full/);
    expect(text).toMatch(/To do\s+make the credentials file writable/);
  });

  it("says what to do, from the same advice as chat and dashboard; nothing when all is well", () => {
    const ended = formatStatusTable(toStatusJson(status({ state: "needs-login" }), NOW, { source: "gateway" }), NOW);
    expect(ended.split("\n")[1]).toMatch(/^To do\s+the login has ended; log in again: run "openclaw claude-oauth login" here/);
    const ending = formatStatusTable(toStatusJson(status({ loginEndsAt: NOW + 2 * DAY }), NOW, { source: "gateway" }), NOW);
    expect(ending).toMatch(/To do\s+the login cannot be extended; before it ends, run "openclaw claude-oauth login"/);
    expect(formatStatusTable(toStatusJson(status(), NOW, { source: "gateway" }), NOW)).not.toContain("To do");
  });
});

describe("usage in the status", () => {
  const usage: ServiceStatus["usage"] = {
    usage: { checkedAt: NOW - 2 * MIN, windows: { fiveHour: { utilization: 43.4, resetsAt: NOW + 130 * MIN }, sevenDay: { utilization: 12 }, sevenDaySonnet: { utilization: 100, resetsAt: NOW + 3 * DAY } } },
    nextCheckAt: NOW + 8 * MIN,
  };

  it("JSON: checkedAt and every window the answer had, times as ISO", () => {
    expect(toStatusJson(status({ usage }), NOW, { source: "gateway" }).usage).toEqual({
      checkedAt: new Date(NOW - 2 * MIN).toISOString(),
      windows: {
        fiveHour: { utilization: 43.4, resetsAt: new Date(NOW + 130 * MIN).toISOString() },
        sevenDay: { utilization: 12 },
        sevenDaySonnet: { utilization: 100, resetsAt: new Date(NOW + 3 * DAY).toISOString() },
      },
      nextCheckAt: new Date(NOW + 8 * MIN).toISOString(),
    });
  });

  it("JSON: the reason when the last check failed, keeping the last numbers", () => {
    const json = toStatusJson(status({ usage: { ...usage, error: { code: "rejected", message: "the usage endpoint refused this login (HTTP 403)", at: NOW } } }), NOW, { source: "gateway" });
    expect(json.usage?.error).toEqual({ code: "rejected", message: "the usage endpoint refused this login (HTTP 403)", at: new Date(NOW).toISOString() });
    expect(json.usage?.windows?.fiveHour?.utilization).toBe(43.4);
  });

  it("no usage field when checks are off", () => {
    expect(toStatusJson(status(), NOW, { source: "gateway" }).usage).toBeUndefined();
  });

  it("text: percent used and when each window resets, in reading order", () => {
    const text = formatStatusTable(toStatusJson(status({ usage }), NOW, { source: "gateway" }), NOW);
    expect(text).toMatch(/^Usage +5-hour 43 %, resets in 2 h 10 min; week 12 %; week Sonnet 100 %, resets in 3\.0 days \(checked 2 min ago\)$/m);
  });

  it("text: windows Anthropic added and extra usage, from the status value", () => {
    const added: ServiceStatus["usage"] = { usage: { checkedAt: NOW - 2 * MIN, windows: { sevenDay: { utilization: 22 }, five_hour_opus: { utilization: 100, resetsAt: NOW + 30 * MIN }, seven_day_oauth_apps: { utilization: 97 } }, extraUsage: { enabled: true } } };
    const json = toStatusJson(status({ usage: added }), NOW, { source: "gateway" });
    expect(Object.keys(json.usage?.windows ?? {})).toEqual(["sevenDay", "five_hour_opus", "seven_day_oauth_apps"]);
    expect(formatStatusTable(json, NOW)).toMatch(/^Usage +week 22 %; 5-hour Opus 100 %, resets in 30 min; week OAuth apps 97 %; extra usage on \(checked 2 min ago\)$/m);
  });

  it("text: a check that found every window null says so", () => {
    const json = toStatusJson(status({ usage: { usage: { checkedAt: NOW - MIN, windows: {} } } }), NOW, { source: "gateway" });
    expect(formatStatusTable(json, NOW)).toMatch(/^Usage +no usage recorded yet \(checked 1 min ago\)$/m);
  });

  it("text: a failed check says usage is unavailable and why", () => {
    const text = formatStatusTable(toStatusJson(status({ usage: { error: { code: "rejected", message: "the usage endpoint refused this login (HTTP 403).", at: NOW } } }), NOW, { source: "gateway" }), NOW);
    expect(text).toMatch(/^Usage +unavailable: the usage endpoint refused this login \(HTTP 403\)\.$/m);
  });
});

describe("the last alert", () => {
  it("status --json carries it (ISO time) and the table says where it went", () => {
    const s = status({ lastAlert: { kind: "needs-login", at: NOW - 5 * MIN, delivered: true, targets: ["telegram:1"] } });
    const json = toStatusJson(s, NOW, { source: "gateway" });
    expect(json.lastAlert).toEqual({ kind: "needs-login", at: new Date(NOW - 5 * MIN).toISOString(), delivered: true, targets: ["telegram:1"] });
    expect(formatStatusTable(json, NOW)).toMatch(/^Last alert\s+needs-login 5 min ago, delivered to telegram:1$/m);
    const pending = toStatusJson(status({ lastAlert: { kind: "token-expiring", at: NOW, delivered: false, targets: ["telegram:1"] } }), NOW, { source: "gateway" });
    expect(formatStatusTable(pending, NOW)).toMatch(/^Last alert\s+token-expiring .*NOT yet delivered to telegram:1$/m);
    const none = toStatusJson(status({ lastAlert: { kind: "needs-login", at: NOW, delivered: false, targets: [] } }), NOW, { source: "gateway" });
    expect(formatStatusTable(none, NOW)).toMatch(/no owner chat configured/);
    expect(toStatusJson(status(), NOW, { source: "gateway" })).not.toHaveProperty("lastAlert");
  });
});

describe("lock protocol in status", () => {
  const claudeCode = { lockProtocol: "claude-code" as const, locks: { refresh: ["/c/.oauth_refresh.lock", "/c.lock"], write: "/c/.storage-write.lock" } };

  it("JSON says which protocol guards the file, with the lock paths", () => {
    const json = toStatusJson(status(claudeCode), Date.now(), { source: "file" });
    expect(json.lockProtocol).toBe("claude-code");
    expect(json.locks).toEqual({ refresh: ["/c/.oauth_refresh.lock", "/c.lock"], write: "/c/.storage-write.lock" });
    const own = toStatusJson(status({ lockProtocol: "plugin", locks: { refresh: ["/s/creds.json.lock"] } }), Date.now(), { source: "file" });
    expect(own.lockProtocol).toBe("plugin");
    expect(own.locks).toEqual({ refresh: ["/s/creds.json.lock"] });
  });

  it("the table has a Locks row", () => {
    const now = Date.now();
    expect(formatStatusTable(toStatusJson(status(claudeCode), now, { source: "gateway" }), now)).toMatch(/^Locks\s+Claude Code's, shared with it \(\/c\/\.oauth_refresh\.lock, \/c\.lock, \/c\/\.storage-write\.lock\)$/m);
    expect(formatStatusTable(toStatusJson(status({ lockProtocol: "plugin", locks: { refresh: ["/s/creds.json.lock"] } }), now, { source: "gateway" }), now)).toMatch(/^Locks\s+the plugin's own \(\/s\/creds\.json\.lock\)$/m);
  });
});
