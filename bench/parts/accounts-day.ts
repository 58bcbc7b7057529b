import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "../../src/core/logger.js";
import type { RawAnswer } from "../../src/login/token-endpoint.js";
import type { UsageRequest } from "../../src/accounts/usage.js";
import { importBuilt } from "../lib/env.js";
import { seededRandom } from "../lib/stats.js";
import { SimClock, settle } from "../month/clock.js";
import { ACCESS_LIFE_SEC, SimEndpoint, type SimLogin } from "../month/endpoint.js";
import { DAY, HOUR } from "../month/faults.js";

type PoolModule = typeof import("../../src/accounts/account-pool.js");
type AccountsModule = typeof import("../../src/accounts/accounts.js");
type ServiceModule = typeof import("../../src/service.js");
type ConfigModule = typeof import("../../src/core/config.js");
type ErrorsModule = typeof import("../../src/core/errors.js");

/**
 * 7b. What each account costs over a day, in process: the real AccountPool (build/accounts/account-pool.js)
 * with N real RefreshServices (real credentials files, locks, fsync) on the month's simulated
 * clock, an in-memory rotating token endpoint and an in-memory usage GET, 8-hour tokens and a
 * usage check every 10 minutes (the defaults). Every figure is counted, not estimated.
 */

export interface DayFigures {
  accounts: number;
  days: number;
  /** Per simulated day, all accounts together. */
  posts: number;
  usageRequests: number;
  timersFired: number;
  publishes: number;
  rankingWrites: number;
  logLines: number;
  /** Timers armed at the end of the run (a snapshot, not per day). */
  timersPending: number;
  /** V8 heap the pool and its services hold after the run: heap used (after GC) with them running minus after they were stopped and dropped. */
  heapMb: number;
  /** Did every account hold a valid, unexpired token at every one-minute sample? */
  expiredSamples: number;
  /** Real time of the pool's start (every account read, lock taken, first look done), no-op publisher. */
  startMs: number;
  /** Real time the simulation took. */
  realMs: number;
}

export interface AccountsDayResult {
  runs: DayFigures[];
  usageCheckMinutes: number;
  tokenHours: number;
  refreshBeforeExpiryMinutes: number;
}

/** A forced full collection, so the heap figures are what is reachable, not what is garbage yet. */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  if (typeof gc !== "function") throw new Error("could not expose the garbage collector");
  return () => {
    gc();
    gc();
  };
}

function usageAnswer(now: number): RawAnswer {
  const resetsAt = new Date(now + 3 * HOUR).toISOString();
  return {
    status: 200,
    headers: new Headers({ "content-type": "application/json" }),
    body: JSON.stringify({ five_hour: { utilization: 12, resets_at: resetsAt }, seven_day: { utilization: 5, resets_at: resetsAt }, seven_day_opus: null, seven_day_sonnet: null }),
  };
}

