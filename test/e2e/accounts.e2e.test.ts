// Several accounts and usage limits end to end (issue 10), on ONE real gateway: the `default`
// account from the config, a `work` account imported with the CLI while the gateway runs, a fake
// token endpoint (8 h tokens: every POST is one a command caused), a fake usage endpoint whose answer
// per access token the test sets (it checks the bearer and the beta header), and a fake Messages API
// that accepts only live tokens. What is asserted is what agents see: the token each model call of
// the next agent turn carries, after each change of the usage numbers. With the default
// `moveClaudeCliSessions` an account that gives way lends its profile the first account's token
// and gets its own back afterwards: the turns after each change show that neither leaks into the
// next (before the give-back fix, default and work swapped tokens at the 100 % and dead-login steps).

import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliTranscript, bearerOf, describeResult, issuedTokens, agentTurnCalls, leakedTokens, linesMatching, readCredentials, required, statusFromRoute, waitFor } from "../support/e2e-helpers.js";
import type { FakeMessagesApi } from "../support/fake-messages-api.js";
import { claudeCredentialsJson, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import type { FakeUsageEndpoint, UsageBehaviour } from "../support/fake-usage-endpoint.js";
import { recordFigure } from "../support/figures.js";
import { startWorld, type World } from "../support/e2e-world.js";
import type { CliResult, Gateway } from "../support/gateway.js";

interface AccountJson {
  name: string;
  place: number;
  state: string;
  health: string;
  profileId: string;
  credentials: { path: string; mode?: string };
  usage?: { windows?: Record<string, { utilization: number; resetsAt?: string }>; error?: { code: string; message: string } };
  /** The account this one's profile lends its place to (moveClaudeCliSessions). */
  lentTo?: string;
}

interface StatusJson {
  state: string;
  profileId: string;
  accounts?: AccountJson[];
}

const INVALID_GRANT = JSON.stringify({ error: "invalid_grant", error_description: "Refresh token not found or invalid" });

describe("accounts e2e: two Claude accounts, usage windows and the order agents use them in", () => {
  let fake: FakeTokenEndpoint | undefined;
  let messages: FakeMessagesApi | undefined;
  let usageApi: FakeUsageEndpoint | undefined;
  let gateway: Gateway | undefined;
  let world: World | undefined;
  const transcript = new CliTranscript();
  const timings: Record<string, number> = {};
  const suiteStarted = Date.now();
  const alertsDir = mkdtempSync(join(tmpdir(), "coauth-alerts-"));
  const alertsFile = join(alertsDir, "alerts.jsonl");
  let defaultFile = "";
  let workFile = "";

  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");
  const api = (): FakeMessagesApi => required(messages, "fake Messages API was not started");
  const usage = (): FakeUsageEndpoint => required(usageApi, "fake usage endpoint was not started");

  async function cli(args: string[], opts: { input?: string } = {}): Promise<CliResult> {
    const r = transcript.add(args, await gw().cli(args, opts));
    const text = `${r.stdout}\n${r.stderr}`;
    expect(leakedTokens(text, issuedTokens(tokens())), "token in CLI output").toEqual([]);
    expect(text).not.toMatch(/sk-ant-o[ar]t01-/);
    return r;
  }

  const accessOf = (file: string) => readCredentials(file).oauth.accessToken as string;
  const refreshOf = (file: string) => readCredentials(file).oauth.refreshToken as string;

  /** What the usage endpoint answers for an account's current access token. */
  function setUsage(file: string, behaviour: UsageBehaviour): void {
    usage().set(accessOf(file), behaviour);
  }

  async function status(): Promise<StatusJson> {
    const r = await cli(["claude-oauth", "status", "--json"]);
    return JSON.parse(r.stdout) as StatusJson;
  }

  /** The same status JSON from the gateway's route (milliseconds, no CLI process), where the CLI is not what a test is about. */
  async function liveStatus(): Promise<StatusJson> {
    const r = await statusFromRoute<StatusJson>(gw());
    expect(r.status, r.text).toBe(200);
    expect(leakedTokens(r.text, issuedTokens(tokens())), "token in the status route").toEqual([]);
    return r.json();
  }

  const accountIn = (s: StatusJson, name: string): AccountJson => required(s.accounts?.find((a) => a.name === name), `account ${name} in status`);

  /** One agent turn; every model call it made must carry `expected`. */
  async function expectNextTurnUses(expected: string, what: string): Promise<void> {
    const { calls } = await agentTurnCalls(gw(), api(), transcript);
    for (const call of calls) expect(bearerOf(call) === expected, `model call ${call.model ?? "?"} did not carry ${what}`).toBe(true);
  }

  /** Waits until a usage check has seen `token` answered with a utilization of `percent` (one check interval). */
  async function waitForUsageCheck(token: string, from: number): Promise<void> {
    await waitFor("a usage check with the token", () => usage().requests.slice(from).some((r) => r.bearer === token && r.status === 200), 100_000, 500);
  }

  beforeAll(async () => {
    world = await startWorld({
      usage: true,
      pluginConfig: ({ tokens: t, usage: u }) => ({ tokenUrl: t.url, usageUrl: u?.url, usageCheckMinutes: 1, alertCommand: `cat >> ${alertsFile}; echo >> ${alertsFile}` }),
      credentials: ({ tokens: t }) => claudeCredentialsJson(t.mintLogin()),
      beforeStart: (w) => void (required(w.usage, "usage endpoint").fallback = { windows: { fiveHour: 10, sevenDay: 5 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() }),
      waitFor: /\[claude-oauth-refresh\] Token still valid for \d+ minutes/,
    });
    ({ tokens: fake, messages, usage: usageApi, gateway, credentialsPath: defaultFile } = world);
    workFile = join(world.gateway.stateDir, "claude-oauth-refresh", "accounts", "work.json");
    timings.gatewayReady = world.timings.createGateway + (world.timings.gatewayStart ?? Number.NaN);
  });

  afterAll(async () => {
    await world?.close();
    timings.suiteMs = Date.now() - suiteStarted;
    recordFigure("e2e-accounts", "timings-ms", { ...timings, posts: fake?.posts.length ?? 0, usageRequests: usageApi?.requests.length ?? 0 });
  });

  it("import --account work while the gateway runs: saved 0600 under the plugin's state, its own profile, no restart", async () => {
    const posts = tokens().posts.length;
    const r = await cli(["claude-oauth", "import", "--account", "work", "-"], { input: JSON.stringify(claudeCredentialsJson(tokens().mintLogin())) });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(workFile);
    expect(readCredentials(workFile).mode.toString(8)).toBe("600");
    expect(tokens().posts.length).toBe(posts);
    await gw().waitForOutput(/\[claude-oauth-refresh\] \[work\] Account work added/, 30_000);
    const s = await liveStatus();
    expect(s.profileId).toBe("anthropic:subscription"); // today's top-level fields stay `default`'s
    expect(s.accounts?.map((a) => [a.name, a.profileId, a.state])).toEqual([
      ["default", "anthropic:subscription", "ok"],
      ["work", "anthropic:subscription-work", "ok"],
    ]);
    expect(accountIn(s, "default").place).toBe(1);
  });

  it("a bad account name is refused with what is allowed, and nothing is written", async () => {
    const r = await cli(["claude-oauth", "import", "--account", "Work/../x", "-"], { input: "{}" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lowercase letters, digits and "-", at most 32/);
    expect(existsSync(join(gw().stateDir, "claude-oauth-refresh", "accounts", "x.json"))).toBe(false);
  });

  it("each account refreshes on its own: one POST per rotation each, both files hold their newest tokens", async () => {
    const posts = tokens().posts.length;
    const defaultBefore = refreshOf(defaultFile);
    const r1 = await cli(["claude-oauth", "refresh", "--force", "--account", "work"]);
    expect(r1.code, describeResult(r1)).toBe(0);
    expect(tokens().posts.length - posts).toBe(1);
    expect(refreshOf(defaultFile) === defaultBefore, "default untouched by work's refresh").toBe(true);
    const workLatest = tokens().latest();
    expect(refreshOf(workFile) === workLatest?.refreshToken, "work's file holds its newest refresh token").toBe(true);
    const r2 = await cli(["claude-oauth", "refresh", "--force"]);
    expect(r2.code, describeResult(r2)).toBe(0);
    expect(tokens().posts.length - posts).toBe(2);
    expect(refreshOf(defaultFile) === tokens().latest()?.refreshToken, "default's file holds its newest refresh token").toBe(true);
    expect(refreshOf(workFile) === workLatest?.refreshToken, "work untouched by default's refresh").toBe(true);
  });

  it("status lists both accounts with their usage, text and JSON; default is first and agents use it", async () => {
    const from = usage().requests.length;
    setUsage(defaultFile, { windows: { fiveHour: 10, sevenDay: 4 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() });
    setUsage(workFile, { windows: { fiveHour: 30, sevenDay: 20 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() });
    const r = await cli(["claude-oauth", "status", "--check-usage", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    // --check-usage read both accounts now (a periodic check may also have run meanwhile)
    const bearers = usage().requests.slice(from).map((q) => q.bearer);
    expect(bearers.includes(accessOf(defaultFile)) && bearers.includes(accessOf(workFile)), "both accounts' usage read").toBe(true);
    const s = JSON.parse(r.stdout) as StatusJson;
    expect(accountIn(s, "default").usage?.windows?.fiveHour?.utilization).toBe(10);
    expect(accountIn(s, "work").usage?.windows?.fiveHour?.utilization).toBe(30);
    const text = await cli(["claude-oauth", "status"]);
    expect(text.stdout).toMatch(/^Account default \(agents use it first\)$/m);
    expect(text.stdout).toMatch(/^Account work \(2nd in line\)$/m);
    expect(text.stdout).toMatch(/^ {2}Usage\s+5-hour 30 %, resets in 2 h \d+ min; week 20 %/m);
    await expectNextTurnUses(accessOf(defaultFile), "default's token");
  });

  it("default at 96 %: within one usage check the next agent turn carries work's newest token; the change is logged once with its reason", async () => {
    const outFrom = gw().output().length;
    const checksFrom = usage().requests.length;
    setUsage(defaultFile, { windows: { fiveHour: 96, sevenDay: 40 }, resetsAt: new Date(Date.now() + 2 * 3600_000).toISOString() });
    const started = Date.now();
    await waitForUsageCheck(accessOf(defaultFile), checksFrom);
    const line = await gw().waitForOutput(/work is first: default reached 96 % of its 5-hour window, resets \d\d:\d\d UTC/, 30_000, outFrom);
    timings.switchAfterUsageMs = Date.now() - started;
    expect(line).toContain("[claude-oauth-refresh]");
    await expectNextTurnUses(accessOf(workFile), "work's token");
    const s = await liveStatus();
    expect(accountIn(s, "work").place).toBe(1);
    expect(accountIn(s, "default").place).toBe(2);
    expect(accountIn(s, "default").lentTo).toBe("work");
    expect(linesMatching(gw().output(), /is first:/, outFrom)).toHaveLength(1);
    expect(linesMatching(gw().output(), /Account default gives way to work \(default reached 96 %/, outFrom)).toHaveLength(1);
  });

  it("default back to 10 %: agents stay on work (sticky)", async () => {
    const checksFrom = usage().requests.length;
    setUsage(defaultFile, { windows: { fiveHour: 10, sevenDay: 40 }, resetsAt: new Date(Date.now() + 2 * 3600_000).toISOString() });
    await waitForUsageCheck(accessOf(defaultFile), checksFrom);
    await waitFor("default's usage read as 10 %", async () => accountIn(await liveStatus(), "default").usage?.windows?.fiveHour?.utilization === 10, 30_000, 1_000);
    // default no longer gives way: its profile carries its own token again (checked by the next step's turn)
    await waitFor("default's lending ended", async () => accountIn(await liveStatus(), "default").lentTo === undefined, 30_000, 1_000);
    await expectNextTurnUses(accessOf(workFile), "work's token");
    expect(accountIn(await liveStatus(), "work").place).toBe(1);
  });

  it("work at 100 % with a reset time: default goes first, work is not used before its reset", async () => {
    const outFrom = gw().output().length;
    const checksFrom = usage().requests.length;
    const resetsAt = Date.now() + 20 * 60_000;
    setUsage(workFile, { windows: { fiveHour: 100, sevenDay: 50 }, resetsAt: new Date(resetsAt).toISOString() });
    await waitForUsageCheck(accessOf(workFile), checksFrom);
    await gw().waitForOutput(/default is first: work reached 100 % of its 5-hour window/, 30_000, outFrom);
    await expectNextTurnUses(accessOf(defaultFile), "default's token");
    await expectNextTurnUses(accessOf(defaultFile), "default's token, again");
    const s = await liveStatus();
    expect(accountIn(s, "default").place).toBe(1);
    expect(accountIn(s, "work").place).toBe(2);
    expect(accountIn(s, "work").lentTo).toBe("default");
    expect(accountIn(s, "default").lentTo).toBeUndefined();
  });

  it("a usage endpoint answering 403 or HTML for work changes nothing but its usage line", async () => {
    const posts = tokens().posts.length;
    const before = await status();
    setUsage(workFile, { status: 403, body: "{}" });
    const r = await cli(["claude-oauth", "status", "--check-usage", "--json"]);
    const s = JSON.parse(r.stdout) as StatusJson;
    expect(accountIn(s, "work").usage?.error?.code).toBe("rejected");
    expect(accountIn(s, "default").usage?.error).toBeUndefined();
    setUsage(workFile, { status: 200, body: "<html>maintenance</html>" });
    const h = JSON.parse((await cli(["claude-oauth", "status", "--check-usage", "--json"])).stdout) as StatusJson;
    expect(accountIn(h, "work").usage?.error?.code).toBe("bad_response");
    for (const view of [s, h]) {
      expect(view.accounts?.map((a) => [a.name, a.place, a.state, a.health])).toEqual(before.accounts?.map((a) => [a.name, a.place, a.state, a.health]));
    }
    expect(tokens().posts.length).toBe(posts);
  });

  it("default's login dies (invalid_grant): only default needs a login, its alert names it, agent turns go on with work", async () => {
    const outFrom = gw().output().length;
    setUsage(workFile, { windows: { fiveHour: 20, sevenDay: 50 }, resetsAt: new Date(Date.now() + 3600_000).toISOString() });
    await cli(["claude-oauth", "status", "--check-usage", "--json"]);
    tokens().failNext({ status: 400, body: INVALID_GRANT, headers: { "content-type": "application/json" } });
    const r = await cli(["claude-oauth", "refresh", "--force"]);
    expect(r.code).toBe(2);
    await gw().waitForOutput(/work is first: default needs a new login/, 30_000, outFrom);
    const s = await liveStatus();
    expect(accountIn(s, "default").state).toBe("needs-login");
    expect(accountIn(s, "work").state).toBe("ok");
    expect(accountIn(s, "work").place).toBe(1);
    expect(accountIn(s, "default").lentTo).toBe("work");
    expect(accountIn(s, "work").lentTo).toBeUndefined();
    await waitFor("the needs-login alert", () => existsSync(alertsFile) && readFileSync(alertsFile, "utf8").includes("needs-login"), 30_000);
    const alerts = readFileSync(alertsFile, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { kind: string; account?: string; message: string });
    const needsLogin = alerts.filter((a) => a.kind === "needs-login");
    expect(needsLogin).toHaveLength(1);
    expect(needsLogin[0]?.account).toBe("default");
    expect(needsLogin[0]?.message).toMatch(/^Claude account "default": /);
    await expectNextTurnUses(accessOf(workFile), "work's token");
  });

  it("logout --account work: its profile and file are gone; default stays", async () => {
    const r = await cli(["claude-oauth", "logout", "--account", "work"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(existsSync(workFile)).toBe(false);
    const s = await liveStatus();
    expect(s.accounts?.map((a) => a.name)).toEqual(["default"]);
  });

  it("never prints a token: every CLI output and the gateway output (redaction off) are clean", () => {
    const all = issuedTokens(tokens());
    expect(all.length).toBeGreaterThan(4);
    expect(leakedTokens(gw().output(), all), "token in gateway output").toEqual([]);
    expect(leakedTokens(transcript.text(), all), "token in CLI output").toEqual([]);
    if (existsSync(alertsFile)) expect(leakedTokens(readFileSync(alertsFile, "utf8"), all), "token in an alert").toEqual([]);
  });
});
