import { describe, expect, it } from "vitest";
import { allNearlyUsedUp, decideBlocks, decideGiveBack, decideLending, decideOrder, fullestPercent, isExhausted, type AccountStanding } from "./account-order.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const HOUR = 3600_000;
const SWITCH = 95;

function account(name: string, fiveHour?: number, options: { resetsIn?: number; week?: number; serving?: boolean; needsLogin?: boolean } = {}): AccountStanding {
  const windows: NonNullable<AccountStanding["usage"]>["windows"] = {};
  if (fiveHour !== undefined) windows.fiveHour = { utilization: fiveHour, resetsAt: NOW + (options.resetsIn ?? 2 * HOUR) };
  if (options.week !== undefined) windows.sevenDay = { utilization: options.week, resetsAt: NOW + 72 * HOUR };
  return { name, serving: options.serving ?? true, needsLogin: options.needsLogin ?? false, ...(fiveHour !== undefined || options.week !== undefined ? { usage: { windows } } : {}) };
}

describe("every window counts, known or not", () => {
  const withWindow = (name: string, key: string, utilization: number): AccountStanding => ({ name, serving: true, needsLogin: false, usage: { windows: { fiveHour: { utilization: 10 }, [key]: { utilization, resetsAt: NOW + 2 * HOUR } } } });

  it("an account at 100 % of a window Anthropic added is exhausted and gives way, with the window's label", () => {
    const full = withWindow("default", "seven_day_oauth_apps", 100);
    expect(isExhausted(full, NOW)).toBe(true);
    expect(fullestPercent(full, NOW)).toBe(100);
    const d = decideOrder([full, account("work", 30)], ["default", "work"], SWITCH, NOW);
    expect(d.order).toEqual(["work", "default"]);
    expect(d.reason).toBe("work is first: default reached 100 % of its week OAuth apps window, resets 14:00 UTC");
  });

  it("a model-scoped window at the threshold moves the first account too", () => {
    expect(decideOrder([withWindow("default", "five_hour_opus", 96), account("work", 30)], ["default", "work"], SWITCH, NOW).order).toEqual(["work", "default"]);
  });
});