async function simulate(n: number, days: number, gc: () => void): Promise<DayFigures> {
  const [{ AccountPool }, { accountConfig, accountsDir, DEFAULT_ACCOUNT }, { RefreshService }, { resolveConfig }, { PluginError }] = await Promise.all([
    importBuilt<PoolModule>("accounts/account-pool.js"),
    importBuilt<AccountsModule>("accounts/accounts.js"),
    importBuilt<ServiceModule>("service.js"),
    importBuilt<ConfigModule>("core/config.js"),
    importBuilt<ErrorsModule>("core/errors.js"),
  ]);
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "coauth-bench-accounts-"));
  const T0 = Date.UTC(2027, 0, 4, 6, 0, 0);
  const clock = new SimClock(T0, seededRandom(7_000 + n));
  const endpoint = new SimEndpoint(clock, [], `acc${n}`, PluginError);
  const config = resolveConfig({ credentialsPath: path.join(stateDir, "claude-credentials.json") }, { stateDir });
  const names = [DEFAULT_ACCOUNT, ...Array.from({ length: n - 1 }, (_, i) => `acct-${String(i + 1).padStart(2, "0")}`)];

  const writeLogin = async (file: string, login: SimLogin) => {
    const doc = { claudeAiOauth: { accessToken: login.accessToken, refreshToken: login.refreshToken, expiresAt: login.expiresAt, scopes: ["user:inference", "user:profile"], subscriptionType: "max" } };
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.sim-${randomBytes(4).toString("hex")}`;
    await fs.writeFile(tmp, `${JSON.stringify(doc)}\n`, { mode: 0o600 });
    await fs.rename(tmp, file);
  };
  // Logins made at different moments (as people add accounts): expiries spread over the 8 hours.
  for (const [i, name] of names.entries()) {
    const login = endpoint.mint();
    await writeLogin(accountConfig(config, name, stateDir).credentialsPath, { ...login, expiresAt: login.expiresAt - Math.round((i * ACCESS_LIFE_SEC * 1000) / n) });
  }
  if (n > 1) await fs.access(accountsDir(stateDir));

  const counts = { usage: 0, publishes: 0, rankingWrites: 0, logLines: 0 };
  const published = new Map<string, number>();
  const logger: Logger = { info: () => void (counts.logLines += 1), warn: () => void (counts.logLines += 1), error: () => void (counts.logLines += 1) };
  const usageGet = async (_request: UsageRequest): Promise<RawAnswer> => {
    counts.usage += 1;
    return usageAnswer(clock.now());
  };

  const started = Date.now();
  let pool: InstanceType<PoolModule["AccountPool"]> | undefined = new AccountPool({
    config,
    stateDir,
    logger,
    clock,
    applyRanking: async () => void (counts.rankingWrites += 1),
    createAccount: (name, accountConfigured, hooks) => {
      const service = new RefreshService({
        config: accountConfigured,
        logger: hooks.logger,
        clock,
        refresh: { post: endpoint.post },
        usageGet,
        onChange: hooks.onChange,
        banner: name === DEFAULT_ACCOUNT,
        publisher: {
          async publish(t) {
            counts.publishes += 1;
            published.set(name, t.expiresAt);
          },
          async unpublish() {},
        },
      });
      return { service };
    },
  });
  await pool.start();
  const startMs = Date.now() - started;
  // Start-up's own work (each account's first look and first usage check, timers due at once) is
  // part 7a's subject: let it run before counting, so the figures are a day of steady running.
  await clock.advance(0);
  await settle();
  if (pool.names().length !== n) throw new Error(`the pool found ${pool.names().length} accounts, expected ${n}`);

  // Counted from here: start-up (each service's first look, the first usage checks) is part 7a's.
  const base = { posts: endpoint.posts.length, usage: counts.usage, fired: clock.timersFired, publishes: counts.publishes, rankingWrites: counts.rankingWrites, logLines: counts.logLines };
  let expiredSamples = 0;
  const minutes = Math.round((days * DAY) / 60_000);
  for (let m = 1; m <= minutes; m++) {
    await clock.advance(60_000);
    for (const name of names) {
      const expiresAt = published.get(name) ?? pool.get(name)?.status().accessTokenExpiresAt;
      if (expiresAt === undefined || expiresAt <= clock.now()) expiredSamples += 1;
    }
  }
  await settle();
  const timersPending = clock.pending;
  const failed = endpoint.posts.filter((p) => p.outcome !== "ok").length;
  gc();
  const heapAlive = process.memoryUsage().heapUsed;
  await pool.stop();
  await settle();
  pool = undefined;
  gc();
  const heapMb = (heapAlive - process.memoryUsage().heapUsed) / 1024 / 1024;
  const figures: DayFigures = {
    accounts: n,
    days,
    posts: (endpoint.posts.length - base.posts) / days,
    usageRequests: (counts.usage - base.usage) / days,
    timersFired: (clock.timersFired - base.fired) / days,
    publishes: (counts.publishes - base.publishes) / days,
    rankingWrites: (counts.rankingWrites - base.rankingWrites) / days,
    logLines: (counts.logLines - base.logLines) / days,
    timersPending,
    heapMb,
    expiredSamples,
    startMs,
    realMs: Date.now() - started,
  };
  await fs.rm(stateDir, { recursive: true, force: true });
  if (failed > 0) throw new Error(`${failed} token requests failed in a run without faults`);
  return figures;
}

export async function accountsDay(opts: { counts: readonly number[]; days: number; log: (m: string) => void }): Promise<AccountsDayResult> {
  const gc = collector();
  // Warm-up, not counted: the first run would also pay for compiling the code paths.
  await simulate(2, 1 / 24, gc);
  const runs: DayFigures[] = [];
  for (const n of opts.counts) {
    const r = await simulate(n, opts.days, gc);
    opts.log(
      `    ${String(n).padStart(2)} accounts: per day ${r.posts} POSTs, ${r.usageRequests} usage requests, ${r.timersFired} timers fired, ${r.timersPending} pending; ` +
        `heap +${r.heapMb.toFixed(2)} MB; expired samples ${r.expiredSamples}; pool start ${r.startMs} ms; ${(r.realMs / 1000).toFixed(1)} s real`,
    );
    runs.push(r);
  }
  const { DEFAULTS } = await importBuilt<ConfigModule>("core/config.js");
  return { runs, usageCheckMinutes: DEFAULTS.usageCheckMinutes, tokenHours: ACCESS_LIFE_SEC / 3600, refreshBeforeExpiryMinutes: DEFAULTS.refreshBeforeExpiryMinutes };
}
