import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock, settle } from "../../test/support/fake-clock.js";
import { AccountPool, type AccountService } from "./account-pool.js";
import type { Alert } from "../alerts/alerts.js";
import { resolveConfig, type PluginConfig } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import { applyRanking, subscriptionCredential, type ProfileRanking } from "../openclaw/publish.js";
import type { AuthProfileStore } from "openclaw/plugin-sdk/provider-auth";
import type { ServiceStatus } from "../service.js";
import type { Usage } from "./usage.js";

const T0 = Date.parse("2026-03-01T12:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;

/** An account whose status the test sets; the pool only ever reads it. */
class FakeAccount implements AccountService {
  current: ServiceStatus;
  started = 0;
  startsDone = 0;
  private readonly startGate: Promise<void> | undefined;
  constructor(config: PluginConfig, startGate?: Promise<void>) {
    this.current = { state: "ok", credentialsPath: config.credentialsPath, profileId: config.profileId, unsavedTokens: false, accessTokenExpiresAt: T0 + 8 * HOUR };
    this.startGate = startGate;
  }
  async start() {
    this.started += 1;
    await this.startGate;
    this.startsDone += 1;
  }
  async stop() {}
  status() {
    return structuredClone(this.current);
  }
  reloads = 0;
  async reload() {
    this.reloads += 1;
    return this.status();
  }
  async refreshNow(): ReturnType<AccountService["refreshNow"]> {
    return { refreshed: false, kind: "not-due", message: "", status: this.status() };
  }
  async logout() {
    return this.status();
  }
  async checkUsage() {
    return this.status();
  }
  setUsage(fiveHour: number, resetsAt = T0 + 2 * HOUR): void {
    const usage: Usage = { checkedAt: T0, windows: { fiveHour: { utilization: fiveHour, resetsAt } } };
    this.current = { ...this.current, usage: { usage } };
  }
}

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "coauth-pool-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function addAccountFile(name: string): Promise<void> {
  await fs.mkdir(path.join(dir, "claude-oauth-refresh", "accounts"), { recursive: true });
  await fs.writeFile(path.join(dir, "claude-oauth-refresh", "accounts", `${name}.json`), "{}", { mode: 0o600 });
}

function setup(options: { startGate?: Promise<void>; tokens?: boolean; pinnedSessions?: (profileId: string) => Promise<string[]>; moveClaudeCliSessions?: boolean; store?: AuthProfileStore } = {}) {
  const clock = new FakeClock(T0);
  const accounts = new Map<string, FakeAccount>();
  const rankings: ProfileRanking[] = [];
  const alerts: Alert[] = [];
  const lines: string[] = [];
  const logger: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
  const changes = new Map<string, () => void>();
  /** Accounts whose token() says they have no usable token (expired, dead). */
  const noToken = new Set<string>();
  const config = resolveConfig({ credentialsPath: path.join(dir, "default.json"), ...(options.moveClaudeCliSessions !== undefined ? { moveClaudeCliSessions: options.moveClaudeCliSessions } : {}) }, { stateDir: dir });
  const make = () =>
    new AccountPool({
      config,
      stateDir: dir,
      logger,
      clock,
      alert: async (a) => void alerts.push(a),
      ...(options.pinnedSessions ? { pinnedSessions: options.pinnedSessions } : {}),
      applyRanking: async (ranking) => {
        rankings.push(ranking);
        if (options.store) applyRanking(options.store, ranking);
      },
      createAccount: (name, accountConfig, hooks) => {
        const account = accounts.get(name) ?? new FakeAccount(accountConfig, options.startGate);
        accounts.set(name, account);
        changes.set(name, hooks.onChange);
        const token = () => (noToken.has(name) ? undefined : ownToken(name));
        return { service: account, ...(options.tokens ? { token } : {}) };
      },
    });
  const acct = (name: string) => {
    const a = accounts.get(name);
    if (!a) throw new Error(`no account ${name}`);
    return a;
  };
  const change = async (name: string) => {
    changes.get(name)?.();
    await settle();
  };
  return { clock, make, acct, rankings, alerts, lines, change, noToken };
}

const ownToken = (name: string) => ({ accessToken: `sk-ant-oat01-FAKE-${name}`, expiresAt: T0 + 8 * HOUR });