describe("decideOrder", () => {
  it("one account: always first, nothing to log", () => {
    expect(decideOrder([account("default", 99)], ["default"], SWITCH, NOW)).toEqual({ order: ["default"] });
    expect(decideOrder([account("default", 100)], ["default"], SWITCH, NOW).order).toEqual(["default"]);
  });

  it("sticky: the account in use stays first below the threshold, even when another has more room", () => {
    expect(decideOrder([account("default", 80), account("work", 5)], ["default", "work"], SWITCH, NOW)).toEqual({ order: ["default", "work"] });
  });

  it("at the threshold the account with the most room goes first, with the reason", () => {
    const d = decideOrder([account("default", 96), account("work", 40), account("spare", 10)], ["default", "work", "spare"], SWITCH, NOW);
    expect(d.order).toEqual(["spare", "work", "default"]);
    expect(d.reason).toBe("spare is first: default reached 96 % of its 5-hour window, resets 14:00 UTC");
  });

  it("the highest window counts: a full week outweighs an empty 5-hour window", () => {
    const d = decideOrder([account("default", 2, { week: 97 }), account("work", 30)], ["default", "work"], SWITCH, NOW);
    expect(d.order).toEqual(["work", "default"]);
    expect(d.reason).toMatch(/default reached 97 % of its week window/);
    expect(fullestPercent(account("x", 2, { week: 97 }), NOW)).toBe(97);
  });

  it("no flapping: the old first coming back under the threshold does not take over again", () => {
    const first = decideOrder([account("default", 96), account("work", 10)], ["default", "work"], SWITCH, NOW);
    expect(first.order).toEqual(["work", "default"]);
    expect(decideOrder([account("default", 10), account("work", 30)], first.order, SWITCH, NOW)).toEqual({ order: ["work", "default"] });
  });

  it("100 %: last until its window resets, then back among the healthy (but not first while work is fine)", () => {
    const atLimit = [account("default", 40), account("work", 100, { resetsIn: HOUR })];
    const d = decideOrder(atLimit, ["work", "default"], SWITCH, NOW);
    expect(d.order).toEqual(["default", "work"]);
    expect(d.reason).toBe("default is first: work reached 100 % of its 5-hour window, resets 13:00 UTC");
    expect(isExhausted(atLimit[1] as AccountStanding, NOW)).toBe(true);
    // an hour later the window has reset: its stale 100 % no longer counts, and default stays first
    expect(isExhausted(atLimit[1] as AccountStanding, NOW + HOUR)).toBe(false);
    expect(decideOrder(atLimit, d.order, SWITCH, NOW + HOUR)).toEqual({ order: ["default", "work"] });
  });

  it("a 100 % account goes behind one that is merely nearly full", () => {
    expect(decideOrder([account("a", 100), account("b", 97), account("c", 99)], ["a", "b", "c"], SWITCH, NOW).order).toEqual(["b", "c", "a"]);
  });

  it("needs a login: last, the reason says so, and it comes back only with a new login", () => {
    const d = decideOrder([account("default", 10, { needsLogin: true, serving: false }), account("work", 50)], ["default", "work"], SWITCH, NOW);
    expect(d).toEqual({ order: ["work", "default"], reason: "work is first: default needs a new login" });
    expect(decideOrder([account("default", 100), account("work", 10, { needsLogin: true })], ["default", "work"], SWITCH, NOW).order).toEqual(["default", "work"]);
  });

  it("a first account whose token cannot be used gives way to a serving one", () => {
    const d = decideOrder([account("default", 5, { serving: false }), account("work", 60)], ["default", "work"], SWITCH, NOW);
    expect(d).toEqual({ order: ["work", "default"], reason: "work is first: default's token cannot be used" });
  });

  it("ties: the earlier place in the order wins, then the name; unknown usage counts as empty", () => {
    expect(decideOrder([account("b", 20), account("a", 20), account("c", 99)], ["c", "b", "a"], SWITCH, NOW).order).toEqual(["b", "a", "c"]);
    expect(decideOrder([account("b"), account("a")], [], SWITCH, NOW).order).toEqual(["a", "b"]);
    expect(decideOrder([account("z", 97), account("new")], ["z"], SWITCH, NOW).order).toEqual(["new", "z"]);
  });

  it("everyone over the threshold: the one with the most room still goes first", () => {
    expect(decideOrder([account("a", 99), account("b", 96)], ["a", "b"], SWITCH, NOW).order).toEqual(["b", "a"]);
  });

  it("a new account with nothing in force yet: no reason to log", () => {
    expect(decideOrder([account("default", 10), account("work", 5)], [], SWITCH, NOW)).toEqual({ order: ["work", "default"] });
  });
});

describe("allNearlyUsedUp", () => {
  it("only when every account with a login is at or over the threshold; names the soonest reset", () => {
    expect(allNearlyUsedUp([account("a", 96, { resetsIn: 3 * HOUR }), account("b", 99, { resetsIn: HOUR })], SWITCH, NOW)).toEqual({ firstResetAt: NOW + HOUR });
    expect(allNearlyUsedUp([account("a", 96), account("b", 50)], SWITCH, NOW)).toBeUndefined();
    expect(allNearlyUsedUp([account("a", 96), account("b", undefined)], SWITCH, NOW)).toBeUndefined();
    expect(allNearlyUsedUp([account("a", 96, { resetsIn: HOUR }), account("b", 10, { needsLogin: true })], SWITCH, NOW)).toEqual({ firstResetAt: NOW + HOUR });
    expect(allNearlyUsedUp([account("b", 10, { needsLogin: true })], SWITCH, NOW)).toBeUndefined();
  });
});

