// OpenClaw's Claude CLI runtime end to end (issue 15): the real Claude Code 2.1.328 (its native
// binary, .cache/env.json `claudeCode`) is the agent runtime of a real OpenClaw 2026.9.6 gateway
// (`agents.defaults.models["anthropic/claude-opus-5"].agentRuntime = { id: "claude-cli" }`), with
// the plugin's login forwarded to it. The whole gateway runs in a loopback-only network namespace
// (netns-gateway.ts), so neither OpenClaw nor Claude Code can send a byte off the machine; Claude
// Code reaches the fake Messages API through `env.ANTHROPIC_BASE_URL` in `$HOME/.claude/settings.json`
// of the gateway's HOME (OpenClaw strips ANTHROPIC_* from its environment).
//
// What is proved, in ONE session (`openclaw agent --agent main` always uses the main session):
// turn 1 carries the current token; `refresh --force`; turn 2 carries the new token AND turn 1's
// words (the same Claude Code session resumed), with no `reason=auth-epoch` reset in the gateway's
// log; then a scheduled refresh and turn 3, the same. Plus what the warm Claude Code process does
// across a refresh (measured, see docs/claude-cli-runtime.md), and a leak scan of every output.
//
// OpenClaw's own usage display (Control UI Usage = gateway method `usage.status`, `openclaw models
// status`, `openclaw status --usage`) calls https://api.anthropic.com/api/oauth/usage, a URL no
// config or env changes (provider-usage.fetch.claude-*.mjs). Inside the namespace Anthropic's host
// names resolve to 127.0.0.1 (a private /etc/hosts), port 443 there leads to a TLS fake with a
// throwaway certificate (fake-anthropic-hosts.ts, test-ca.ts) that the gateway trusts through
// NODE_EXTRA_CA_CERTS; it also stands in for OpenClaw's own token endpoint
// (https://platform.claude.com/v1/oauth/token), so "OpenClaw never refreshed the login" is seen,
// not assumed. The two CLI commands fetch from their own process: they run in a namespace of their
// own with the same names (NamespaceLink.launchCli).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREDENTIALS_FILE, CliTranscript, bearerOf, describeResult, issuedTokens, leakedTokens, linesMatching, modelCalls, pluginLine, readCredentials, required, waitFor, waitForLineCount, writeCredentialsAtomically } from "../support/e2e-helpers.js";
import { claudeCodeBinary } from "../support/claude-code.js";
import { startFakeAnthropicHosts, type AnthropicHostRequest, type FakeAnthropicHosts } from "../support/fake-anthropic-hosts.js";
import { startFakeMessagesApi, type FakeMessagesApi, type MessagesRequest } from "../support/fake-messages-api.js";
import { claudeCredentialsJson, startFakeTokenEndpoint, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { startFakeUsageEndpoint, type FakeUsageEndpoint } from "../support/fake-usage-endpoint.js";
import { recordFigure } from "../support/figures.js";
import { createGateway, type CliResult, type Gateway } from "../support/gateway.js";
import { linkGatewayNamespace, type NamespaceLink } from "../support/netns-gateway.js";
import { makeTestCa } from "../support/test-ca.js";

const MODEL = "anthropic/claude-opus-5";
const PROFILE_ID = "anthropic:subscription";
// OpenClaw stops using an OAuth token 5 minutes before it ends; with 390-second tokens and a
// 1-minute margin the plugin refreshes ~45 s after each refresh (src/login/schedule.ts).
const TOKEN_LIFETIME_SEC = 390;
const FIRST_LOGIN_SEC = 1_800;
const REFRESHED = pluginLine("Token refreshed; valid for ", { prefixOnly: true });
// A cut session: reset for the auth epoch or profile, or history refused for one of those. (OpenClaw
// also logs "history refused across auth boundary: reason=auth-unknown" on every turn, resumed or
// not: that is its raw-transcript reseed being skipped, not a cut.)
const AUTH_CUT = /cli session reset: provider=claude-cli reason=auth-(epoch|profile)|history refused across auth boundary: reason=auth-(epoch|profile)/;
const ANY_RESET = /cli session reset: provider=claude-cli reason=([a-z-]+)/;
const EXEC = /cli exec: provider=claude-cli .*useResume=(true|false) .*resumeSession=(\S+)/;
const LIVE_START = /cli live session start: provider=claude-cli/;
// Anthropic's hard-coded hosts OpenClaw (and Claude Code) could call: api.anthropic.com (usage),
// platform.claude.com (OpenClaw's OAuth refresh), claude.ai (its web-session usage fallback).
const ANTHROPIC_HOSTS = ["api.anthropic.com", "platform.claude.com", "claude.ai", "console.anthropic.com"];
const USAGE_PATH = "/api/oauth/usage";
const TROUBLE = /\[claude-oauth-refresh\] (Token refresh failed|Unexpected error|Token refreshed, but NOT saved|Could not publish|Stopping with refreshed tokens)/;

interface Turn {
  calls: MessagesRequest[];
  /** The calls Claude Code made (User-Agent claude-cli/...), not OpenClaw's own background calls. */
  claudeCode: MessagesRequest[];
  pids: number[];
  ms: number;
  /** From OpenClaw's "cli exec" line: was Claude Code started with --resume, and which session. */
  resumed: boolean;
  resumeSession: string;
  /** "cli live session start" lines during the turn: a new warm Claude Code process. */
  liveStarts: number;
}

/** Running processes whose executable is the Claude Code binary (the gateway's warm ones). */
function claudeCodePids(binary: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/exe`) === binary) pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids.sort((a, b) => a - b);
}

/** OpenClaw's own Claude CLI session epoch for a stored credential (its dist, run on Node 24). */
function openclawEpochs(node24: string, openclaw: string, credentials: unknown[]): string[] {
  const dist = join(dirname(openclaw), "dist");
  const file = readdirSync(dist).find((n) => /^cli-auth-epoch-.*\.mjs$/.test(n));
  if (!file) throw new Error(`no cli-auth-epoch-*.mjs in ${dist}`);
  const script = `
    const m = await import(${JSON.stringify(join(dist, file))});
    const api = globalThis[Symbol.for("openclaw.cliAuthEpochTestApi")];
    const resolve = Object.values(m).find((f) => typeof f === "function" && f.name === "resolveCliAuthEpoch");
    if (!api || !resolve) throw new Error("OpenClaw's resolveCliAuthEpoch is not reachable");
    const out = [];
    for (const credential of ${JSON.stringify(credentials)}) {
      api.setCliAuthEpochTestDeps({ loadAuthProfileStoreForRuntime: () => ({ version: 1, profiles: { ${JSON.stringify(PROFILE_ID)}: credential } }) });
      out.push(await resolve({ provider: "claude-cli", authProfileId: ${JSON.stringify(PROFILE_ID)}, skipLocalCredential: true }));
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(node24, ["--input-type=module", "-e", script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", VITEST: "1" }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`epoch probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

describe("Claude CLI runtime e2e: the real Claude Code as the agent runtime, the conversation survives every refresh", () => {
  let fake: FakeTokenEndpoint | undefined;
  let messages: FakeMessagesApi | undefined;
  let usageApi: FakeUsageEndpoint | undefined;
  let gateway: Gateway | undefined;
  let link: NamespaceLink | undefined;
  let anthropic: FakeAnthropicHosts | undefined;
  let caDir: string | undefined;
  const probeHomes: string[] = [];
  const transcript = new CliTranscript();
  const figures: Record<string, number | string> = {};
  const suiteStarted = Date.now();
  const binary = claudeCodeBinary();
  const env = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", ".cache", "env.json"), "utf8")) as { node24: string; openclaw: string };

  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");
  const api = (): FakeMessagesApi => required(messages, "fake Messages API was not started");
  const usage = (): FakeUsageEndpoint => required(usageApi, "fake usage endpoint was not started");
  const latestAccess = (): string => required(tokens().latest(), "the fake has no live token").accessToken;
  const hosts = (): FakeAnthropicHosts => required(anthropic, "fake Anthropic hosts were not started");

  async function cli(args: string[]): Promise<CliResult> {
    return transcript.add(args, await gw().cli(args, { timeoutMs: 240_000 }));
  }

  /** A CLI command in a loopback-only namespace of its own where Anthropic's names lead to the fakes. */
  async function nsCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    const l = required(link, "namespace link");
    return transcript.add(args, await gw().cli(args, { timeoutMs: 240_000, env: extraEnv, launch: (c, a) => l.launchCli(c, a) }));
  }

  /** Runs an ES module on Node 24 with OpenClaw's plugin SDK as `sdk` (provider-auth); returns its stdout. */
  function withOpenClawSdk(body: string, runEnv: NodeJS.ProcessEnv): string {
    const sdk = join(dirname(env.openclaw), "dist", "plugin-sdk", "provider-auth.js");
    const r = spawnSync(env.node24, ["--input-type=module", "-e", `const sdk = await import(${JSON.stringify(sdk)});\n${body}`], { encoding: "utf8", env: runEnv, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`OpenClaw SDK script failed: ${r.stderr}`);
    return r.stdout;
  }

  /**
   * A separate OpenClaw home holding only `credential` under the plugin's profile id, with its own
   * minimal config: `openclaw models status` in a CLI namespace run against it shows what OpenClaw's
   * display does with that profile, without touching the gateway's store.
   */
  function probeHome(credential: Record<string, unknown>): NodeJS.ProcessEnv {
    const home = mkdtempSync(join(tmpdir(), "coauth-probe-"));
    probeHomes.push(home);
    const stateDir = join(home, ".openclaw");
    mkdirSync(join(home, "tmp"), { recursive: true, mode: 0o700 });
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const configPath = join(stateDir, "openclaw.json");
    writeFileSync(configPath, JSON.stringify({ update: { checkOnStart: false }, models: { catalogRefresh: { enabled: false } }, gateway: { mode: "local", bind: "loopback" }, agents: { defaults: { model: { primary: MODEL }, skipBootstrap: true } }, logging: { file: join(home, "openclaw.log") } }), { mode: 0o600 });
    const probeEnv = { ...gw().env, HOME: home, OPENCLAW_HOME: home, OPENCLAW_STATE_DIR: stateDir, OPENCLAW_CONFIG_PATH: configPath, TMPDIR: join(home, "tmp") };
    const stored = withOpenClawSdk(`const store = await sdk.upsertAuthProfileWithLock({ profileId: ${JSON.stringify(PROFILE_ID)}, credential: JSON.parse(process.env.PROBE_CREDENTIAL) });\nprocess.stdout.write(store === null ? "null" : "ok");`, { ...probeEnv, PROBE_CREDENTIAL: JSON.stringify(credential) });
    expect(stored).toBe("ok");
    return probeEnv;
  }

  interface UsageWindow {
    label?: string;
    usedPercent?: number;
  }
  interface UsageSnapshot {
    provider?: string;
    windows?: UsageWindow[];
    error?: string;
    accountEmail?: string;
  }
  const anthropicOf = (providers: UsageSnapshot[] | undefined): UsageSnapshot | undefined => providers?.find((p) => p.provider === "anthropic");
  const percents = (snap: UsageSnapshot | undefined): Record<string, number | undefined> => Object.fromEntries((snap?.windows ?? []).map((w) => [w.label ?? "?", w.usedPercent]));
  /** OpenClaw's calls to the usage endpoint since `from` (the plugin's own polls go to its usageUrl, not here). */
  const usageCalls = (from: number): AnthropicHostRequest[] => hosts().requests.slice(from).filter((r) => r.host === "api.anthropic.com" && r.path === USAGE_PATH);

  /**
   * OpenClaw's three usage surfaces must each show `expected` (5h and Week percent used) for the
   * anthropic provider, and every call they made to the usage endpoint must carry `token` (default:
   * the plugin's newest token at the start, or one issued meanwhile: a scheduled refresh can land
   * mid-check). Returns the `models status` provider line and how many usage calls OpenClaw made.
   */
  async function usageDisplays(expected: { fiveHour: number; week: number }, token?: string): Promise<{ line: string; calls: number }> {
    const from = hosts().requests.length;
    const atStart = token ?? latestAccess();
    const issuedFrom = tokens().issuedAccessTokens.length;
    // The Control UI's Usage view and the chat composer's plan-usage ring: gateway method usage.status.
    // It caches for 60 s and answers a stale entry at once while it refetches, so poll.
    await waitFor("usage.status to show the expected windows", async () => {
      const r = await cli(["gateway", "call", "usage.status", "--json"]);
      expect(r.code, describeResult(r)).toBe(0);
      const snap = anthropicOf((JSON.parse(r.stdout) as { providers?: UsageSnapshot[] }).providers);
      const p = percents(snap);
      figures.lastUsageStatus = JSON.stringify(snap ?? null);
      return p["5h"] === expected.fiveHour && p.Week === expected.week && snap?.error === undefined;
    }, 90_000, 5_000);
    await waitFor("the gateway's own usage call", () => usageCalls(from).length >= 1, 20_000);
    // `openclaw models status`: "- anthropic usage: 5h X% left ..." next to the provider.
    const m = await nsCli(["models", "status", "--agent", "main"]);
    expect(m.code, describeResult(m)).toBe(0);
    const line = (m.stdout.split("\n").find((l) => /^- anthropic usage: /.test(l.trim())) ?? "").trim();
    expect(line, m.stdout).toMatch(new RegExp(`usage: 5h ${100 - expected.fiveHour}% left`));
    // `openclaw status --usage --json`: the full per-provider breakdown.
    const s = await nsCli(["status", "--usage", "--json"]);
    expect(s.code, describeResult(s)).toBe(0);
    const status = JSON.parse(s.stdout) as { usage?: { providers?: UsageSnapshot[] } };
    expect(percents(anthropicOf(status.usage?.providers)), s.stdout).toMatchObject({ "5h": expected.fiveHour, Week: expected.week });
    const calls = usageCalls(from);
    expect(calls.length, "each surface fetched usage itself").toBeGreaterThanOrEqual(3);
    const allowed = token !== undefined ? [token] : [atStart, ...tokens().issuedAccessTokens.slice(issuedFrom)];
    for (const c of calls) {
      expect(allowed.includes(c.bearer ?? ""), "OpenClaw's usage call carried the plugin's current access token").toBe(true);
      expect(c.userAgent).toBe("openclaw");
      expect(c.beta).toContain("oauth-2025-04-20");
      expect(c.status).toBe(200);
    }
    return { line, calls: calls.length };
  }

  /**
   * One turn in the main session (or `sessionKey`); it must answer. Its own calls are the model
   * calls that carry the turn's marker word (Claude Code's main call and its recap; another
   * session's late recap call can land in the same time window). Each must carry `expected`, or,
   * for "current", the newest token at the start or one issued while the turn ran (a scheduled
   * refresh every ~45 s can land mid-turn).
   */
  async function turn(message: string, expected: string | "current" | undefined, opts: { sessionKey?: string } = {}): Promise<Turn> {
    const marker = required(/[A-Z]+-[0-9A-Z]+/.exec(message)?.[0], "a marker word in the message");
    const from = api().requests.length;
    const outFrom = gw().output().length;
    const issuedFrom = tokens().issuedAccessTokens.length;
    const atStart = expected === "current" ? latestAccess() : expected;
    const started = Date.now();
    const r = await cli(["agent", "--agent", "main", ...(opts.sessionKey ? ["--session-key", opts.sessionKey] : []), "--message", message, "--json"]);
    const ms = Date.now() - started;
    expect(r.code, describeResult(r)).toBe(0);
    const parsed = JSON.parse(r.stdout) as { result?: { payloads?: Array<{ text?: string }> } };
    expect(parsed.result?.payloads?.[0]?.text).toBe("pong");
    const calls = modelCalls(api().requests, from);
    const claudeCode = calls.filter((c) => /claude-cli\//.test(c.userAgent ?? "") && c.messages?.includes(marker));
    expect(claudeCode.length, "Claude Code made the turn's model call").toBeGreaterThan(0);
    if (atStart !== undefined) {
      const allowed = expected === "current" ? [atStart, ...tokens().issuedAccessTokens.slice(issuedFrom)] : [atStart];
      for (const call of claudeCode) expect(allowed.includes(bearerOf(call) ?? ""), `a model call (${call.userAgent ?? "?"}) did not carry the expected token`).toBe(true);
    }
    const exec = linesMatching(gw().output(), EXEC, outFrom)[0];
    const m = exec ? EXEC.exec(exec) : null;
    return { calls, claudeCode, pids: claudeCodePids(binary), ms, resumed: m?.[1] === "true", resumeSession: m?.[2] ?? "none", liveStarts: linesMatching(gw().output(), LIVE_START, outFrom).length };
  }

  /** Did one of Claude Code's calls in this turn carry all these words (the conversation so far)? */
  const carries = (t: Turn, words: string[]): boolean => t.claudeCode.some((c) => words.every((w) => c.messages?.includes(w)));

  const logText = (): string => `${gw().output()}\n${existsSync(gw().logFile) ? readFileSync(gw().logFile, "utf8") : ""}`;

  beforeAll(async () => {
    fake = await startFakeTokenEndpoint({ expiresInSec: TOKEN_LIFETIME_SEC });
    const endpoint = fake;
    messages = await startFakeMessagesApi({ authorize: (bearer) => endpoint.isAccessTokenValid(bearer) });
    usageApi = await startFakeUsageEndpoint({ knownToken: (bearer) => endpoint.isAccessTokenValid(bearer) });
    usageApi.fallback = { windows: { fiveHour: 10, sevenDay: 5 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() };
    const messagesPort = Number(new URL(messages.baseUrl).port);
    const tokenPort = Number(new URL(fake.url).port);
    const usagePort = Number(new URL(usageApi.url).port);
    caDir = mkdtempSync(join(tmpdir(), "coauth-ca-"));
    const ca = await makeTestCa(caDir, ANTHROPIC_HOSTS);
    anthropic = await startFakeAnthropicHosts({ key: ca.key, cert: ca.cert, usageUrl: usageApi.url });
    const anthropicPort = anthropic.port;
    gateway = await createGateway({
      messagesBaseUrl: messages.baseUrl,
      pluginConfig: { tokenUrl: fake.url, refreshBeforeExpiryMinutes: 1, refreshIntervalMinutes: 1, usageUrl: usageApi.url, usageCheckMinutes: 1, moveClaudeCliSessions: true },
      env: { PATH: `${dirname(binary)}:${dirname(env.node24)}:/usr/bin:/bin`, NODE_EXTRA_CA_CERTS: ca.caCertPath },
      launch: (command, args) => required(link, "namespace link").launch(command, args),
      extraConfig: { agents: { defaults: { models: { [MODEL]: { agentRuntime: { id: "claude-cli" } } } } } },
    });
    link = await linkGatewayNamespace({ gatewayPort: gateway.port, fakePorts: [messagesPort, tokenPort, usagePort, { inside: 443, outside: anthropicPort }], node: env.node24, hosts: ANTHROPIC_HOSTS });
    // Claude Code's own settings in the gateway's HOME: the fake Messages API, nothing else.
    const claudeDir = join(gateway.home, ".claude");
    mkdirSync(claudeDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(claudeDir, "settings.json"),
      JSON.stringify({ env: { ANTHROPIC_BASE_URL: messages.baseUrl, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1", DISABLE_TELEMETRY: "1", DISABLE_ERROR_REPORTING: "1" } }),
      { mode: 0o600 },
    );
    // An imported Claude Code file: no email in it (the first refresh answer brings one).
    writeCredentialsAtomically(join(gateway.stateDir, CREDENTIALS_FILE), claudeCredentialsJson(fake.mintLogin({ expiresInSec: FIRST_LOGIN_SEC })));
    const started = Date.now();
    await gateway.start();
    await gateway.waitForOutput(/\[claude-oauth-refresh\] Token still valid for \d+ minutes/, 120_000);
    figures.gatewayReadyMs = Date.now() - started;
  }, 600_000);

  afterAll(async () => {
    await gateway?.stop();
    await link?.close();
    await messages?.close();
    await usageApi?.close();
    await anthropic?.close();
    await fake?.close();
    if (caDir) rmSync(caDir, { recursive: true, force: true });
    for (const home of probeHomes) rmSync(home, { recursive: true, force: true });
    figures.suiteMs = Date.now() - suiteStarted;
    console.info(`[e2e claude-cli] figures: ${JSON.stringify(figures)}`);
    recordFigure("e2e-claude-cli", "figures", figures);
  });

  it("OpenClaw's own session epoch: the plugin's profile keeps it across a rotation and a new email, a token profile does not", () => {
    const [oauthBefore, oauthAfter, tokenBefore, tokenAfter] = openclawEpochs(env.node24, env.openclaw, [
      { type: "oauth", provider: "anthropic", access: "sk-ant-oat01-FAKE-epoch-1", expires: 1 },
      { type: "oauth", provider: "anthropic", access: "sk-ant-oat01-FAKE-epoch-2", expires: 2, displayName: "fake-user@example.test" },
      { type: "token", provider: "anthropic", token: "sk-ant-oat01-FAKE-epoch-1", expires: 1 },
      { type: "token", provider: "anthropic", token: "sk-ant-oat01-FAKE-epoch-2", expires: 2 },
    ]);
    expect(oauthAfter).toBe(oauthBefore);
    expect(tokenAfter).not.toBe(tokenBefore);
  });

  const turns: Turn[] = [];

  it("turn 1 runs in Claude Code (no byte off the machine) and carries the current token", async () => {
    const t = await turn("Remember the word MARMALADE-1.", "current");
    turns.push(t);
    figures.turn1Ms = t.ms;
    expect(carries(t, ["MARMALADE-1"])).toBe(true);
    expect(t.resumed).toBe(false);
    expect(tokens().posts).toHaveLength(0);
  });

  it("turn 1b with the same token: OpenClaw keeps the warm Claude Code process and resumes the session", async () => {
    const t = await turn("Remember BASIL-1B as well.", "current");
    turns.push(t);
    figures.turn1bMs = t.ms;
    figures.liveStartsSameToken = t.liveStarts;
    expect(t.resumed).toBe(true);
    expect(carries(t, ["MARMALADE-1", "BASIL-1B"])).toBe(true);
    expect(tokens().posts).toHaveLength(0);
  });

  it("`models status` shows the plugin's profile as an oauth profile", async () => {
    const r = await cli(["models", "status", "--agent", "main", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const status = JSON.parse(r.stdout) as { auth?: { oauth?: { profiles?: Array<{ profileId?: string; type?: string; status?: string }> } } };
    const ours = status.auth?.oauth?.profiles?.find((p) => p.profileId === PROFILE_ID);
    expect(ours, JSON.stringify(status.auth)).toMatchObject({ type: "oauth" });
    // OpenClaw's 24-hour warning window: an 8-hour token (or a token profile) shows "expiring" too.
    figures.modelsStatus = ours?.status ?? "?";
  });

  it("OpenClaw's own usage display (Control UI usage.status, `models status`, `status --usage`) shows the plugin's account, fetched with its current token, no refresh", async () => {
    usage().fallback = { windows: { fiveHour: 23, sevenDay: 61 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() };
    const started = Date.now();
    const shown = await usageDisplays({ fiveHour: 23, week: 61 });
    figures.usageDisplayMs = Date.now() - started;
    figures.usageDisplayLine = shown.line;
    figures.usageDisplayCalls = shown.calls;
    expect(tokens().posts).toHaveLength(0);
  });

  it("in its last 5 minutes (OpenClaw's OAuth margin) the plugin's profile is skipped by the display and OpenClaw makes no call for it at all, no refresh", async () => {
    // The profile exactly as the plugin published it, read from the gateway's store.
    const published = JSON.parse(withOpenClawSdk(`const store = sdk.ensureAuthProfileStore(undefined, { allowKeychainPrompt: false });\nprocess.stdout.write(JSON.stringify(store.profiles[${JSON.stringify(PROFILE_ID)}] ?? null));`, gw().env)) as Record<string, unknown> | null;
    // (Compared without the token, so a failure prints none.)
    expect({ type: published?.type, provider: published?.provider, hasRefresh: published !== null && "refresh" in published }).toEqual({ type: "oauth", provider: "anthropic", hasRefresh: false });
    const expiring = { ...published, expires: Date.now() + 150_000 };
    const probe = async (credential: Record<string, unknown>): Promise<{ line: string | undefined; calls: AnthropicHostRequest[] }> => {
      const from = hosts().requests.length;
      const m = await nsCli(["models", "status", "--agent", "main"], probeHome(credential));
      expect(m.code, describeResult(m)).toBe(0);
      expect(m.stdout).toContain(PROFILE_ID);
      return { line: m.stdout.split("\n").find((l) => /^- anthropic usage: /.test(l.trim())), calls: hosts().requests.slice(from) };
    };
    const asPublished = await probe(expiring);
    figures.expiringProfileCalls = asPublished.calls.map((r) => `${r.method} ${r.host}${r.path}`).join("; ") || "none";
    expect(asPublished.line, "no usage for a profile OpenClaw counts as expiring").toBeUndefined();
    expect(figures.expiringProfileCalls, "OpenClaw made no call at all for it: no usage fetch, no refresh").toBe("none");
    // For comparison only (measured, not asserted): the same profile with a refresh token. Measured
    // on 2026.9.6: `models status` then read usage with the expiring access token and still sent
    // no refresh, so this route cannot show the recorder catching an OpenClaw refresh.
    const withRefresh = await probe({ ...expiring, refresh: "sk-ant-ort01-FAKE-control-not-a-real-token" });
    figures.expiringWithRefreshCalls = withRefresh.calls.map((r) => `${r.method} ${r.host}${r.path}`).join("; ") || "none";
    figures.expiringWithRefreshLine = withRefresh.line?.trim() ?? "none";
  });

  it("refresh --force; turn 2 in the SAME session carries the new token and the earlier turns' words; no auth cut", async () => {
    const first = turns[0] as Turn;
    const r = await cli(["claude-oauth", "refresh", "--force"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(tokens().posts).toHaveLength(1);
    const t = await turn("What was the word? Also remember PAPRIKA-2.", "current");
    turns.push(t);
    figures.turn2Ms = t.ms;
    figures.liveStartsAfterRefresh = t.liveStarts;
    expect(t.resumed, "Claude Code was started with --resume").toBe(true);
    expect(carries(t, ["MARMALADE-1", "BASIL-1B", "PAPRIKA-2"]), "turn 2's request carries the earlier turns (the session was resumed)").toBe(true);
    expect(linesMatching(logText(), AUTH_CUT)).toEqual([]);
    figures.warmProcessKeptAcrossRefresh = String(first.pids.length > 0 && first.pids.some((p) => t.pids.includes(p)));
  });

  it("a scheduled refresh; turn 3 in the same session carries the newest token and every earlier turn", async () => {
    const resumeSession = (turns[2] as Turn).resumeSession;
    await waitForLineCount(gw(), REFRESHED, 2, 240_000);
    const t = await turn("And now remember SAFFRON-3.", "current");
    turns.push(t);
    figures.turn3Ms = t.ms;
    expect(t.resumed).toBe(true);
    expect(t.resumeSession).toBe(resumeSession);
    expect(carries(t, ["MARMALADE-1", "BASIL-1B", "PAPRIKA-2", "SAFFRON-3"])).toBe(true);
    expect(linesMatching(logText(), AUTH_CUT)).toEqual([]);
    // OpenClaw's usage display follows the rotation: its calls carry the newest token.
    const shown = await usageDisplays({ fiveHour: 23, week: 61 });
    figures.usageDisplayCallsAfterRefreshes = shown.calls;
    figures.sessionResets = linesMatching(gw().output(), ANY_RESET).map((l) => ANY_RESET.exec(l)?.[1] ?? "?").join(",") || "none";
    expect(linesMatching(gw().output(), TROUBLE)).toEqual([]);
    // One Claude Code session file for the whole conversation.
    const projects = join(gw().home, ".claude", "projects");
    figures.claudeCodeSessionFiles = readdirSync(projects).flatMap((d) => (d.endsWith(".jsonl") ? [d] : existsSync(join(projects, d)) && !d.includes(".") ? readdirSync(join(projects, d)).filter((f) => f.endsWith(".jsonl")) : [])).length;
  });

  it("across a gateway restart: the next turn resumes the same session with the current token", async () => {
    const resumeSession = (turns[3] as Turn).resumeSession;
    const from = gw().output().length;
    await gw().stop({ cleanup: false });
    await gw().start();
    await gw().waitForOutput(/\[claude-oauth-refresh\] (Token still valid|Token refreshed)/, 120_000, from);
    const t = await turn("After the restart, remember CLOVE-R.", "current");
    figures.turnAfterRestartMs = t.ms;
    expect(t.resumed).toBe(true);
    expect(t.resumeSession).toBe(resumeSession);
    expect(carries(t, ["MARMALADE-1", "SAFFRON-3", "CLOVE-R"])).toBe(true);
    expect(linesMatching(logText(), AUTH_CUT)).toEqual([]);
  });

  interface StatusJson {
    state?: string;
    usage?: { windows?: Record<string, { utilization?: number }> };
    login?: { endsAt?: string; endsInDays?: number };
    lockProtocol?: string;
    accounts?: Array<{ name: string; place: number; profileId: string; lentTo?: string; lentBecause?: string; movedSessions?: string[] }>;
  }
  async function status(): Promise<StatusJson> {
    const r = await cli(["claude-oauth", "status", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    return JSON.parse(r.stdout) as StatusJson;
  }
  let workFile = "";

  it("two accounts, the first at 96 %: new sessions take the second, and the EXISTING session moves at its next turn with its conversation", async () => {
    workFile = join(gw().stateDir, "claude-oauth-refresh", "accounts", "work.json");
    const r = transcript.add(["claude-oauth", "import", "--account", "work", "-"], await gw().cli(["claude-oauth", "import", "--account", "work", "-"], { input: JSON.stringify(claudeCredentialsJson(tokens().mintLogin({ expiresInSec: FIRST_LOGIN_SEC }))), timeoutMs: 240_000 }));
    expect(r.code, describeResult(r)).toBe(0);
    await gw().waitForOutput(/\[claude-oauth-refresh\] \[work\] Account work added/, 60_000);
    const workToken = readCredentials(workFile).oauth.accessToken as string;
    // Every token of the default account answers 96 %; the work account's 10 %.
    usage().fallback = { windows: { fiveHour: 96, sevenDay: 40 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() };
    usage().set(workToken, { windows: { fiveHour: 10, sevenDay: 5 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() });
    const ranked = await waitFor("the work account first", async () => {
      const s = await status();
      return s.accounts?.find((a) => a.name === "work")?.place === 1 ? s : undefined;
    }, 240_000, 5_000);
    expect(ranked.accounts?.find((a) => a.name === "default")?.place).toBe(2);
    // OpenClaw's usage display takes the first profile of the order: now the work account's.
    figures.usageDisplayLineTwoAccounts = (await usageDisplays({ fiveHour: 10, week: 5 }, workToken)).line;

    await turn("A new session: remember OREGANO-N.", workToken, { sessionKey: "fresh-after-switch" });

    const moved = await waitFor("status: default lent to work", async () => {
      const st = await status();
      return st.accounts?.find((a) => a.name === "default")?.lentTo === "work" ? st : undefined;
    }, 120_000, 5_000);
    // Status and log say which sessions moved and why: the main session (Claude CLI, pinned to
    // default's profile since turn 1) is named; the new session (on work's profile) is not.
    const lent = moved.accounts?.find((a) => a.name === "default");
    figures.movedSessions = (lent?.movedSessions ?? []).join(",");
    expect(lent?.lentBecause).toMatch(/^default reached 96 % of its 5-hour window/);
    expect(lent?.movedSessions).toContain("agent:main:main");
    expect(lent?.movedSessions?.some((k) => k.includes("fresh-after-switch"))).toBe(false);
    expect(gw().output()).toMatch(/\[claude-oauth-refresh\] Account default gives way to work \(default reached 96 % of its 5-hour window[^)]*\): OpenClaw profile anthropic:subscription now carries work's token.* Sessions moved: [^\n]*agent:main:main/);

    const existing = await turn("Still there? Remember THYME-4.", undefined);
    const bearers = existing.claudeCode.map((c) => bearerOf(c) ?? "");
    figures.existingSessionAfterSwitch = bearers.every((b) => b === workToken) ? "work" : bearers.some((b) => b === workToken) ? "mixed" : "default";
    figures.existingSessionResumed = String(existing.resumed);
    // OpenClaw keeps a Claude CLI session on its profile whatever the order or a block says
    // (cli-execution-auth); the profile now carries work's token, so the session moved, and its
    // auth epoch (the profile id, no token in it) did not change: the conversation goes on.
    expect(figures.existingSessionAfterSwitch).toBe("work");
    expect(existing.resumed).toBe(true);
    expect(existing.resumeSession).toBe((turns[3] as Turn).resumeSession);
    expect(carries(existing, ["MARMALADE-1", "THYME-4"])).toBe(true);
    expect(linesMatching(logText(), AUTH_CUT)).toEqual([]);
  });

  it("native-login mode: publishProfile off, the plugin on Claude Code's own file; nothing published, turns use Claude Code's login", async () => {
    const claudeFile = join(gw().home, ".claude", ".credentials.json");
    const native = tokens().mintLogin({ expiresInSec: 28_800, refreshTokenExpiresInSec: 20 * 86_400 });
    writeCredentialsAtomically(claudeFile, claudeCredentialsJson(native));
    usage().set(native.accessToken, { windows: { fiveHour: 42, sevenDay: 17 }, resetsAt: new Date(Date.now() + 3 * 3600_000).toISOString() });
    const from = gw().output().length;
    const batch = [
      { path: "plugins.entries.claude-oauth-refresh.config.publishProfile", value: false },
      { path: "plugins.entries.claude-oauth-refresh.config.credentialsPath", value: claudeFile },
    ];
    // Switched with the gateway stopped: a hot reload while the plugin writes the auth store (here
    // every ~45 s) is refused by OpenClaw ("runtime secrets changed while config hot reload was
    // deferred") and the old generation stays.
    await gw().stop({ cleanup: false });
    const set = await cli(["config", "set", "--batch-json", JSON.stringify(batch)]);
    expect(set.code, describeResult(set)).toBe(0);
    await gw().start();
    await gw().waitForOutput(/Native-login mode \(publishProfile off\)/, 120_000, from);

    // No profile of the plugin left in OpenClaw.
    const profiles = await waitFor("the plugin's profiles removed", async () => {
      const r = await cli(["models", "status", "--agent", "main", "--json"]);
      const ids = ((JSON.parse(r.stdout) as { auth?: { oauth?: { profiles?: Array<{ profileId?: string }> } } }).auth?.oauth?.profiles ?? []).map((p) => p.profileId ?? "");
      return ids.some((id) => id.startsWith("anthropic:subscription")) ? undefined : ids;
    }, 120_000, 5_000);
    figures.profilesInNativeMode = profiles.join(",") || "none";

    // The plugin still watches the login: usage and the login's end from Claude Code's file.
    const s = await waitFor("usage of Claude Code's login", async () => {
      const st = await status();
      return st.usage?.windows?.fiveHour?.utilization === 42 ? st : undefined;
    }, 150_000, 5_000);
    expect(s.state).toBe("ok");
    figures.nativeLockProtocol = s.lockProtocol ?? "?";
    expect(Date.parse(s.login?.endsAt ?? "")).toBe(native.refreshTokenExpiresAt);
    figures.nativeLoginEndsInDays = s.login?.endsInDays ?? -1;

    // Agent turns keep working, on Claude Code's own login (no profile forwarded).
    const t = await turn("Native login: remember CUMIN-5.", native.accessToken, { sessionKey: "native-login" });
    figures.nativeTurnMs = t.ms;
  });

  it("OpenClaw never refreshed the login itself: every POST to the token endpoint is the plugin's, none failed, and nothing called OpenClaw's own token URL", () => {
    const posts = tokens().posts;
    figures.tokenPosts = posts.length;
    expect(posts.every((p) => p.status === 200)).toBe(true);
    expect(posts.length).toBe(linesMatching(gw().output(), REFRESHED).length);
    expect(logText()).not.toMatch(/openclaw-oauth-refresh-fence/);
    // Inside the namespaces Anthropic's names led to the fake, so this is seen, not assumed: nothing
    // called OpenClaw's token URL (platform.claude.com/v1/oauth/token) or POSTed anywhere, and
    // OpenClaw's own calls were usage reads. (Claude Code reads /api/oauth/profile and
    // /v1/mcp_servers there, answered 404; before, those names did not resolve at all.)
    const seen = hosts().requests.map((r) => ({ call: `${r.method} ${r.host}${r.path.split("?")[0] ?? ""}`, agent: r.userAgent?.split(" ")[0] ?? "?", status: r.status }));
    figures.anthropicHostCalls = [...new Set(seen.map((r) => `${r.call} ${r.agent} -> ${r.status}`))].join("; ");
    expect(seen.filter((r) => r.call.startsWith("POST ") || r.call.includes("platform.claude.com") || r.call.includes("/oauth/token"))).toEqual([]);
    expect(seen.filter((r) => r.agent === "openclaw" && r.call !== `GET api.anthropic.com${USAGE_PATH}`)).toEqual([]);
  });

  it("never prints a token: the gateway output (masking off), its log file and every CLI output", () => {
    const all = issuedTokens(tokens());
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(leakedTokens(gw().output(), all), "tokens in the gateway output").toEqual([]);
    expect(leakedTokens(readFileSync(gw().logFile, "utf8"), all), "tokens in the gateway log file").toEqual([]);
    expect(leakedTokens(transcript.text(), all), "tokens in CLI output").toEqual([]);
  });
});
