import { describe, expect, it } from "vitest";
import { duration } from "../status/durations.js";
import type { StatusJson } from "../status/types.js";
import { CHAT_HELP, formatChatAccounts, formatChatStatus, formatLoggedIn, formatLoginStarted, formatRefreshOutcome, parseChatCommand, whatToDo } from "./chat-reply.js";

const NOW = Date.parse("2026-12-01T12:00:00.000Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function status(over: Partial<StatusJson> = {}): StatusJson {
  return {
    state: "ok",
    health: "healthy",
    source: "gateway",
    credentials: { path: "/srv/claude-credentials.json", mode: "600" },
    profileId: "anthropic:subscription",
    account: { email: "you@example.com", subscriptionType: "max" },
    accessToken: { expiresAt: iso(NOW + 372 * MIN), validForMinutes: 372, expired: false },
    login: { endsAt: iso(NOW + 24.3 * 1440 * MIN), endsInDays: 24.3 },
    lastRefresh: { at: iso(NOW - 47 * MIN), result: "ok" },
    nextRefreshAt: iso(NOW + 312 * MIN),
    unsavedTokens: false,
    ...over,
  };
}

describe("parseChatCommand", () => {
  it.each([
    [undefined, { kind: "status" }],
    ["", { kind: "status" }],
    ["  ", { kind: "status" }],
    ["status", { kind: "status" }],
    ["STATUS", { kind: "status" }],
    ["refresh", { kind: "refresh" }],
    [" Refresh ", { kind: "refresh" }],
    ["login", { kind: "login-start" }],
    ["login   ", { kind: "login-start" }],
    ["login abc#def", { kind: "login-finish", pasted: "abc#def" }],
    ["Login  abc#def ", { kind: "login-finish", pasted: "abc#def" }],
    ["help", { kind: "help" }],
    ["refesh", { kind: "unknown", word: "refesh" }],
  ])("%j -> %j", (args, expected) => {
    expect(parseChatCommand(args)).toEqual(expected);
  });
});

describe("formatChatStatus", () => {
  it("healthy: state in words, account, token validity worded so the web chat does not mask it, login end, refreshes; nothing to do", () => {
    expect(formatChatStatus(status(), NOW)).toBe(
      [
        "Claude login: healthy ✅",
        "Account: you@example.com, max",
        "Token valid for 6 h 12 min",
        "Login ends in 24.3 days (2026-12-25)",
        "Last refresh: ok, 47 min ago",
        "Next refresh in 5 h 12 min",
      ].join("\n"),
    );
    expect(formatChatStatus(status(), NOW)).not.toMatch(/Access token:/);
  });

  it("broken (needs-login): says so in words and what to do", () => {
    const text = formatChatStatus(status({ state: "needs-login", health: "broken", nextRefreshAt: undefined, lastRefresh: { at: iso(NOW - MIN), result: "failed", message: "x" } }), NOW);
    expect(text).toMatch(/^Claude login: broken ❌$/m);
    expect(text).toMatch(/^Last refresh: failed, 1 min ago$/m);
    expect(text).toMatch(/^What to do: The login has ended .* send \/claude login here/m);
  });

  it("needs attention while retrying: the reason's first sentence and the next try", () => {
    const text = formatChatStatus(status({ state: "retrying", health: "attention", retryAt: iso(NOW + 2 * MIN), lastError: { code: "server_error", message: "The token endpoint answered HTTP 503. More detail." } }), NOW);
    expect(text).toMatch(/^Claude login: needs attention ⚠️$/m);
    expect(text).toMatch(/^Next try in 2 min$/m);
    expect(text).not.toMatch(/Next refresh/);
    expect(text).toContain("What to do: Refreshes are failing (The token endpoint answered HTTP 503).");
  });

  it("expired token, login ending soon, no credentials, unsaved tokens: each has its advice", () => {
    expect(whatToDo(status({ accessToken: { expiresAt: iso(NOW - 5 * MIN), validForMinutes: 0, expired: true }, health: "broken" }), NOW)).toMatch(/has expired.*\/claude refresh/);
    expect(formatChatStatus(status({ accessToken: { expiresAt: iso(NOW - 5 * MIN), validForMinutes: 0, expired: true } }), NOW)).toMatch(/^Token expired 5 min ago$/m);
    expect(whatToDo(status({ login: { endsAt: iso(NOW + 2 * 1440 * MIN), endsInDays: 2 } }), NOW)).toMatch(/^The login ends in 2\.0 days.*\/claude login before then/);
    expect(whatToDo(status({ state: "no-credentials", health: "broken", account: undefined, accessToken: undefined }), NOW)).toMatch(/no Claude login.*\/claude login/);
    expect(whatToDo(status({ unsavedTokens: true }), NOW)).toMatch(/cannot be written/);
    expect(whatToDo(status(), NOW)).toBeUndefined();
  });
});

