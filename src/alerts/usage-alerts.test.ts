import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AccountStatus, AccountStatusJson } from "../status/types.js";
import type { Clock } from "../core/clock.js";
import { AlertLedger, type Alert } from "./alerts.js";
import { alertLevels, clockTime, decideUsageAlerts, digestDue, digestMessage, localDay, periodOver, type AccountUsage, type UsageMemory } from "./usage-alert-decisions.js";
import { UsageAlerts } from "./usage-alerts.js";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const H = 3600_000;
const RESET = NOW + 2 * H + 5 * 60_000;

function acct(name: string, place: number, fiveHour: number, opts: { resetsAt?: number; serving?: boolean; week?: number } = {}): AccountUsage {
  return {
    name,
    place,
    serving: opts.serving ?? true,
    windows: [
      { key: "fiveHour", label: "5-hour", utilization: fiveHour, resetsAt: opts.resetsAt ?? RESET },
      ...(opts.week !== undefined ? [{ key: "sevenDay", label: "week", utilization: opts.week, resetsAt: NOW + 3 * 24 * H }] : []),
    ],
  };
}

/** Runs readings through the decision one after another, as checks do, keeping the memory. */
function run(readings: AccountUsage[][], account: string, percents = [80, 95], start: UsageMemory = {}, now = NOW): { messages: string[][]; memory: UsageMemory } {
  let memory = start;
  const messages: string[][] = [];
  for (const accounts of readings) {
    const d = decideUsageAlerts({ account, accounts, percents, memory, now });
    memory = d.memory;
    messages.push(d.alerts.map((a) => a.message));
  }
  return { messages, memory };
}

