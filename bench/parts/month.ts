import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "../../src/core/logger.js";
import type { PublishedToken, Publisher } from "../../src/openclaw/publish.js";
import { importBuilt } from "../lib/env.js";
import { seededRandom } from "../lib/stats.js";
import { SimClock, settle, type OffsetChange } from "../month/clock.js";
import { SimEndpoint, type PostRecord, type SimLogin } from "../month/endpoint.js";
import { DAY, MINUTE, buildSchedule, type Schedule, type WindowKind } from "../month/faults.js";
import { SeedPolicy, type SeedStore } from "../month/seed-policy.js";

type ServiceModule = typeof import("../../src/service.js");
type ConfigModule = typeof import("../../src/core/config.js");
type ErrorsModule = typeof import("../../src/core/errors.js");
type RefreshService = InstanceType<ServiceModule["RefreshService"]>;

/**
 * 4. A month of uptime, simulated: the real RefreshService (build/service.js, real file I/O, real
 * locks) on a simulated clock and an in-memory token endpoint, 30 days of 8-hour tokens, with a
 * seeded fault schedule; the seed plugin's policy runs beside it on the same clock and schedule.
 * Every simulated (awake) minute: is the most recently published token expired?
 */

export interface Publication {
  mono: number;
  accessToken: string;
  expiresAt: number;
}

export interface PolicyFigures {
  name: string;
  /** Per-minute samples with an expired published token, times 60 s. */
  sampledExpiredS: number;
  /** Same, outside the time a lost rotation left the login dead until the operator logged in again. */
  sampledExpiredOutsideLostLoginS: number;
  /** Exact (ms-resolution) expired time over awake time, from publications and clock changes. */
  exactExpiredS: number;
  exactExpiredOutsideLostLoginS: number;
  longestExpiredStretchS: number;
  /** Samples whose published token was revoked by the server (not expired). */
  sampledRevokedS: number;
  posts: number;
  reuses: number;
  reusesAfterLostRotation: number;
  lostRotations: number;
  outcomes: Record<PostRecord["outcome"], number>;
  publications: number;
  lostLoginWindowsS: number[];
}

export interface MonthResult {
  days: number;
  seed: number;
  samples: number;
  timersFired: number;
  realMs: number;
  ours: PolicyFigures;
  seedPolicy: PolicyFigures;
  windows: Record<WindowKind, number>;
  windowHours: number;
  events: string[];
  oursLog: { info: number; warn: number; error: number; lastErrors: string[] };
}

type DriverEvent = Schedule["events"][number] | { at: number; kind: "start" };

function exactExpired(publications: readonly Publication[], offsets: readonly OffsetChange[], end: number, exclude: ReadonlyArray<[number, number]>): { total: number; outside: number; longest: number } {
  type Change = { mono: number; offset?: number; expiresAt?: number };
  const changes: Change[] = [...offsets.map((o): Change => ({ mono: o.mono, offset: o.offset })), ...publications.map((p): Change => ({ mono: p.mono, expiresAt: p.expiresAt }))].sort((a, b) => a.mono - b.mono);
  let offset = offsets[0]?.offset ?? 0;
  let expiresAt = Number.NEGATIVE_INFINITY;
  // Expired stretches of monotonic (awake) time: wall = mono + offset is past the published expiry.
  const stretches: Array<[number, number]> = [];
  const segment = (a: number, b: number) => {
    const from = Math.max(a, expiresAt - offset);
    if (from >= b) return;
    const last = stretches.at(-1);
    if (last && last[1] === from) last[1] = b;
    else stretches.push([from, b]);
  };
  let at = 0;
  for (const c of changes) {
    const upTo = Math.min(c.mono, end);
    if (upTo > at) segment(at, upTo);
    at = Math.max(at, upTo);
    if (c.offset !== undefined) offset = c.offset;
    if (c.expiresAt !== undefined) expiresAt = c.expiresAt;
  }
  if (end > at) segment(at, end);
  let total = 0;
  let inside = 0;
  let longest = 0;
  for (const [a, b] of stretches) {
    total += b - a;
    longest = Math.max(longest, b - a);
    for (const [x, y] of exclude) inside += Math.max(0, Math.min(b, y) - Math.max(a, x));
  }
  return { total: total / 1000, outside: (total - inside) / 1000, longest: longest / 1000 };
}