describe("the other replies", () => {
  it("duration", () => {
    expect(duration(0)).toBe("0 min");
    expect(duration(59 * MIN)).toBe("59 min");
    expect(duration(61 * MIN)).toBe("1 h 1 min");
    expect(duration(1440 * MIN)).toBe("1.0 days");
    expect(duration(-5)).toBe("0 min");
  });

  it("help has one line per subcommand", () => {
    expect(CHAT_HELP.split("\n")).toHaveLength(4);
  });

  it("refresh outcome, login started, logged in", () => {
    expect(formatRefreshOutcome({ kind: "refreshed", message: "x" })).toBe("Refreshed just now.");
    expect(formatRefreshOutcome({ kind: "failed", message: "Token refresh failed: why" })).toBe("Token refresh failed: why");
    const started = formatLoginStarted("https://claude.ai/oauth/authorize?x=1", NOW + 10 * MIN - 300, NOW);
    expect(started.split("\n")[1]).toBe("https://claude.ai/oauth/authorize?x=1");
    expect(started).toMatch(/good for 10 min/);
    expect(formatLoggedIn("you@example.com", NOW + 480 * MIN, NOW)).toMatch(/^Logged in as you@example\.com, valid for 8 h 0 min\./);
    expect(formatLoggedIn(undefined, NOW + 30 * MIN, NOW)).toMatch(/^Logged in, valid for 30 min\./);
  });
});

describe("usage and several accounts in the reply", () => {
  it("one line with every usage window, or why usage is unavailable", () => {
    const withUsage = formatChatStatus(status({ usage: { checkedAt: iso(NOW - MIN), windows: { fiveHour: { utilization: 43, resetsAt: iso(NOW + 130 * MIN) }, sevenDay: { utilization: 12 } } } }), NOW);
    expect(withUsage).toMatch(/^Usage: 5-hour 43 %, resets in 2 h 10 min; week 12 %$/m);
    const broken = formatChatStatus(status({ usage: { error: { code: "rejected", message: "the usage endpoint refused this login (HTTP 403).", at: iso(NOW) } } }), NOW);
    expect(broken).toMatch(/^Usage unavailable: the usage endpoint refused this login \(HTTP 403\)\.$/m);
    expect(formatChatStatus(status(), NOW)).not.toContain("Usage");
  });

  it("windows Anthropic added, by a readable name or their field name, and extra usage when on", () => {
    const reply = formatChatStatus(status({ usage: { checkedAt: iso(NOW - MIN), windows: { fiveHour: { utilization: 61 }, seven_day_oauth_apps: { utilization: 97 }, iguana_necktie: { utilization: 5 } }, extraUsage: { enabled: true, utilization: 24.68 } } }), NOW);
    expect(reply).toMatch(/^Usage: 5-hour 61 %; iguana_necktie 5 %; week OAuth apps 97 %; extra usage on \(25 % of its monthly limit\)$/m);
    expect(formatChatStatus(status({ usage: { checkedAt: iso(NOW - MIN), windows: {} } }), NOW)).toMatch(/^Usage: no usage recorded yet$/m);
  });

  it("several accounts: one block each, the one agents use first on top", () => {
    const text = formatChatAccounts(
      [
        { ...status({ state: "needs-login", health: "broken" }), name: "default", place: 2 },
        { ...status({ account: { email: "work@example.com" } }), name: "work", place: 1 },
      ],
      NOW,
    );
    const blocks = text.split("\n\n");
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^Account work \(agents use it first\)\nClaude login: healthy/);
    expect(blocks[1]).toMatch(/^Account default \(2nd in line\)\nClaude login: broken/);
    expect(blocks[1]).toContain("What to do: The login has ended");
  });
});
