// The product's main proof, end to end: a real OpenClaw 2026.9.6 gateway (Node 24, isolated temp
// home) with the plugin installed from its npm package, a fake Anthropic OAuth token endpoint that
// rotates refresh tokens, and a fake Messages API that accepts only tokens that endpoint considers
// valid right now. The gateway starts with no credentials file; a login appears while it runs; the
// plugin must pick it up, publish it, refresh it again and again (one POST per refresh, rotated
// token saved, other keys kept, mode 0600), survive a config hot reload, and never print a token.
//
// Timing: the plugin refreshes its margin (minimum 1 minute, capped at half the usable lifetime once
// it has seen one refresh) ahead of OpenClaw's 5-minute cut-off for OAuth tokens (schedule.ts); with
// 390-second tokens a refresh comes every ~45 s, and OpenClaw uses each token for its first 90 s.
//
// The whole file runs against ONE gateway. Each step first establishes the state it needs through
// the helpers below ("the first start is done", "a login is loaded and published", "this service
// has refreshed", "N refreshes so far"), so any step runs alone (`-t`) or shuffled
// (`--sequence.shuffle`). In the numbered order each helper finds its state already there and adds
// no wait: that order is the story (no file, a login appears, refreshes, a hot reload, the final
// token scan) and the quickest path. Measured in order: about 4-4.5 minutes in all.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREDENTIALS_FILE,
  CliTranscript,
  bearerOf,
  describeResult,
  issuedTokens,
  leakedTokens,
  lineTime,
  linesMatching,
  modelCalls,
  pluginLine,
  readCredentials,
  waitForLineCount,
  writeCredentialsAtomically,
  required,
} from "../support/e2e-helpers.js";
import type { FakeMessagesApi } from "../support/fake-messages-api.js";
import { CLAUDE_CODE_CLIENT_ID, claudeCredentialsJson, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { recordFigure } from "../support/figures.js";
import { startWorld, type World } from "../support/e2e-world.js";
import type { CliResult, Gateway } from "../support/gateway.js";

const PROFILE_ID = "anthropic:subscription";
const CONFIG_KEY = "plugins.entries.claude-oauth-refresh.config";
const TOKEN_LIFETIME_SEC = 390;
/** OpenClaw stops using an OAuth token this long before it expires (src/login/schedule.ts). */
const OPENCLAW_CUTOFF_SEC = 300;
const PROBE_MS = 60_000; // the plugin looks at the file (and the clock) at least once a minute
/** A step run alone or shuffled may first wait for a login and several refreshes (about 6 minutes). */
const ALONE_MS = 720_000;

const LOADING = pluginLine("🔄 Claude OAuth Auto-Refresh plugin loading...");
const LOADED = pluginLine("✅ Plugin loaded successfully");
const REFRESHED = pluginLine("Token refreshed; valid for ", { prefixOnly: true });
const REFRESHED_ELSEWHERE = /\[claude-oauth-refresh\] The credentials file already holds a newer token/;
const TROUBLE = /\[claude-oauth-refresh\] (Token refresh failed|Unexpected error|Token refreshed, but NOT saved|Could not publish|Stopping with refreshed tokens)/;

// Another top-level key Claude Code keeps in the same file; the plugin must never drop it.
const MCP_OAUTH = {
  "example-server|0123abcd": { serverName: "example-server", serverUrl: "https://mcp.example.test/sse", accessToken: "mcp-FAKE-opaque", expiresAt: 1767225600000 },
};

describe("core e2e: a real gateway keeps a Claude login alive and agents on the newest token", () => {
  let fake: FakeTokenEndpoint | undefined;
  let messages: FakeMessagesApi | undefined;
  let gateway: Gateway | undefined;
  let world: World | undefined;
  const transcript = new CliTranscript();
  const timings: Record<string, number> = {};
  const propagation: Array<{ refresh: number; postToFirstUseMs: number; lineToFirstUseMs: number }> = [];
  const suiteStarted = Date.now();
  let credentialsPath = "";
  /** The plugin config the gateway runs with now: the start's values, then step 6's hot reload. */
  const running = { refreshBeforeExpiryMinutes: 1, refreshIntervalMinutes: 1 };
  /** How often the plugin has started (1 + hot reloads), and where in the output the first and the last reload began. */
  let pluginStarts = 1;
  let firstReloadFrom: number | undefined;
  let lastReloadFrom = 0;

  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");
  const api = (): FakeMessagesApi => required(messages, "fake Messages API was not started");

  async function cli(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
    return transcript.add(args, await gw().cli(args, opts));
  }

  /**
   * One agent turn; every model call it made must carry `expected` as Bearer. If the fake token
   * endpoint issued a new token while the turn ran (a scheduled refresh landed mid-turn), a call
   * may also carry that newer token; that is reported, never silently accepted as the old one.
   */
  async function turnUsing(expected: string): Promise<{ calls: number; firstAt: number; durationMs: number }> {
    const from = api().requests.length;
    const issuedBefore = tokens().issuedAccessTokens.length;
    const started = Date.now();
    const turn = await gw().agentTurn("ping");
    const durationMs = Date.now() - started;
    transcript.add(["agent", "--agent", "main", "--message", "ping", "--json"], { code: turn.code, stdout: turn.raw, stderr: turn.error ?? "" });
    expect(turn.code, turn.error ?? turn.raw).toBe(0);
    expect(turn.text).toBe("pong");
    const calls = modelCalls(api().requests, from);
    expect(calls.length, "the turn made no model call").toBeGreaterThan(0);
    const newer = tokens().issuedAccessTokens.slice(issuedBefore);
    for (const call of calls) {
      expect(call.status, `model call ${call.model ?? "?"} was refused`).toBe(200);
      expect(call.apiKey).toBeUndefined();
      const bearer = bearerOf(call);
      if (newer.length === 0) expect(bearer === expected, `model call ${call.model ?? "?"} did not carry the expected token`).toBe(true);
      else expect(bearer === expected || (bearer !== undefined && newer.includes(bearer)), `model call ${call.model ?? "?"} carried an unexpected token`).toBe(true);
    }
    return { calls: calls.length, firstAt: calls[0]?.at ?? 0, durationMs };
  }

  /** Every POST so far: one refresh each, all answered 200, each spending the previous refresh token. */
  function expectCleanRefreshChain(expectedPosts: number): void {
    const f = tokens();
    expect(f.posts.length, "POSTs at the token endpoint").toBe(expectedPosts);
    const sent = f.posts.map((p) => p.body.refresh_token);
    expect(new Set(sent).size, "each POST must carry a distinct refresh token").toBe(sent.length);
    f.posts.forEach((post, i) => {
      expect(post.status, `POST #${i + 1} status`).toBe(200);
      expect(post.body.grant_type).toBe("refresh_token");
      expect(post.body.client_id).toBe(CLAUDE_CODE_CLIENT_ID);
      // issuedRefreshTokens[0] is the minted login; POST i must spend exactly the token issued before it.
      expect(post.body.refresh_token === f.issuedRefreshTokens[i], `POST #${i + 1} did not spend the newest refresh token`).toBe(true);
    });
  }

  function expectFileHoldsLatest(): void {
    const latest = tokens().latest();
    expect(latest, "the fake has no live token pair").toBeDefined();
    const file = readCredentials(credentialsPath);
    expect(file.oauth.refreshToken === latest?.refreshToken, "credentials file does not hold the newest refresh token").toBe(true);
    expect(file.oauth.accessToken === latest?.accessToken, "credentials file does not hold the newest access token").toBe(true);
    expect(file.document.mcpOAuth).toEqual(MCP_OAUTH);
    expect(file.mode.toString(8)).toBe("600");
  }

  // ---- the states a step may need, each established at most once (or found already there) ----

  /** The gateway's output up to the first hot reload: the first start's own lines. */
  function firstStartOutput(): string {
    return gw().output().slice(0, firstReloadFrom);
  }

  /** The plugin's first start is logged and its first look found no credentials file. */
  async function firstStartDone(): Promise<void> {
    await gw().waitForOutput(LOADING, 60_000);
    await gw().waitForOutput(notFoundLine(), 60_000);
  }

  /** The line that says the credentials file is missing and how to provide a login. */
  function notFoundLine(): RegExp {
    return pluginLine(`Credentials file not found: ${credentialsPath}. `, { prefixOnly: true });
  }

  let firstLogin: Promise<void> | undefined;
  /**
   * A login is loaded and published. The first login can only appear once per gateway, so step 3's
   * checks run here, once: in step 3, or inside whichever step needs a login first when run alone
   * or shuffled (step 3 then reports that same outcome).
   */
  function loginLoaded(): Promise<void> {
    firstLogin ??= pickUpFirstLogin();
    return firstLogin;
  }

  async function pickUpFirstLogin(): Promise<void> {
    await firstStartDone();
    const g = gw();
    // The file is probed once a minute, counted from the service start. Give the login enough
    // lifetime that it is published before its first refresh is due (the plugin does not know this
    // token's lifetime yet, so due = expiry - 5 min cut-off - 1 min), with ~120 s left for the agent turn (57 s seen with two suites side by side): the turn
    // below then proves THIS token was published, not a refreshed one.
    const serviceStart = lineTime(linesMatching(g.output(), LOADING)[0] ?? "") ?? Date.now();
    const now = Date.now();
    const nextProbe = serviceStart + PROBE_MS * Math.ceil((now + 3_000 - serviceStart) / PROBE_MS);
    const lifetimeSec = Math.max(TOKEN_LIFETIME_SEC, Math.ceil((nextProbe - now) / 1000) + OPENCLAW_CUTOFF_SEC + 60 + 120);
    const login = tokens().mintLogin({ expiresInSec: lifetimeSec });
    const from = g.output().length;
    const written = Date.now();
    writeCredentialsAtomically(credentialsPath, claudeCredentialsJson(login, { mcpOAuth: MCP_OAUTH }));
    expect(readCredentials(credentialsPath).mode.toString(8)).toBe("600");

    const resumed = await g.waitForOutput(pluginLine(`Credentials file ${credentialsPath} has a new login; resuming.`), PROBE_MS + 30_000, from);
    timings.pickupMs = (lineTime(resumed) ?? Date.now()) - written;
    expect(timings.pickupMs, "picked up within a minute of probing (+slack)").toBeLessThan(PROBE_MS + 15_000);
    await g.waitForOutput(pluginLine("Token still valid for ", { prefixOnly: true }), 30_000, from);
    expect(tokens().posts, "a valid token must not be refreshed early").toHaveLength(0);

    const turn = await turnUsing(login.accessToken);
    timings.firstTurn = turn.durationMs;
    expect(tokens().posts, "the login was not due yet").toHaveLength(0);
  }

  /** At least `count` refreshes so far (across hot reloads), after the first login. */
  async function refreshedTimes(count: number): Promise<void> {
    await loginLoaded();
    await waitForLineCount(gw(), REFRESHED, count, 150_000 * count);
  }

  /** The service running now (after the last hot reload, if any) has refreshed at least once. */
  async function refreshedByThisService(): Promise<void> {
    await loginLoaded();
    await waitForLineCount(gw(), REFRESHED, 1, 150_000, lastReloadFrom);
  }

  beforeAll(async () => {
    world = await startWorld({
      tokenEndpoint: { expiresInSec: TOKEN_LIFETIME_SEC },
      pluginConfig: ({ tokens: t }) => ({ tokenUrl: t.url, ...running }),
      beforeStart: (w) => expect(existsSync(w.credentialsPath), "the gateway must start with no credentials file").toBe(false),
    });
    ({ tokens: fake, messages, gateway, credentialsPath } = world);
    timings.createGateway = world.timings.createGateway;
    timings.gatewayStart = world.timings.gatewayStart ?? Number.NaN;
  });

  afterAll(async () => {
    timings.gatewayStop = (await world?.close())?.stopMs ?? Number.NaN;
    timings.suiteMs = Date.now() - suiteStarted;
    const figures = { ...timings, refreshes: fake?.posts.length ?? 0, cliCalls: transcript.count };
    console.info(`[e2e core] timings (ms): ${JSON.stringify({ ...figures, harness: gateway?.timings ?? {} })}`);
    console.info(`[e2e core] refresh -> agent propagation: ${JSON.stringify(propagation)}`);
    recordFigure("e2e-core", "timings-ms", figures);
    propagation.forEach((p) => recordFigure("e2e-core", "refresh-propagation-ms", p));
  });

  // Order is the point here: this step is about the gateway's start. It reads the first start's own
  // lines (up to the first hot reload), so it holds whichever steps ran before it.
  it("1. starts with no credentials file: prints its start lines and says how to provide a login", async () => {
    const g = gw();
    await g.waitForOutput(LOADING, 60_000);
    const start = [
      LOADING,
      LOADED,
      pluginLine(`   Credentials: ${credentialsPath}`),
      pluginLine("   Refresh interval: 1 min"),
    ];
    for (const re of start) {
      await g.waitForOutput(re, 30_000);
      expect(linesMatching(firstStartOutput(), re), `exactly one ${re}`).toHaveLength(1);
    }
    const missing = await g.waitForOutput(notFoundLine(), 60_000);
    expect(missing).toContain('run "openclaw claude-oauth login" on this server');
    expect(missing).toContain("openclaw claude-oauth import -");
    expect(missing).toContain(`scp ~/.claude/.credentials.json to ${credentialsPath}`);
  });

  it("2. refuses bad config values (schema) and keeps the running values", async () => {
    await firstStartDone();
    const started = Date.now();
    const [zero, http] = await Promise.all([
      cli(["config", "set", `${CONFIG_KEY}.refreshIntervalMinutes`, "0"]),
      cli(["config", "set", `${CONFIG_KEY}.tokenUrl`, "http://example.com/x"]),
    ]);
    expect(zero.code, describeResult(zero)).not.toBe(0);
    expect(`${zero.stdout}${zero.stderr}`).toMatch(/refreshIntervalMinutes/);
    expect(`${zero.stdout}${zero.stderr}`).toMatch(/must be >= 1|minimum/);
    expect(http.code, describeResult(http)).not.toBe(0);
    expect(`${http.stdout}${http.stderr}`).toMatch(/tokenUrl/);
    expect(`${http.stdout}${http.stderr}`).toMatch(/pattern/);

    const get = await cli(["config", "get", `${CONFIG_KEY}.refreshIntervalMinutes`]);
    expect(get.code, describeResult(get)).toBe(0);
    expect(get.stdout.trim()).toBe(String(running.refreshIntervalMinutes));
    const onDisk = JSON.parse(readFileSync(gw().configPath, "utf8")) as { plugins?: { entries?: Record<string, { config?: Record<string, unknown> }> } };
    expect(onDisk.plugins?.entries?.["claude-oauth-refresh"]?.config).toEqual({ usageCheckMinutes: 0, tokenUrl: tokens().url, ...running });
    // Nothing was applied: the plugin did not restart.
    expect(linesMatching(gw().output(), LOADING)).toHaveLength(pluginStarts);
    timings.configRefusals = Date.now() - started;
  });

  // Order is the point here too: a login can appear only once per gateway. loginLoaded() runs this
  // step's checks the first time any step needs a login; here they run, or their outcome is reported.
  it("3. picks up a credentials file that appears while it runs and publishes its token", async () => {
    await loginLoaded();
  });

  it("4. refreshes on its own 3 times in a row: one POST each, file saved 0600 with extra keys, agents on the newest token", async () => {
    await loginLoaded();
    const g = gw();
    const before = linesMatching(g.output(), REFRESHED).length;
    let previousLineAt: number | undefined;
    for (let n = 1; n <= 3; n++) {
      const lines = await waitForLineCount(g, REFRESHED, before + n, 150_000);
      const line = lines[before + n - 1] ?? "";
      const lineAt = Date.now();
      expect(line).toMatch(/Token refreshed; valid for \d+ minutes \(next refresh in \d+ minutes\)$/);
      expectCleanRefreshChain(before + n);
      expectFileHoldsLatest();
      const latest = tokens().latest();
      if (!latest) throw new Error("no live token pair");
      const post = tokens().posts[before + n - 1];
      const turn = await turnUsing(latest.accessToken);
      propagation.push({ refresh: before + n, postToFirstUseMs: turn.firstAt - (post?.at ?? 0), lineToFirstUseMs: turn.firstAt - lineAt });
      const at = lineTime(line);
      if (at !== undefined && previousLineAt !== undefined) timings[`refreshGap${before + n}`] = at - previousLineAt;
      previousLineAt = at;
    }
    const out = g.output();
    expect(linesMatching(out, TROUBLE), "no refresh trouble").toEqual([]);
    expect(linesMatching(out, REFRESHED_ELSEWHERE), "a single refresher").toEqual([]);
    // No temp files or stale lock left next to the credentials file.
    const leftovers = readdirSync(g.stateDir).filter((f) => f.startsWith(CREDENTIALS_FILE) && f !== CREDENTIALS_FILE && f !== `${CREDENTIALS_FILE}.lock`);
    expect(leftovers).toEqual([]);
  }, ALONE_MS);

  it("5. `gateway call claude-oauth.status --json` returns the live status, state ok, without any token", async () => {
    await refreshedByThisService();
    const r = await cli(["gateway", "call", "claude-oauth.status", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    // The documented `status --json` object (README), from the live service.
    const status = JSON.parse(r.stdout) as {
      state?: unknown;
      health?: unknown;
      source?: unknown;
      profileId?: unknown;
      credentials?: unknown;
      unsavedTokens?: unknown;
      accessToken?: { expiresAt?: unknown; expired?: unknown };
      lastRefresh?: { result?: unknown };
      lastError?: unknown;
    };
    expect(status.state).toBe("ok");
    expect(status.health).toBe("healthy");
    expect(status.source).toBe("gateway");
    expect(status.profileId).toBe(PROFILE_ID);
    expect(status.credentials).toEqual({ path: credentialsPath, mode: "600" });
    expect(status.unsavedTokens).toBe(false);
    expect(status.accessToken?.expiresAt).toBe(new Date(Number(readCredentials(credentialsPath).oauth.expiresAt)).toISOString());
    expect(status.accessToken?.expired).toBe(false);
    expect(status.lastRefresh?.result).toBe("ok");
    expect(status.lastError).toBeUndefined();
    expect(leakedTokens(`${r.stdout}${r.stderr}`, issuedTokens(tokens()))).toEqual([]);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/sk-ant-/);
  }, ALONE_MS);

  it("6. applies a config change by hot reload: clean restart, keeps refreshing, never a duplicate POST", async () => {
    await loginLoaded();
    const g = gw();
    const from = g.output().length;
    const refreshedBefore = linesMatching(g.output(), REFRESHED).length;
    const set = await cli(["config", "set", `${CONFIG_KEY}.refreshIntervalMinutes`, "2"]);
    expect(set.code, describeResult(set)).toBe(0);
    running.refreshIntervalMinutes = 2;
    pluginStarts += 1;
    firstReloadFrom ??= from;
    lastReloadFrom = from;
    const started = Date.now();
    await g.waitForOutput(pluginLine("   Refresh interval: 2 min"), 90_000, from);
    timings.hotReloadMs = Date.now() - started;
    const after = (re: RegExp): string[] => linesMatching(g.output(), re, from);
    expect(after(LOADING), "the plugin restarted once").toHaveLength(1);
    expect(after(LOADED)).toHaveLength(1);
    expect(after(pluginLine(`   Credentials: ${credentialsPath}`))).toHaveLength(1);
    // The restarted service found the saved login at once (no "not found", no new-login detour).
    await g.waitForOutput(pluginLine("Token still valid for ", { prefixOnly: true }), 30_000, from);

    // Keeps refreshing after the restart, with exactly one POST per refresh across the whole suite.
    const lines = await waitForLineCount(g, REFRESHED, 1, 150_000, from);
    expect(lines).toHaveLength(1);
    const total = linesMatching(g.output(), REFRESHED).length;
    expect(total).toBe(refreshedBefore + 1);
    expectCleanRefreshChain(total);
    expectFileHoldsLatest();
    const latest = tokens().latest();
    if (!latest) throw new Error("no live token pair");
    await turnUsing(latest.accessToken);

    // The gateway method still reaches the (new) running service.
    const status = await cli(["gateway", "call", "claude-oauth.status", "--json"]);
    expect(status.code, describeResult(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { state?: unknown }).state).toBe("ok");

    const out = g.output();
    expect(linesMatching(out, REFRESHED_ELSEWHERE), "the stopped service must not refresh any more").toEqual([]);
    expect(linesMatching(out, TROUBLE)).toEqual([]);
    expect(linesMatching(out, pluginLine("Credentials file not found: ", { prefixOnly: true }), from)).toEqual([]);
    // Still exactly one POST per "Token refreshed" line, now that more time has passed.
    expectCleanRefreshChain(linesMatching(g.output(), REFRESHED).length);
  }, ALONE_MS);

  // Order is the point here: this step scans what the others printed, so it comes last. Alone or
  // shuffled early, it first lets the plugin do what it scans (a login refreshed 4 times) and runs
  // the owner's status command until there are 8 CLI outputs to look at.
  it("7. never prints a token: gateway output (redaction off) and every CLI output are clean", async () => {
    await refreshedTimes(4);
    while (transcript.count < 8) await cli(["claude-oauth", "status", "--json"]);
    const all = issuedTokens(tokens());
    // 1 minted login + at least 4 refreshes, access and refresh tokens each.
    expect(all.length).toBeGreaterThanOrEqual(10);
    const output = gw().output();
    expect(linesMatching(output, LOADING).length, "the scan below looks at real output").toBeGreaterThan(0);
    expect(leakedTokens(output, all), "tokens in the gateway's stdout/stderr").toEqual([]);
    expect(leakedTokens(transcript.text(), all), "tokens in CLI output").toEqual([]);
    expect(transcript.count).toBeGreaterThanOrEqual(8);
    // The JSONL log masks sk-... itself, so this only guards against other shapes of the same token.
    const logFile = existsSync(gw().logFile) ? readFileSync(gw().logFile, "utf8") : "";
    expect(leakedTokens(logFile, all), "tokens in the JSONL log file").toEqual([]);
    // And the plugin's own lines never needed its last-resort masking.
    expect(linesMatching(output, /\[claude-oauth-refresh\].*\[REDACTED\]/)).toEqual([]);
  }, ALONE_MS);
});
