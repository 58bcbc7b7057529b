// Monitoring end to end (issue 19), on ONE real OpenClaw 2026.9.6 gateway (restarted once): usage
// alerts straight into the owner's Telegram chat (OpenClaw's bundled Telegram channel pointed at a
// fake Bot API), `status --check` and the status route's `?check=1`, and the Prometheus metrics
// route read with a real parser from npm. A fake token endpoint (8 h tokens: every POST is one the
// test caused), a fake usage endpoint whose answer per access token the test sets, and a fake
// Messages API. Usage checks are driven by the test (`claude-oauth.status` with checkUsage), the
// periodic check is set to an hour so it does not interleave.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliTranscript, describeResult, issuedTokens, leakedTokens, readCredentials, required, waitFor } from "../support/e2e-helpers.js";
import { startFakeTelegram, type FakeTelegram, type FakeTelegramUser, type SentMessage } from "../support/fake-telegram.js";
import { claudeCredentialsJson, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import type { FakeUsageEndpoint } from "../support/fake-usage-endpoint.js";
import { recordFigure } from "../support/figures.js";
import { startWorld, type World } from "../support/e2e-world.js";
import type { CliResult, Gateway } from "../support/gateway.js";
import { parseMetrics, sample } from "../support/prometheus.js";

const OWNER: FakeTelegramUser = { id: 333333, firstName: "Owner" };
const OWNER_EMAIL = "monitor-owner@example.test";
const INVALID_GRANT = JSON.stringify({ error: "invalid_grant", error_description: "Refresh token not found or invalid" });
const ROUTE = "/plugins/claude-oauth-refresh";
const DAY_S = 86_400;
/**
 * How long the default account's first 5-hour period has left when the climb starts. It must outlast
 * the climb and the restart check (about 65-85 s here, asserted in that test); the suite's last test
 * waits for the rest of it. Was 300 s: 240 s keeps a margin of about 3 × and waits a minute less.
 */
const FIRST_WINDOW_MS = 240_000;
/** A usage alert (as opposed to login alerts and command replies): "<account>: <window> window ...". */
const USAGE_ALERT = /^(default|work|soon): \S+ window (at \d+ %|used up)/;

interface AccountJson {
  name: string;
  place: number;
  state: string;
  health: "healthy" | "attention" | "broken";
  accessToken?: { expiresAt: string };
  login?: { endsAt: string };
  usage?: { windows?: Record<string, { utilization: number; resetsAt?: string }> };
}

describe("monitoring e2e: usage alerts in the owner's chat, status --check, the metrics route", () => {
  let fake: FakeTokenEndpoint | undefined;
  let usageApi: FakeUsageEndpoint | undefined;
  let telegram: FakeTelegram | undefined;
  let gateway: Gateway | undefined;
  let world: World | undefined;
  const transcript = new CliTranscript();
  const timings: Record<string, number> = {};
  const suiteStarted = Date.now();
  let defaultFile = "";
  /** The 5-hour window's reset for the default account's first period (set when the climb starts). */
  let firstReset = 0;
  const laterReset = Date.now() + 5 * 3600_000;

  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");
  const usage = (): FakeUsageEndpoint => required(usageApi, "fake usage endpoint was not started");
  const tg = (): FakeTelegram => required(telegram, "fake Telegram was not started");
  const gatewayToken = (): string => required(gw().env.OPENCLAW_GATEWAY_TOKEN, "no gateway token");
  const base = (): string => `http://127.0.0.1:${gw().port}`;

  async function cli(args: string[], opts: { input?: string } = {}): Promise<CliResult> {
    return transcript.add(args, await gw().cli(args, opts));
  }

  const usageAlerts = (from = 0): SentMessage[] => tg().sentTo(OWNER.id, from).filter((m) => USAGE_ALERT.test(m.plain));

  /** Sets the default account's 5-hour reading and has the gateway check every account's usage now. */
  async function defaultAt(percent: number, resetsAt: number): Promise<void> {
    usage().set(readCredentials(defaultFile).oauth.accessToken as string, { windows: { fiveHour: percent, sevenDay: 20 }, resetsAt: new Date(resetsAt).toISOString() });
    const r = await cli(["gateway", "call", "claude-oauth.status", "--params", '{"checkUsage":true}', "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const s = JSON.parse(r.stdout) as { accounts?: AccountJson[] };
    expect(s.accounts?.find((a) => a.name === "default")?.usage?.windows?.fiveHour?.utilization).toBe(percent);
  }

  async function nextUsageAlert(count: number, what: string): Promise<SentMessage> {
    const all = await waitFor(what, () => (usageAlerts().length >= count ? usageAlerts() : undefined), 60_000);
    return all[count - 1] as SentMessage;
  }

  async function status(): Promise<{ accounts: AccountJson[] }> {
    const r = await cli(["claude-oauth", "status", "--json"]);
    return JSON.parse(r.stdout) as { accounts: AccountJson[] };
  }

  async function httpCheck(): Promise<{ status: number; body: string }> {
    const res = await fetch(`${base()}${ROUTE}/status?check=1`, { headers: { authorization: `Bearer ${gatewayToken()}` } });
    return { status: res.status, body: await res.text() };
  }

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    const tgApi = telegram;
    const started = Date.now();
    world = await startWorld({
      usage: true,
      pluginConfig: ({ tokens: t, usage: u }) => ({ tokenUrl: t.url, usageUrl: u?.url, usageCheckMinutes: 60 }),
      extraConfig: {
        channels: { telegram: { enabled: true, botToken: tgApi.botToken, apiRoot: tgApi.apiRoot, dmPolicy: "allowlist", allowFrom: [String(OWNER.id)] } },
        commands: { ownerAllowFrom: [`telegram:${OWNER.id}`] },
      },
      beforeStart: (w) => void (required(w.usage, "usage endpoint").fallback = { windows: { fiveHour: 10, sevenDay: 5 }, resetsAt: new Date(laterReset).toISOString() }),
      credentials: ({ tokens: t }) => {
        const login = claudeCredentialsJson(t.mintLogin({ refreshTokenExpiresInSec: 20 * DAY_S }));
        (login.claudeAiOauth as Record<string, unknown>).accountEmail = OWNER_EMAIL;
        return login;
      },
      waitFor: /\[claude-oauth-refresh\] Token still valid for \d+ minutes/,
    });
    ({ tokens: fake, usage: usageApi, gateway, credentialsPath: defaultFile } = world);
    await waitFor("the Telegram channel polling getUpdates", () => tgApi.polls() > 0, 90_000);
    timings.gatewayReady = Date.now() - started;
    const work = claudeCredentialsJson(fake.mintLogin({ refreshTokenExpiresInSec: 20 * DAY_S }));
    (work.claudeAiOauth as Record<string, unknown>).accountEmail = "work@example.test";
    const r = await gateway.cli(["claude-oauth", "import", "--account", "work", "-"], { input: JSON.stringify(work) });
    expect(r.code, describeResult(r)).toBe(0);
    await gateway.waitForOutput(/\[claude-oauth-refresh\] \[work\] Account work added/, 30_000);
  });

  afterAll(async () => {
    await world?.close();
    await telegram?.close();
    timings.suiteMs = Date.now() - suiteStarted;
    console.info(`[e2e monitoring] timings (ms): ${JSON.stringify({ ...timings, harness: gateway?.timings ?? {} })}`);
    recordFigure("e2e-monitoring", "timings-ms", { ...timings, telegramMessages: telegram?.sent.length ?? 0, usageRequests: usageApi?.requests.length ?? 0 });
  });

  it("status --check and ?check=1 when every login is fine: exit 0, 200, one line", async () => {
    const r = await cli(["claude-oauth", "status", "--check"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stdout.trim()).toMatch(/^OK claude-oauth: default: login ends in 19\.\d days; work: login ends in 19\.\d days$/);
    const h = await httpCheck();
    expect(h.status).toBe(200);
    expect(h.body).toBe(`${r.stdout.trim()}\n`);
    const none = await fetch(`${base()}${ROUTE}/status?check=1`);
    expect(none.status).toBe(401);
  });

  it("default climbs 70 → 82 → 96 → 100 %: one message at 80, one at 95, one at 100 naming the account agents moved to", async () => {
    firstReset = Date.now() + FIRST_WINDOW_MS;
    const started = Date.now();
    await defaultAt(70, firstReset);
    await defaultAt(82, firstReset);
    const at80 = await nextUsageAlert(1, "the 80 % message");
    expect(at80.plain).toMatch(/^default: 5-hour window at 82 %, resets \d\d:\d\d \(in \d min\); work is next with 10 %\.$/);
    await defaultAt(96, firstReset);
    const at95 = await nextUsageAlert(2, "the 95 % message");
    expect(at95.plain).toMatch(/^default: 5-hour window at 96 %, resets \d\d:\d\d \(in \d min\); agents use work now \(10 %\)\.$/);
    await defaultAt(100, firstReset);
    const at100 = await nextUsageAlert(3, "the 100 % message");
    expect(at100.plain).toMatch(/^default: 5-hour window used up \(100 %\), resets \d\d:\d\d \(in \d min\); agents use work now \(10 %\)\.$/);
    timings.climbMs = Date.now() - started;
    // The same reading again: nothing new.
    await defaultAt(100, firstReset);
    const s = await status();
    expect(s.accounts.map((a) => [a.name, a.place])).toEqual([
      ["default", 2],
      ["work", 1],
    ]);
    expect(usageAlerts().map((m) => m.plain)).toEqual([at80.plain, at95.plain, at100.plain]);
    const ledger = JSON.parse(readFileSync(join(gw().stateDir, "claude-oauth-refresh", "alerts.json"), "utf8")) as { usage?: Record<string, { sent: number[] }>; lastAlert?: { kind: string } };
    expect(ledger.usage?.fiveHour?.sent).toEqual([80, 95, 100]);
    expect(ledger.lastAlert?.kind).toBe("usage");
  });

  it("after a gateway restart the same window at 100 % is not told again", async () => {
    const before = usageAlerts().length;
    let started = Date.now();
    await gw().stop({ cleanup: false });
    const polls = tg().polls();
    const from = gw().output().length;
    started = Date.now();
    await gw().start();
    await gw().waitForOutput(/\[claude-oauth-refresh\] Token still valid for \d+ minutes/, 120_000, from);
    await waitFor("Telegram polling again", () => tg().polls() > polls, 90_000);
    timings.restartMs = Date.now() - started;
    await defaultAt(100, firstReset);
    expect(Date.now(), "the check after the restart must come before the window's reset, or it proves nothing").toBeLessThan(firstReset);
    // A later test waits for a new message; only then is "none here" certain (counted there too).
    expect(usageAlerts()).toHaveLength(before);
  });

  it("status --check and ?check=1 when a login ends in 2 days: exit 2 (attention), 200, the account named", async () => {
    const soon = claudeCredentialsJson(tokens().mintLogin({ refreshTokenExpiresInSec: 2 * DAY_S }));
    const r = await cli(["claude-oauth", "import", "--account", "soon", "-"], { input: JSON.stringify(soon) });
    expect(r.code, describeResult(r)).toBe(0);
    const check = await cli(["claude-oauth", "status", "--check"]);
    expect(check.code, describeResult(check)).toBe(2);
    expect(check.stdout.trim()).toMatch(/^WARNING claude-oauth: soon: login ends in (1\.9|2) days$/);
    const h = await httpCheck();
    expect(h.status).toBe(200);
    expect(h.body).toBe(`${check.stdout.trim()}\n`);
    // Plain status keeps its own codes: 1 for attention.
    expect((await cli(["claude-oauth", "status"])).code).toBe(1);
  });

  it("status --check and ?check=1 when a login is dead: exit 1 (broken), 503", async () => {
    tokens().failNext({ status: 400, body: INVALID_GRANT, headers: { "content-type": "application/json" } });
    const refresh = await cli(["claude-oauth", "refresh", "--force", "--account", "soon"]);
    expect(refresh.code, describeResult(refresh)).toBe(2);
    const check = await cli(["claude-oauth", "status", "--check"]);
    expect(check.code, describeResult(check)).toBe(1);
    expect(check.stdout.trim()).toBe("CRITICAL claude-oauth: soon: the login has ended, log in again");
    const h = await httpCheck();
    expect(h.status).toBe(503);
    expect(h.body).toBe(`${check.stdout.trim()}\n`);
    expect((await cli(["claude-oauth", "status"])).code).toBe(2);
  });

  it("the metrics route: every series for every account, values equal to status --json, 401 without auth, no token or email", async () => {
    // One failed usage check for work, so that series has a sample too.
    const workToken = readCredentials(join(gw().stateDir, "claude-oauth-refresh", "accounts", "work.json")).oauth.accessToken as string;
    usage().set(workToken, { status: 500, body: "{}" });
    const failed = await cli(["gateway", "call", "claude-oauth.status", "--params", '{"checkUsage":true,"account":"work"}', "--json"]);
    expect(failed.code, describeResult(failed)).toBe(0);
    usage().set(workToken, usage().fallback);

    expect((await fetch(`${base()}${ROUTE}/metrics`)).status).toBe(401);
    expect((await fetch(`${base()}${ROUTE}/metrics`, { headers: { authorization: "Bearer not-the-gateway-token" } })).status).toBe(401);
    const s = await status();
    const scrapedAt = Date.now();
    const res = await fetch(`${base()}${ROUTE}/metrics`, { headers: { authorization: `Bearer ${gatewayToken()}`, origin: "null" } });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get("access-control-allow-origin"), "not readable cross-origin").toBeNull();
    const m = parseMetrics(body);
    const near = (value: number | undefined, iso: string | undefined, what: string) => {
      expect(value, what).toBeDefined();
      expect(Math.abs((value as number) - (Date.parse(iso ?? "") - scrapedAt) / 1000), what).toBeLessThan(30);
    };
    const healthValue = { healthy: 0, attention: 1, broken: 2 };
    expect(s.accounts.map((a) => a.name).sort()).toEqual(["default", "soon", "work"]);
    for (const a of s.accounts) {
      const account = { account: a.name };
      expect(sample(m, "claude_oauth_health", account), a.name).toBe(healthValue[a.health]);
      expect(sample(m, "claude_oauth_order_place", account), a.name).toBe(a.place);
      near(sample(m, "claude_oauth_access_token_seconds_left", account), a.accessToken?.expiresAt, `${a.name} token`);
      near(sample(m, "claude_oauth_login_seconds_left", account), a.login?.endsAt, `${a.name} login`);
      for (const name of ["refresh_attempts_total", "refresh_successes_total", "alerts_sent_total", "alert_delivery_failures_total", "alerts_undelivered"]) {
        expect(sample(m, `claude_oauth_${name}`, account), `${name} ${a.name}`).toBeGreaterThanOrEqual(0);
      }
    }
    for (const a of s.accounts) {
      for (const [window, w] of Object.entries(a.usage?.windows ?? {})) {
        expect(sample(m, "claude_oauth_usage_utilization_ratio", { account: a.name, window }), `${a.name} ${window}`).toBeCloseTo(w.utilization / 100, 6);
        near(sample(m, "claude_oauth_usage_reset_seconds", { account: a.name, window }), w.resetsAt, `${a.name} ${window} reset`);
      }
    }
    expect(sample(m, "claude_oauth_usage_utilization_ratio", { account: "default", window: "fiveHour" })).toBe(1);
    expect(sample(m, "claude_oauth_refresh_failures_total", { account: "soon", reason: "needs_login" })).toBe(1);
    expect(sample(m, "claude_oauth_refresh_successes_total", { account: "soon" })).toBe(0);
    expect(sample(m, "claude_oauth_usage_check_failures_total", { account: "work", reason: "server_error" })).toBe(1);
    expect(leakedTokens(body, issuedTokens(tokens())), "token in the metrics").toEqual([]);
    expect(body).not.toMatch(/@|example\.test|sk-ant-/);
    timings.metricsBytes = body.length;
  });

  it("latency, one run: the metrics route next to the status route, alternated request by request", async () => {
    const headers = { authorization: `Bearer ${gatewayToken()}` };
    const timed = async (path: string): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`${base()}${path}`, { headers });
      await res.text();
      expect(res.status, path).toBe(200);
      return performance.now() - started;
    };
    const status: number[] = [];
    const metrics: number[] = [];
    for (let i = 0; i < 40; i++) {
      status.push(await timed(`${ROUTE}/status`));
      metrics.push(await timed(`${ROUTE}/metrics`));
    }
    const p = (xs: number[], q: number) => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number);
    const figures = { n: 40, statusP50: p(status, 0.5), statusP95: p(status, 0.95), statusMax: p(status, 1), metricsP50: p(metrics, 0.5), metricsP95: p(metrics, 0.95), metricsMax: p(metrics, 1) };
    console.info(`[e2e monitoring] route latency (ms, three accounts): ${JSON.stringify(figures)}`);
    recordFigure("e2e-monitoring", "route-latency-ms", figures);
  });

  it("after the window's reset passes, crossing 80 again is told again; nothing was sent after the restart", async () => {
    const wait = firstReset - Date.now();
    timings.waitedForResetMs = Math.max(0, wait);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 1_000));
    await defaultAt(30, laterReset);
    await defaultAt(82, laterReset);
    const again = await nextUsageAlert(4, "the 80 % message of the new window period");
    expect(again.plain).toMatch(/^default: 5-hour window at 82 %, resets \d\d:\d\d \(in 4 h \d+ min\); agents use work now \(10 %\)\.$/);
    const all = usageAlerts().map((m) => m.plain);
    expect(all, "80, 95, 100 before the restart, none after it, 80 in the new period").toHaveLength(4);
    expect(all[3]).toBe(again.plain);
  });

  it("no issued token or email in any Telegram message, CLI output or the gateway output", () => {
    const all = issuedTokens(tokens());
    const telegramText = tg()
      .calls.map((c) => JSON.stringify(c.body))
      .join("\n");
    for (const [what, text] of [
      ["Telegram", telegramText],
      ["CLI", transcript.text()],
      ["gateway output", gw().output()],
    ] as const) {
      expect(leakedTokens(text, all), what).toEqual([]);
      expect(text, what).not.toMatch(/sk-ant-o[ar]t01-/);
    }
    expect(usageAlerts().some((m) => m.plain.includes("@"))).toBe(false);
  });
});