describe("decideUsageAlerts", () => {
  it("70 → 82 → 96 → 100: one message at 80, one at 95, one at 100 naming where agents went", () => {
    const { messages, memory } = run(
      [
        [acct("work", 1, 70), acct("default", 2, 12)],
        [acct("work", 1, 82), acct("default", 2, 12)],
        [acct("work", 1, 82.5), acct("default", 2, 12)],
        [acct("work", 2, 96), acct("default", 1, 12)],
        [acct("work", 2, 100), acct("default", 1, 13)],
        [acct("work", 2, 100), acct("default", 1, 14)],
      ],
      "work",
    );
    const t = clockTime(RESET, NOW);
    expect(messages).toEqual([
      [],
      [`work: 5-hour window at 82 %, resets ${t} (in 2 h 5 min); default is next with 12 %.`],
      [],
      [`work: 5-hour window at 96 %, resets ${t} (in 2 h 5 min); agents use default now (12 %).`],
      [`work: 5-hour window used up (100 %), resets ${t} (in 2 h 5 min); agents use default now (13 %).`],
      [],
    ]);
    expect(memory).toEqual({ fiveHour: { resetsAt: RESET, sent: [80, 95, 100] } });
  });

  it("a jump over several marks sends only the highest, and marks the lower ones too", () => {
    const { messages, memory } = run([[acct("work", 1, 97), acct("default", 2, 5)], [acct("work", 1, 98), acct("default", 2, 5)]], "work");
    expect(messages[0]).toHaveLength(1);
    expect(messages[0]?.[0]).toMatch(/^work: 5-hour window at 97 %/);
    expect(messages[1]).toEqual([]);
    expect(memory.fiveHour?.sent).toEqual([80, 95]);
  });

  it("remembered marks are not told again (a restart reads the same memory)", () => {
    const first = run([[acct("work", 1, 82), acct("default", 2, 5)]], "work");
    const again = run([[acct("work", 1, 84), acct("default", 2, 5)]], "work", [80, 95], first.memory);
    expect(again.messages).toEqual([[]]);
  });

  it("after the window's reset passes, crossing 80 again is told again", () => {
    const before = run([[acct("work", 1, 100), acct("default", 2, 5)]], "work");
    expect(before.memory.fiveHour?.sent).toEqual([80, 95, 100]);
    const later = RESET + 60_000;
    const next = RESET + 5 * H;
    const after = run([[acct("work", 1, 30, { resetsAt: next }), acct("default", 2, 5)], [acct("work", 1, 81, { resetsAt: next }), acct("default", 2, 5)]], "work", [80, 95], before.memory, later);
    expect(after.messages[0]).toEqual([]);
    expect(after.messages[1]?.[0]).toMatch(/^work: 5-hour window at 81 %/);
  });

  it("a later reset than remembered is a new period even before the clock reaches the old one", () => {
    expect(periodOver({ resetsAt: RESET, sent: [80] }, { key: "fiveHour", label: "5-hour", utilization: 81, resetsAt: RESET + 5 * H }, NOW)).toBe(true);
    // server jitter of a few seconds on the same reset is the same period
    expect(periodOver({ resetsAt: RESET, sent: [80] }, { key: "fiveHour", label: "5-hour", utilization: 81, resetsAt: RESET + 900 }, NOW)).toBe(false);
    // no reset known: over once usage is back under the lowest mark told
    expect(periodOver({ sent: [80, 95] }, { key: "fiveHour", label: "5-hour", utilization: 50 }, NOW)).toBe(true);
    expect(periodOver({ sent: [80, 95] }, { key: "fiveHour", label: "5-hour", utilization: 85 }, NOW)).toBe(false);
  });

  it("a reading whose reset has already passed is old news: nothing is told", () => {
    const { messages } = run([[acct("work", 1, 99, { resetsAt: NOW - 1000 }), acct("default", 2, 5)]], "work");
    expect(messages).toEqual([[]]);
  });

  it("each window on its own: the week crossing 80 is told although the 5-hour one was", () => {
    const { messages } = run([[acct("work", 1, 85, { week: 10 }), acct("default", 2, 5)], [acct("work", 1, 85, { week: 81 }), acct("default", 2, 5)]], "work");
    expect(messages[0]?.[0]).toMatch(/^work: 5-hour window at 85 %/);
    expect(messages[1]).toHaveLength(1);
    expect(messages[1]?.[0]).toMatch(/^work: week window at 81 %, resets .* \(in 3\.0 days\); default is next with 5 %\.$/);
  });

  it("at 100 % with no account left: says when the first window resets", () => {
    const soon = NOW + 40 * 60_000;
    const { messages } = run([[acct("work", 2, 100), acct("default", 1, 100, { resetsAt: soon })]], "work");
    expect(messages[0]?.[0]).toBe(`work: 5-hour window used up (100 %), resets ${clockTime(RESET, NOW)} (in 2 h 5 min); no account is left: the first window resets ${clockTime(soon, NOW)} (in 40 min). Agents get "rate limited" answers until then.`);
  });

  it("one account: no account names, no next account", () => {
    const { messages } = run([[acct("default", 1, 81)], [acct("default", 1, 100)]], "default");
    expect(messages[0]).toEqual([`Claude: 5-hour window at 81 %, resets ${clockTime(RESET, NOW)} (in 2 h 5 min).`]);
    expect(messages[1]?.[0]).toMatch(/^Claude: 5-hour window used up \(100 %\).*; no account is left: the first window resets/);
  });

  it("[] turns it off; 100 is always a mark when any is set", () => {
    expect(alertLevels([])).toEqual([]);
    expect(alertLevels([95, 80])).toEqual([80, 95, 100]);
    expect(alertLevels([100, 50])).toEqual([50, 100]);
    expect(run([[acct("work", 1, 100), acct("default", 2, 5)]], "work", []).messages).toEqual([[]]);
    expect(run([[acct("work", 1, 60), acct("default", 2, 5)]], "work", [50]).messages[0]?.[0]).toMatch(/at 60 %/);
  });

  it("another account in use and nobody usable next: says so", () => {
    const { messages } = run([[acct("work", 1, 90), acct("default", 2, 100)]], "work");
    expect(messages[0]?.[0]).toMatch(/; no other account has room left\.$/);
  });
});