export async function monthSimulation(opts: { days: number; log: (m: string) => void }): Promise<MonthResult> {
  const { log } = opts;
  const [{ RefreshService }, { resolveConfig }, { PluginError }] = await Promise.all([
    importBuilt<ServiceModule>("service.js"),
    importBuilt<ConfigModule>("core/config.js"),
    importBuilt<ErrorsModule>("core/errors.js"),
  ]);
  const schedule = buildSchedule(opts.days);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "coauth-bench-month-"));
  const file = path.join(dir, "claude-credentials.json");
  const T0 = Date.UTC(2027, 0, 4, 6, 0, 0);
  const clock = new SimClock(T0, seededRandom(schedule.seed + 1));
  const oursEndpoint = new SimEndpoint(clock, schedule.windows, "ours", PluginError);
  const seedEndpoint = new SimEndpoint(clock, schedule.windows, "seed", PluginError);

  const writeLogin = async (login: SimLogin) => {
    const doc = { claudeAiOauth: { accessToken: login.accessToken, refreshToken: login.refreshToken, expiresAt: login.expiresAt, scopes: ["user:inference", "user:profile"], subscriptionType: "max" } };
    const tmp = `${file}.sim-${randomBytes(4).toString("hex")}`;
    await fs.writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, file);
  };

  // ours
  const oursPublished: Publication[] = [];
  const publisher: Publisher = {
    async publish(t: PublishedToken) {
      oursPublished.push({ mono: clock.monotonic(), accessToken: t.accessToken, expiresAt: t.expiresAt });
    },
    async unpublish() {},
  };
  const logCounts = { info: 0, warn: 0, error: 0, lastErrors: [] as string[] };
  const logger: Logger = {
    info: () => void (logCounts.info += 1),
    warn: () => void (logCounts.warn += 1),
    error: (m) => {
      logCounts.error += 1;
      logCounts.lastErrors = [...logCounts.lastErrors, m.slice(0, 200)].slice(-3);
    },
  };
  const config = resolveConfig({ credentialsPath: file, usageCheckMinutes: 0 }, { stateDir: dir });
  const makeService = (): RefreshService => new RefreshService({ config, logger, publisher, clock, refresh: { post: oursEndpoint.post } });

  // seed
  const seedPublished: Publication[] = [];
  const seedStore: SeedStore = { oauth: seedEndpoint.mint() };
  const seedPublish = (t: SimLogin) => void seedPublished.push({ mono: clock.monotonic(), accessToken: t.accessToken, expiresAt: t.expiresAt });
  const makeSeed = () => new SeedPolicy(clock, seedEndpoint, seedStore, seedPublish, seedPublished.at(-1)?.accessToken);

  await writeLogin(oursEndpoint.mint());
  let ours: RefreshService | undefined = makeService();
  let seed: SeedPolicy | undefined = makeSeed();
  const started = Date.now();
  await ours.start();
  seed.start();
  await settle();

  const events: DriverEvent[] = [...schedule.events];
  const eventLog: string[] = [];
  /** Wall-clock steps (jumps, suspends): how long each left a policy's published token expired. */
  const steps: Array<{ at: number; line: number }> = [];
  const end = opts.days * DAY;
  const lost = {
    ours: { handled: 0, windows: [] as Array<[number, number]>, reloginAt: undefined as number | undefined },
    seed: { handled: 0, windows: [] as Array<[number, number]>, reloginAt: undefined as number | undefined },
  };
  const samples = { ours: { expired: 0, expiredOutside: 0, revoked: 0 }, seed: { expired: 0, expiredOutside: 0, revoked: 0 } };

  const apply = async (e: DriverEvent): Promise<void> => {
    const when = `day ${(e.at / DAY).toFixed(2)}`;
    // Did a wall step carry a published token past its expiry? (Then only the next check can help.)
    const left = (): string => {
      const fmtLeft = (p: Publication | undefined) => (p ? `${((p.expiresAt - clock.now()) / 60_000).toFixed(0)} min` : "none");
      return `published token left: ours ${fmtLeft(oursPublished.at(-1))}, seed ${fmtLeft(seedPublished.at(-1))}`;
    };
    switch (e.kind) {
      case "suspend": {
        const before = left();
        clock.jumpWall(e.ms);
        eventLog.push(`${when}: suspend ${e.ms / 3_600_000} h (wall +${e.ms / 60_000} min, monotonic still); before: ${before}; after: ${left()}`);
        steps.push({ at: clock.monotonic(), line: eventLog.length - 1 });
        break;
      }
      case "jump": {
        const before = left();
        clock.jumpWall(e.ms);
        eventLog.push(`${when}: wall clock jumps ${e.ms > 0 ? "+" : ""}${e.ms / 60_000} min; before: ${before}; after: ${left()}`);
        steps.push({ at: clock.monotonic(), line: eventLog.length - 1 });
        break;
      }
      case "restart": {
        await ours?.stop();
        seed?.stop();
        ours = undefined;
        seed = undefined;
        const startEvent: DriverEvent = { at: e.at + e.downtimeMs, kind: "start" };
        const i = events.findIndex((x) => x.at > startEvent.at);
        events.splice(i === -1 ? events.length : i, 0, startEvent);
        eventLog.push(`${when}: gateway restart (${Math.round(e.downtimeMs / 1000)} s down)`);
        break;
      }
      case "start":
        ours = makeService();
        seed = makeSeed();
        await ours.start();
        seed.start();
        await settle();
        break;
      case "arm-lost-rotation":
        oursEndpoint.armLostRotation();
        seedEndpoint.armLostRotation();
        eventLog.push(`${when}: the next refresh of each policy rotates server-side and its answer is lost`);
        break;
    }
  };

  const reloginIfDue = async (): Promise<void> => {
    const now = clock.monotonic();
    for (const [name, endpoint] of [["ours", oursEndpoint], ["seed", seedEndpoint]] as const) {
      const state = lost[name];
      const lostAt = endpoint.lostRotations[state.handled];
      if (lostAt === undefined || now < lostAt + schedule.reloginAfterMs) continue;
      state.handled += 1;
      state.reloginAt = now;
      const login = endpoint.mint();
      if (name === "ours") await writeLogin(login);
      else seedStore.oauth = login;
      state.windows.push([lostAt, Number.POSITIVE_INFINITY]);
    }
  };

  const closeLostWindows = (): void => {
    for (const [name, published] of [["ours", oursPublished], ["seed", seedPublished]] as const) {
      for (const w of lost[name].windows) {
        if (w[1] !== Number.POSITIVE_INFINITY) continue;
        const reloginAt = lost[name].reloginAt ?? 0;
        const p = published.find((x) => x.mono >= reloginAt);
        if (p) w[1] = p.mono;
      }
    }
  };

  const inLost = (windows: ReadonlyArray<[number, number]>, endpoint: SimEndpoint, mono: number): boolean =>
    windows.some(([a, b]) => mono >= a && mono < b) || endpoint.lostRotations.some((t, i) => i >= windows.length && mono >= t);

  const sample = (): void => {
    const now = clock.now();
    const mono = clock.monotonic();
    for (const [name, published, endpoint] of [["ours", oursPublished, oursEndpoint], ["seed", seedPublished, seedEndpoint]] as const) {
      const p = published.at(-1);
      const s = samples[name];
      const expired = !p || p.expiresAt <= now;
      if (expired) {
        s.expired += 1;
        if (!inLost(lost[name].windows, endpoint, mono)) s.expiredOutside += 1;
      } else if (endpoint.isRevoked(p.accessToken)) s.revoked += 1;
    }
  };

  const totalMinutes = Math.round(end / MINUTE);
  const progressEvery = Math.max(1, Math.round(totalMinutes / 6));
  for (let m = 1; m <= totalMinutes; m++) {
    const target = m * MINUTE;
    for (let e = events[0]; e && e.at <= target; e = events[0]) {
      events.shift();
      await clock.advanceTo(e.at);
      await apply(e);
    }
    await clock.advanceTo(target);
    await reloginIfDue();
    closeLostWindows();
    sample();
    if (m % progressEvery === 0) log(`    simulated day ${(target / DAY).toFixed(1)} of ${opts.days}: ${((Date.now() - started) / 1000).toFixed(1)} s real`);
  }
  await ours?.stop();
  seed?.stop();
  closeLostWindows();
  const realMs = Date.now() - started;

  // For each wall step: if it left a published token expired, how long until a valid one was published.
  const wallAt = (mono: number): number => {
    let offset = clock.offsets[0]?.offset ?? 0;
    for (const o of clock.offsets) if (o.mono <= mono) offset = o.offset;
    return mono + offset;
  };
  const expiredAfterStep = (published: readonly Publication[], t: number): string => {
    const current = published.filter((p) => p.mono <= t).at(-1);
    if (current && current.expiresAt > wallAt(t)) return "not expired";
    const next = published.find((p) => p.mono >= t && p.expiresAt > wallAt(p.mono));
    return next ? `expired for ${((next.mono - t) / 1000).toFixed(1)} s until a fresh token was published` : "expired until the end";
  };
  for (const step of steps) {
    eventLog[step.line] += ` → ours ${expiredAfterStep(oursPublished, step.at)}; seed ${expiredAfterStep(seedPublished, step.at)}`;
  }
  await fs.rm(dir, { recursive: true, force: true });

  const figures = (name: "ours" | "seed", published: Publication[], endpoint: SimEndpoint): PolicyFigures => {
    const windows = lost[name].windows.map(([a, b]): [number, number] => [a, Number.isFinite(b) ? b : end]);
    const exact = exactExpired(published, clock.offsets, end, windows);
    const outcomes: Record<PostRecord["outcome"], number> = { ok: 0, "5xx": 0, "429": 0, timeout: 0, "lost-rotation": 0, invalid_grant: 0 };
    for (const p of endpoint.posts) outcomes[p.outcome] += 1;
    const firstLost = endpoint.lostRotations[0];
    return {
      name,
      sampledExpiredS: samples[name].expired * 60,
      sampledExpiredOutsideLostLoginS: samples[name].expiredOutside * 60,
      exactExpiredS: exact.total,
      exactExpiredOutsideLostLoginS: exact.outside,
      longestExpiredStretchS: exact.longest,
      sampledRevokedS: samples[name].revoked * 60,
      posts: endpoint.posts.length,
      reuses: endpoint.reuses,
      reusesAfterLostRotation: firstLost === undefined ? 0 : endpoint.posts.filter((p) => p.reuse && p.mono >= firstLost && inLost(lost[name].windows, endpoint, p.mono)).length,
      lostRotations: endpoint.lostRotations.length,
      outcomes,
      publications: published.length,
      lostLoginWindowsS: windows.map(([a, b]) => (b - a) / 1000),
    };
  };
  const windowCounts: Record<WindowKind, number> = { "5xx": 0, "429": 0, timeout: 0 };
  let windowMs = 0;
  for (const w of schedule.windows) {
    windowCounts[w.kind] += 1;
    windowMs += w.to - w.from;
  }
  return {
    days: opts.days,
    seed: schedule.seed,
    samples: totalMinutes,
    timersFired: clock.timersFired,
    realMs,
    ours: figures("ours", oursPublished, oursEndpoint),
    seedPolicy: figures("seed", seedPublished, seedEndpoint),
    windows: windowCounts,
    windowHours: windowMs / 3_600_000,
    events: eventLog,
    oursLog: logCounts,
  };
}