/** OpenClaw's shared store after each account published its own token (what publish writes). */
function storeWithOwnTokens(): AuthProfileStore {
  const profile = (name: string) => subscriptionCredential(ownToken(name)) as unknown as AuthProfileStore["profiles"][string];
  return { version: 1, profiles: { "anthropic:subscription": profile("default"), "anthropic:subscription-work": profile("work") } };
}

function accessIn(store: AuthProfileStore, profileId: string): string | undefined {
  const p = store.profiles[profileId] as { access?: string } | undefined;
  return p?.access;
}

/** Two running accounts; default reaches 96 % of its 5-hour window (resets in 2 h), work has room. */
async function defaultFullWorkFree(t: ReturnType<typeof setup>): Promise<AccountPool> {
  const pool = t.make();
  await pool.start();
  await settle();
  t.acct("default").setUsage(96, T0 + 2 * HOUR);
  t.acct("work").setUsage(10);
  await t.change("default");
  return pool;
}

describe("AccountPool", () => {
  it("starts default and every account file it finds, and ranks them", async () => {
    await addAccountFile("work");
    const t = setup();
    const pool = t.make();
    await pool.start();
    await settle();
    expect(pool.names()).toEqual(["default", "work"]);
    expect(t.acct("work").started).toBe(1);
    expect(t.rankings.at(-1)).toEqual({ order: ["anthropic:subscription", "anthropic:subscription-work"], blockedUntil: {} });
    expect(pool.statuses().map((s) => [s.name, s.place])).toEqual([
      ["default", 1],
      ["work", 2],
    ]);
    await pool.stop();
  });

  it("starts the accounts it finds side by side: the gateway's start waits for the slowest, not for the sum", async () => {
    await addAccountFile("work");
    await addAccountFile("home");
    let open = (): void => undefined;
    const t = setup({ startGate: new Promise<void>((resolve) => (open = resolve)) });
    const pool = t.make();
    const starting = pool.start();
    await settle();
    expect(["default", "home", "work"].map((n) => [n, t.acct(n).started, t.acct(n).startsDone])).toEqual([
      ["default", 1, 0],
      ["home", 1, 0],
      ["work", 1, 0],
    ]);
    open();
    await starting;
    expect(["default", "home", "work"].map((n) => t.acct(n).startsDone)).toEqual([1, 1, 1]);
    expect(pool.names()).toEqual(["default", "home", "work"]);
    await pool.stop();
  });

  it("a window at the threshold moves the first account, blocks the full one until its reset, logs once, and survives a restart", async () => {
    await addAccountFile("work");
    const t = setup();
    const pool = await defaultFullWorkFree(t);
    expect(t.rankings.at(-1)).toEqual({ order: ["anthropic:subscription-work", "anthropic:subscription"], blockedUntil: { "anthropic:subscription": T0 + 2 * HOUR } });
    expect(t.lines.filter((l) => l.includes("is first"))).toEqual(["work is first: default reached 96 % of its 5-hour window, resets 14:00 UTC"]);
    const writes = t.rankings.length;
    await t.change("work");
    expect(t.rankings).toHaveLength(writes); // nothing changed: no write
    // back under the threshold: unblocked, but work stays first
    t.acct("default").setUsage(10);
    await t.change("default");
    expect(t.rankings.at(-1)).toEqual({ order: ["anthropic:subscription-work", "anthropic:subscription"], blockedUntil: {} });
    await pool.stop();
    // a restart keeps work first: the order in force is remembered
    const again = t.make();
    await again.start();
    await settle();
    expect(t.rankings.at(-1)?.order[0]).toBe("anthropic:subscription-work");
    expect(t.lines.filter((l) => l.includes("is first"))).toHaveLength(1);
    await again.stop();
  });

  it("an account giving way lends its profile the first account's token (Claude CLI sessions pinned to it move), says so, and gets its own back", async () => {
    await addAccountFile("work");
    const asked: string[] = [];
    const t = setup({ tokens: true, moveClaudeCliSessions: true, pinnedSessions: async (profileId) => (asked.push(profileId), ["agent:main:main", "agent:main:telegram:42"]) });
    const pool = await defaultFullWorkFree(t);
    expect(t.rankings.at(-1)).toEqual({
      order: ["anthropic:subscription-work", "anthropic:subscription"],
      blockedUntil: { "anthropic:subscription": T0 + 2 * HOUR },
      carry: { "anthropic:subscription": { accessToken: "sk-ant-oat01-FAKE-work", expiresAt: T0 + 8 * HOUR } },
    });
    expect(pool.statuses().map((s) => [s.name, s.lentTo, s.lentBecause, s.movedSessions])).toEqual([
      ["default", "work", "default reached 96 % of its 5-hour window, resets 14:00 UTC", ["agent:main:main", "agent:main:telegram:42"]],
      ["work", undefined, undefined, undefined],
    ]);
    expect(asked).toEqual(["anthropic:subscription"]);
    const moved = t.lines.filter((l) => l.startsWith("Account default gives way to work"));
    expect(moved).toHaveLength(1);
    expect(moved[0]).toContain("(default reached 96 % of its 5-hour window, resets 14:00 UTC): OpenClaw profile anthropic:subscription now carries work's token");
    expect(moved[0]).toContain("Sessions moved: agent:main:main, agent:main:telegram:42.");
    expect(t.lines.join("\n")).not.toContain("FAKE-work");
    await t.change("work"); // nothing new: no second line
    expect(t.lines.filter((l) => l.startsWith("Account default gives way"))).toHaveLength(1);
    // back under the threshold: no carry; the same write gives default its own token back, but only
    // where the profile still holds the one it was lent
    t.acct("default").setUsage(10);
    await t.change("default");
    const back = t.rankings.find((r) => r.giveBack);
    expect(back?.carry).toBeUndefined();
    expect(back?.giveBack).toEqual({ "anthropic:subscription": { token: { accessToken: "sk-ant-oat01-FAKE-default", expiresAt: T0 + 8 * HOUR }, lent: "sk-ant-oat01-FAKE-work" } });
    await t.change("work");
    expect(t.rankings.at(-1)?.giveBack).toBeUndefined(); // given back once, not at every pass
    expect(t.acct("default").reloads).toBe(0); // a reload would not have written it (same file)
    expect(pool.statuses()[0]?.lentTo).toBeUndefined();
    expect(t.lines.filter((l) => l.startsWith("Account default is usable again"))).toHaveLength(1);
    await pool.stop();
  });

  it("an account that stops giving way carries its own token again in OpenClaw's store, so the next giving way is not a swap", async () => {
    // The accounts e2e suite with lending on: default lent its profile work's token at 96 %, got
    // no token back when it fell to 10 % (a reload publishes only a changed file), and when work
    // then reached 100 % each profile carried the other's token: the turn on default's carried work's.
    await addAccountFile("work");
    const store = storeWithOwnTokens();
    const t = setup({ tokens: true, moveClaudeCliSessions: true, store });
    const pool = await defaultFullWorkFree(t);
    expect(accessIn(store, "anthropic:subscription")).toBe("sk-ant-oat01-FAKE-work");
    t.acct("default").setUsage(10);
    await t.change("default");
    expect(accessIn(store, "anthropic:subscription")).toBe("sk-ant-oat01-FAKE-default");
    t.acct("work").setUsage(100, T0 + 20 * MIN);
    await t.change("work");
    expect(t.rankings.at(-1)?.order[0]).toBe("anthropic:subscription");
    expect(accessIn(store, "anthropic:subscription")).toBe("sk-ant-oat01-FAKE-default");
    expect(accessIn(store, "anthropic:subscription-work")).toBe("sk-ant-oat01-FAKE-default");
    // work under its limit again: its own token back too
    t.acct("work").setUsage(20);
    await t.change("work");
    expect(accessIn(store, "anthropic:subscription-work")).toBe("sk-ant-oat01-FAKE-work");
    await pool.stop();
  });

  it("a dead login stays lent after its own token expires (its block ends): there is nothing to give back", async () => {
    await addAccountFile("work");
    const store = storeWithOwnTokens();
    const t = setup({ tokens: true, moveClaudeCliSessions: true, store });
    const pool = t.make();
    await pool.start();
    await settle();
    const deadUntil = T0 + 30 * MIN;
    t.acct("default").current = { ...t.acct("default").current, state: "needs-login", accessTokenExpiresAt: deadUntil };
    await t.change("default");
    expect(t.rankings.at(-1)?.blockedUntil).toEqual({ "anthropic:subscription": deadUntil });
    expect(accessIn(store, "anthropic:subscription")).toBe("sk-ant-oat01-FAKE-work");
    // the token expires: no block any more, and no token of its own (the fake's token() says none)
    t.noToken.add("default");
    await t.clock.advance(31 * MIN);
    await t.change("default");
    expect(t.rankings.at(-1)?.blockedUntil).toEqual({});
    expect(accessIn(store, "anthropic:subscription")).toBe("sk-ant-oat01-FAKE-work");
    expect(pool.statuses()[0]?.lentTo).toBe("work");
    expect(t.lines.filter((l) => l.startsWith("Account default is usable again"))).toHaveLength(0);
    // a new login: its own token again
    t.noToken.delete("default");
    t.acct("default").current = { ...t.acct("default").current, state: "ok", accessTokenExpiresAt: T0 + 8 * HOUR };
    await t.change("default");
    expect(accessIn(store, "anthropic:subscription")).toBe("sk-ant-oat01-FAKE-default");
    expect(pool.statuses()[0]?.lentTo).toBeUndefined();
    await pool.stop();
  });

  it("without moveClaudeCliSessions an account giving way is blocked only: nothing lent, no session named", async () => {
    await addAccountFile("work");
    const t = setup({ tokens: true, moveClaudeCliSessions: false, pinnedSessions: async () => ["agent:main:main"] });
    const pool = await defaultFullWorkFree(t);
    expect(t.rankings.at(-1)).toEqual({ order: ["anthropic:subscription-work", "anthropic:subscription"], blockedUntil: { "anthropic:subscription": T0 + 2 * HOUR } });
    expect(pool.statuses()[0]?.lentTo).toBeUndefined();
    expect(t.lines.filter((l) => l.includes("gives way"))).toEqual([]);
    await pool.stop();
  });

  it("a login that died while its access token still works is blocked until that token expires", async () => {
    await addAccountFile("work");
    const t = setup();
    const pool = t.make();
    await pool.start();
    await settle();
    t.acct("default").current = { ...t.acct("default").current, state: "needs-login" };
    await t.change("default");
    expect(t.rankings.at(-1)).toEqual({ order: ["anthropic:subscription-work", "anthropic:subscription"], blockedUntil: { "anthropic:subscription": T0 + 8 * HOUR } });
    expect(t.lines).toContain("work is first: default needs a new login");
    await pool.stop();
  });

  it("one account is never blocked, whatever its usage", async () => {
    const t = setup();
    const pool = t.make();
    await pool.start();
    t.acct("default").setUsage(100);
    await t.change("default");
    expect(t.rankings.at(-1)).toEqual({ order: ["anthropic:subscription"], blockedUntil: {} });
    expect(t.alerts).toEqual([]);
    await pool.stop();
  });

  it("every account nearly used up: one alert per window, naming the first reset", async () => {
    await addAccountFile("work");
    const t = setup();
    const pool = t.make();
    await pool.start();
    await settle();
    t.acct("default").setUsage(97, T0 + 3 * HOUR);
    t.acct("work").setUsage(99, T0 + HOUR);
    await t.change("default");
    await t.change("work");
    await t.change("default");
    expect(t.alerts).toHaveLength(1);
    expect(t.alerts[0]?.kind).toBe("all-nearly-used-up");
    expect(t.alerts[0]?.message).toContain(new Date(T0 + HOUR).toISOString());
    // nowhere to go: nobody is blocked, the one with more room is first
    expect(t.rankings.at(-1)).toEqual({ order: ["anthropic:subscription", "anthropic:subscription-work"], blockedUntil: {} });
    await pool.stop();
  });

  it("an account file added later is picked up within a minute; remove() forgets it", async () => {
    const t = setup();
    const pool = t.make();
    await pool.start();
    await addAccountFile("spare");
    await t.clock.advance(MIN);
    await settle();
    expect(pool.names()).toEqual(["default", "spare"]);
    await pool.remove("spare");
    await settle();
    expect(pool.names()).toEqual(["default"]);
    await pool.stop();
    expect(t.clock.pending).toBe(0);
  });
});