describe("decideBlocks", () => {
  const none = () => undefined;
  it("blocks an account at the threshold until its latest such window resets, and one at 100 % only at 100 %", () => {
    const accounts = [account("default", 20), account("work", 96, { resetsIn: HOUR, week: 97 }), account("spare", 100, { resetsIn: 3 * HOUR, week: 50 })];
    expect(decideBlocks(accounts, "default", none, SWITCH, NOW)).toEqual({ work: NOW + 72 * HOUR, spare: NOW + 3 * HOUR });
  });

  it("a dead login is blocked until its access token expires, so sessions pinned to it move now", () => {
    const accounts = [account("default", 20), account("work", undefined, { needsLogin: true })];
    expect(decideBlocks(accounts, "default", (n) => (n === "work" ? NOW + HOUR : undefined), SWITCH, NOW)).toEqual({ work: NOW + HOUR });
    expect(decideBlocks(accounts, "default", (n) => (n === "work" ? NOW - 1 : undefined), SWITCH, NOW)).toEqual({});
  });

  it("blocks nothing when the first account cannot take the load (nowhere else to go)", () => {
    expect(decideBlocks([account("default", 96), account("work", 99)], "default", none, SWITCH, NOW)).toEqual({});
    expect(decideBlocks([account("default", 10, { serving: false }), account("work", 99)], "default", none, SWITCH, NOW)).toEqual({});
    expect(decideBlocks([account("work", 99)], undefined, none, SWITCH, NOW)).toEqual({});
  });

  it("a window whose reset has passed blocks nothing", () => {
    expect(decideBlocks([account("default", 10), account("work", 99, { resetsIn: -1 })], "default", none, SWITCH, NOW)).toEqual({});
  });
});

describe("decideLending", () => {
  it("every blocked account lends its profile to the first one", () => {
    expect([...decideLending({ default: 1, spare: 2 }, "work", true)]).toEqual([["default", "work"], ["spare", "work"]]);
  });
  it("nothing is lent while the first account has no token to give, or there is no first", () => {
    expect(decideLending({ default: 1 }, "work", false).size).toBe(0);
    expect(decideLending({ default: 1 }, undefined, true).size).toBe(0);
  });
  it("no block, no lending; the first never lends to itself", () => {
    expect(decideLending({}, "work", true).size).toBe(0);
    expect(decideLending({ work: 1 }, "work", true).size).toBe(0);
  });
  it("a lent profile whose account has no token of its own to take back stays lent, block or not", () => {
    expect([...decideLending({}, "work", true, ["default"])]).toEqual([["default", "work"]]);
    expect([...decideLending({ default: 1 }, "work", true, ["default"])]).toEqual([["default", "work"]]);
    expect(decideLending({}, "work", true, ["work"]).size).toBe(0);
  });
});

describe("decideGiveBack", () => {
  const tok = (accessToken: string) => ({ accessToken });
  const accounts: Record<string, { token?: { accessToken: string } }> = { "p:default": { token: tok("own-default") }, "p:dead": {}, "p:spare": { token: tok("own-spare") } };
  const own = (id: string) => accounts[id];
  it("a profile lent before and not now gets its own token back, compare-and-set against the lent one", () => {
    const r = decideGiveBack({ "p:default": tok("lent-work") }, {}, own);
    expect(r.giveBack).toEqual({ "p:default": { token: tok("own-default"), lent: "lent-work" } });
    expect(r.stillLent).toEqual({});
  });
  it("a profile lent now keeps the new carry, whatever it held before", () => {
    const r = decideGiveBack({ "p:default": tok("lent-old") }, { "p:default": tok("lent-new") }, own);
    expect(r.giveBack).toEqual({});
    expect(r.stillLent).toEqual({ "p:default": tok("lent-new") });
  });
  it("an account with no token of its own stays lent; a profile of no account is dropped", () => {
    const r = decideGiveBack({ "p:dead": tok("lent-work"), "p:gone": tok("lent-work") }, { "p:spare": tok("lent-work") }, own);
    expect(r.giveBack).toEqual({});
    expect(r.stillLent).toEqual({ "p:dead": tok("lent-work"), "p:spare": tok("lent-work") });
  });
});
