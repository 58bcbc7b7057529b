// The core end-to-end check on every supported OpenClaw release (`npm run test:compat`; CI runs it
// after `npm test`). Per release ONE real gateway, installed from npm into .cache/openclaw-<v>/
// (scripts/openclaw-releases.mjs), with the plugin installed from its npm package as a user does:
// a login published at start, a refresh by command through the gateway, a scheduled refresh, and
// each time the next agent turn's model calls carry the newest access token; no token in any
// output. The full suites (test/e2e/) run on the newest release in `npm test`.
//
// Releases: E2E_COMPAT_VERSIONS (comma-separated), default versions.json's "supported"; the
// too-old check runs unless E2E_COMPAT_TOO_OLD=0.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREDENTIALS_FILE,
  CliTranscript,
  bearerOf,
  describeResult,
  issuedTokens,
  leakedTokens,
  linesMatching,
  modelCalls,
  pluginLine,
  readCredentials,
  required,
  waitForLineCount,
  writeCredentialsAtomically,
} from "../support/e2e-helpers.js";
import { startFakeMessagesApi, type FakeMessagesApi } from "../support/fake-messages-api.js";
import { claudeCredentialsJson, startFakeTokenEndpoint, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { installPackedPluginAsUser } from "../support/archive-install.js";
import { recordFigure } from "../support/figures.js";
import { createGateway, type CliResult, type Gateway } from "../support/gateway.js";

// The oldest supported release, one from the middle, the newest (the devDependency), and the
// newest release before the supported range. scripts/test-compat.mjs installs the same list.
const RELEASES = JSON.parse(readFileSync(join(import.meta.dirname, "versions.json"), "utf8")) as { supported: string[]; tooOld: string };
const VERSIONS = (process.env.E2E_COMPAT_VERSIONS ?? RELEASES.supported.join(","))
  .split(",")
  .map((v) => v.trim())
  .filter(Boolean);
const MIN_SUPPORTED = RELEASES.supported[0] ?? "";

// Refreshed tokens live 390 s; OpenClaw stops using an OAuth token 5 minutes before its end, so the
// plugin refreshes every ~45 s once it has seen one refresh (schedule.ts), and each turn must carry
// the newest token: a stale copy is caught by the bearer check.
const TOKEN_LIFETIME_SEC = 390;
// The first login outlives gateway start and the first turn on a loaded box by far.
const FIRST_LOGIN_SEC = 900;

const LOADED = pluginLine("✅ Plugin loaded successfully");
const STILL_VALID = pluginLine("Token still valid for ", { prefixOnly: true });
const REFRESHED = pluginLine("Token refreshed; valid for ", { prefixOnly: true });
const VIEW_REBUILT = pluginLine("OpenClaw still showed an older token to the agent in ", { prefixOnly: true });
// Measured: 2026.8.1 and 2026.9.1 keep a stale auth view of the main agent after the first publish
// into a fresh auth store (src/agent-view.ts), 2026.9.6 does not. Other releases: not asserted.
const NEEDS_VIEW_REBUILD: Record<string, boolean> = { "2026.8.1": true, "2026.9.1": true, "2026.9.6": false };
const TROUBLE = /\[claude-oauth-refresh\] (Token refresh failed|Unexpected error|Token refreshed, but NOT saved|Could not publish|Stopping with refreshed tokens|Not starting)/;

describe.each(VERSIONS)("OpenClaw %s: install, refresh, the next agent turn on the new token", (version) => {
  let fake: FakeTokenEndpoint | undefined;
  let messages: FakeMessagesApi | undefined;
  let gateway: Gateway | undefined;
  const transcript = new CliTranscript();
  const timings: Record<string, number> = {};
  let suiteStarted = 0;

  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");
  const api = (): FakeMessagesApi => required(messages, "fake Messages API was not started");

  async function cli(args: string[]): Promise<CliResult> {
    return transcript.add(args, await gw().cli(args));
  }

  /**
   * One agent turn: answered, and every model call it made carried `expected` (or a token the fake
   * issued while the turn ran, when a scheduled refresh landed mid-turn).
   */
  async function turnUsing(expected: string, what: string): Promise<void> {
    const from = api().requests.length;
    const issuedBefore = tokens().issuedAccessTokens.length;
    const started = Date.now();
    const turn = await gw().agentTurn("ping");
    timings[what] = Date.now() - started;
    transcript.add(["agent", "--agent", "main", "--message", "ping", "--json"], { code: turn.code, stdout: turn.raw, stderr: turn.error ?? "" });
    expect(turn.error, `${what}: the turn failed`).toBeUndefined();
    expect(turn.code, turn.raw).toBe(0);
    expect(turn.text).toBe("pong");
    const calls = modelCalls(api().requests, from);
    expect(calls.length, `${what}: no model call`).toBeGreaterThan(0);
    const newer = tokens().issuedAccessTokens.slice(issuedBefore);
    for (const call of calls) {
      expect(call.status, `${what}: model call ${call.model ?? "?"} refused`).toBe(200);
      const bearer = bearerOf(call) ?? "";
      expect(bearer === expected || newer.includes(bearer), `${what}: model call ${call.model ?? "?"} did not carry the newest token`).toBe(true);
    }
  }

  function latestAccessToken(): string {
    return required(tokens().latest(), "the fake has no live token pair").accessToken;
  }

  beforeAll(async () => {
    suiteStarted = Date.now();
    fake = await startFakeTokenEndpoint({ expiresInSec: TOKEN_LIFETIME_SEC });
    const endpoint = fake;
    messages = await startFakeMessagesApi({ authorize: (bearer) => endpoint.isAccessTokenValid(bearer) });
    let started = Date.now();
    gateway = await createGateway({
      openclaw: version,
      messagesBaseUrl: messages.baseUrl,
      pluginConfig: { tokenUrl: fake.url, refreshBeforeExpiryMinutes: 1, refreshIntervalMinutes: 1 },
    });
    timings.createGateway = Date.now() - started;
    const login = fake.mintLogin({ expiresInSec: FIRST_LOGIN_SEC });
    writeCredentialsAtomically(join(gateway.stateDir, CREDENTIALS_FILE), claudeCredentialsJson(login));
    started = Date.now();
    await gateway.start();
    timings.gatewayStart = Date.now() - started;
  });

  afterAll(async () => {
    await gateway?.stop();
    await messages?.close();
    await fake?.close();
    timings.suiteMs = Date.now() - suiteStarted;
    const figures = { version, ...timings, refreshes: fake?.posts.length ?? 0, cliCalls: transcript.count };
    console.info(`[compat ${version}] timings (ms): ${JSON.stringify(figures)}`);
    recordFigure("compat", `openclaw-${version}`, figures);
  });

  it("runs the OpenClaw release asked for", () => {
    expect(gw().openclaw.version).toBe(version);
  });

  it("loads, publishes the login at start, and the first agent turn uses it", async () => {
    const g = gw();
    await g.waitForOutput(LOADED, 60_000);
    await g.waitForOutput(STILL_VALID, 60_000);
    expect(tokens().posts, "a valid login is not refreshed early").toHaveLength(0);
    await turnUsing(latestAccessToken(), "firstTurnMs");
  });

  it("`openclaw claude-oauth refresh --force` refreshes through the gateway; the next turn uses the new token", async () => {
    const r = await cli(["claude-oauth", "refresh", "--force"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain("(done by the running gateway)");
    expect(tokens().posts).toHaveLength(1);
    await turnUsing(latestAccessToken(), "turnAfterCommandMs");
  });

  it("refreshes on schedule; the next turn uses the newest token", async () => {
    const g = gw();
    await waitForLineCount(g, REFRESHED, 2, 150_000);
    expect(tokens().posts.map((p) => p.status)).toEqual([200, 200]);
    const file = readCredentials(join(g.stateDir, CREDENTIALS_FILE));
    expect(file.oauth.refreshToken === tokens().latest()?.refreshToken, "the file holds the newest refresh token").toBe(true);
    expect(file.mode.toString(8)).toBe("600");
    await turnUsing(latestAccessToken(), "turnAfterScheduledMs");
    expect(linesMatching(g.output(), TROUBLE), "no refresh or publish trouble").toEqual([]);
    const rebuilt = linesMatching(g.output(), VIEW_REBUILT).length;
    timings.viewRebuilds = rebuilt;
    const expected = NEEDS_VIEW_REBUILD[version];
    if (expected !== undefined) expect(rebuilt, "agent view rebuilt once on the releases that need it, never elsewhere").toBe(expected ? 1 : 0);
  });

  it("never prints a token (gateway output with OpenClaw's masking off, every CLI output)", () => {
    const all = issuedTokens(tokens());
    expect(all.length).toBeGreaterThanOrEqual(6);
    const output = gw().output();
    expect(linesMatching(output, LOADED).length, "the scan looks at real output").toBeGreaterThan(0);
    expect(leakedTokens(output, all), "tokens in the gateway's stdout/stderr").toEqual([]);
    expect(leakedTokens(transcript.text(), all), "tokens in CLI output").toEqual([]);
  });
});

describe.skipIf(process.env.E2E_COMPAT_TOO_OLD === "0")(`OpenClaw ${RELEASES.tooOld} (older than ${MIN_SUPPORTED}): the install is refused with a clear line`, () => {
  it("`openclaw plugins install <the npm package>` exits 1 and says which plugin API the plugin needs", () => {
    const r = installPackedPluginAsUser(RELEASES.tooOld);
    recordFigure("compat", `openclaw-${RELEASES.tooOld}`, { refusedInMs: r.ms, exitCode: r.code });
    expect(r.version).toBe(RELEASES.tooOld);
    expect(r.code, describeResult(r)).toBe(1);
    const escape = (v: string): string => v.replace(/\./g, "\\.");
    const line = new RegExp(`^plugin "claude-oauth-refresh" requires plugin API >=${escape(MIN_SUPPORTED)}, but this OpenClaw runtime exposes ${escape(RELEASES.tooOld)}\\. Upgrade OpenClaw or install a compatible plugin version and retry\\.$`, "m");
    expect(`${r.stdout}\n${r.stderr}`).toMatch(line);
  });
});