describe("the daily summary", () => {
  const at = (hhmm: string, day = NOW) => {
    const d = new Date(day);
    const [h, m] = hhmm.split(":").map(Number);
    d.setHours(h ?? 0, m ?? 0, 0, 0);
    return d.getTime();
  };

  it("is due from its time for an hour, once a day", () => {
    const t = at("08:30");
    expect(digestDue(t - 60_000, "08:30", undefined)).toBeUndefined();
    expect(digestDue(t, "08:30", undefined)).toBe(localDay(t));
    expect(digestDue(t + 59 * 60_000, "08:30", undefined)).toBe(localDay(t));
    expect(digestDue(t + 61 * 60_000, "08:30", undefined), "too late: skipped, not sent late").toBeUndefined();
    expect(digestDue(t + 60_000, "08:30", localDay(t)), "already sent today").toBeUndefined();
    expect(digestDue(t + 24 * H, "08:30", localDay(t)), "the next day again").toBe(localDay(t + 24 * H));
  });

  it("names every account's windows, login end and health", () => {
    const base = { source: "gateway" as const, credentials: { path: "/x" }, profileId: "anthropic:subscription", unsavedTokens: false };
    const accounts: AccountStatusJson[] = [
      { ...base, name: "default", place: 1, state: "ok", health: "healthy", login: { endsAt: new Date(NOW + 20 * 24 * H).toISOString(), endsInDays: 20 }, usage: { checkedAt: new Date(NOW).toISOString(), windows: { fiveHour: { utilization: 43, resetsAt: new Date(NOW + 2 * H + 10 * 60_000).toISOString() }, sevenDay: { utilization: 12 } } } },
      { ...base, name: "work", place: 2, state: "ok", health: "attention", login: { endsAt: new Date(NOW + 2 * 24 * H).toISOString(), endsInDays: 2 } },
    ];
    expect(digestMessage(accounts, NOW).split("\n")).toEqual([
      `Claude usage today (${clockTime(NOW, NOW)}):`,
      "default (in use): 5-hour 43 %, resets in 2 h 10 min; week 12 %; login ends in 20.0 days; healthy.",
      "work: usage checks off; login ends in 2.0 days; attention.",
    ]);
  });
});

describe("UsageAlerts (the shell): decides inside the ledger, so a mark is sent once across restarts", () => {
  const clock: Clock = { now: () => NOW, monotonic: () => 0, random: () => 0.5, setTimeout: () => ({}), clearTimeout: () => undefined };
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

  function status(name: string, place: number, fiveHour: number): AccountStatus {
    return { name, place, state: "ok", credentialsPath: `/x/${name}`, profileId: `anthropic:${name}`, unsavedTokens: false, accessTokenExpiresAt: NOW + 8 * H, usage: { usage: { checkedAt: NOW, windows: { fiveHour: { utilization: fiveHour, resetsAt: RESET } } } } };
  }

  it("sends each mark once, also with a fresh process reading the same ledger file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "usage-alerts-"));
    const sent: Alert[] = [];
    let statuses = [status("default", 1, 10), status("work", 2, 70)];
    const make = () => {
      const ledgers = new Map(["default", "work"].map((n) => [n, new AlertLedger(path.join(dir, `${n}.json`))]));
      const u = new UsageAlerts({
        percents: [80, 95],
        clock,
        log,
        statuses: () => statuses,
        statusJson: async () => [],
        channelOf: (n) => {
          const ledger = ledgers.get(n);
          return ledger ? { ledger, alert: async (a) => void sent.push(a) } : undefined;
        },
        digest: () => undefined,
      });
      u.start();
      return u;
    };
    let u = make();
    await u.check();
    expect(sent).toEqual([]);
    statuses = [status("default", 1, 10), status("work", 2, 82)];
    await Promise.all([u.check(), u.check()]);
    expect(sent.map((a) => [a.kind, a.account])).toEqual([["usage", "work"]]);
    u.stop();
    u = make(); // a restart: new ledgers over the same files
    await u.check();
    expect(sent).toHaveLength(1);
    statuses = [status("default", 1, 10), status("work", 2, 100)];
    await u.check();
    expect(sent.map((a) => a.message)).toEqual([expect.stringMatching(/^work: 5-hour window at 82 %/), expect.stringMatching(/^work: 5-hour window used up \(100 %\).*agents use default now \(10 %\)\.$/)]);
  });
});
