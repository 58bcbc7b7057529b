import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUIRE_ALL, userNamespaceProblem } from "../../scripts/test-peers.mjs";
import { assertLoopbackNamespace, claudeCodeBinary, runClaudeCode, type ClaudeCodeRun } from "../support/claude-code.js";
import { startFakeMessagesApi, type FakeMessagesApi } from "../support/fake-messages-api.js";
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { createGateway } from "../support/gateway.js";
import { recordFigure } from "../support/figures.js";
import { startInterceptProxy, type InterceptProxy } from "../support/intercept-proxy.js";
import { makeTestCa, type TestCa } from "../support/test-ca.js";

/**
 * The real Claude Code 2.1.328 and the plugin sharing one credentials file on one machine, racing
 * on a due token. Claude Code runs in a loopback-only network namespace and reaches the fake
 * token endpoint (which revokes the whole login on a reused refresh token) through a TLS-
 * terminating proxy; its turn goes to the fake Messages API. The plugin runs its refresh
 * transaction from build/ in separate processes, as a gateway started by a service manager would:
 * another HOME, no CLAUDE_CONFIG_DIR, and its credentialsPath a symlink to Claude Code's file.
 */

const CHILD = path.join(import.meta.dirname, "../support/refresh-child.mjs");
const HOSTS = ["platform.claude.com", "api.anthropic.com", "console.anthropic.com", "claude.ai"];
/** When the plugin starts its refresh, in ms after Claude Code was started; Claude Code POSTs after ~1 s. */
const PLUGIN_DELAYS_MS = [0, 0, 250, 500, 700, 800, 900, 1000, 1200, "at-claude-code-post"] as const;
/** The slow token endpoint (it rotates on arrival and answers this late), with no Claude Code running. */
const SLOW_ALONE_MS = [3_000, 5_000, 12_000] as const;
/** Claude Code racing a 3 s endpoint: inside Claude Code's lock wait (5 tries, 1-2 s apart). */
const SLOW_RACE_MS = 3_000;
const SLOW_RACE_DELAYS = [0, 0, 500, 900, 1200, "at-claude-code-post"] as const;
/** Claude Code racing a 12 s endpoint: past its lock wait. Measured, not a promise. */
const PAST_PATIENCE_MS = 12_000;
const PAST_PATIENCE_DELAYS = [0, 500, "at-claude-code-post"] as const;
/** What the plugin sends as User-Agent (config `userAgent` unset); Claude Code 2.1.328 sends axios's. */
const PLUGIN_UA = "claude-oauth-refresh (OpenClaw plugin)";

interface ChildOut {
  kind: string;
  state: string;
  lockProtocol?: string;
  marks: Record<string, number>;
  lines: string[];
}
interface ChildResult {
  code: number | null;
  out: ChildOut | undefined;
  stderr: string;
}

let root: string;
let fake: FakeTokenEndpoint;
let api: FakeMessagesApi;
let ca: TestCa;
let proxy: InterceptProxy;
let proxySocket: string;
const captured: string[] = [];

// Without a loopback-only namespace this proof cannot be made offline: the suite is skipped with one
// line saying why and how to allow it (E2E_REQUIRE_ALL=1, as in CI, makes that a failure instead).
const SKIP = REQUIRE_ALL ? undefined : userNamespaceProblem();

beforeAll(async () => {
  if (SKIP) return;
  assertLoopbackNamespace();
  claudeCodeBinary();
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cor-cc-"));
  fake = await startFakeTokenEndpoint({ revokeFamilyOnReuse: true });
  api = await startFakeMessagesApi();
  ca = await makeTestCa(path.join(root, "ca"), HOSTS);
  const tokenOrigin = new URL(fake.url).origin;
  proxySocket = path.join(root, "proxy.sock");
  proxy = await startInterceptProxy({
    socketPath: proxySocket,
    key: ca.key,
    cert: ca.cert,
    routes: { "platform.claude.com": tokenOrigin, "console.anthropic.com": tokenOrigin, "claude.ai": tokenOrigin, "api.anthropic.com": api.baseUrl },
    plainRoute: api.baseUrl,
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  await api?.close();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

function runPluginChild(args: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").pop();
      let out: ChildOut | undefined;
      try {
        out = line ? (JSON.parse(line) as ChildOut) : undefined;
      } catch {
        out = undefined;
      }
      resolve({ code, out, stderr });
    });
  });
}

type Delay = number | "at-claude-code-post";

interface Round {
  delay: Delay;
  answerDelayMs: number;
  posts: number;
  reused: number;
  /** POSTs by the plugin of a refresh token already sent in this round (must stay 0). */
  pluginReused: number;
  /** POSTs by Claude Code of a refresh token already sent in this round. */
  claudeCodeReused: number;
  winner: "claude-code" | "plugin" | "none" | "both";
  claudeCode: { code: number | null; said: string; bearerIsNewest: boolean };
  plugin: { code: number | null; kind: string | undefined; lockProtocol: string | undefined; publishedIsNewest: boolean; lockHeldMs?: number };
  fileHoldsNewest: boolean;
  blanked: boolean;
  ok: boolean;
}

let roundNo = 0;

/**
 * One rotation: a due login in Claude Code's file, the plugin's refresh in its own process and,
 * unless `claudeCode` is false, Claude Code's `claude -p ping` racing it. `answerDelayMs` makes
 * the fake token endpoint slow (rotation at arrival, the answer that much later).
 */
async function raceRound(delay: Delay, options: { answerDelayMs?: number; claudeCode?: boolean } = {}): Promise<Round> {
  const i = roundNo++;
  const answerDelayMs = options.answerDelayMs ?? 0;
  const withClaudeCode = options.claudeCode ?? true;
  // Claude Code's side: its own HOME and CLAUDE_CONFIG_DIR, reused across rounds like a real user's.
  const ccHome = path.join(root, "cc-home");
  const ccDir = path.join(ccHome, "config");
  await fs.mkdir(ccDir, { recursive: true });
  const ccFile = path.join(ccDir, ".credentials.json");
  // The plugin's side: another HOME, no CLAUDE_CONFIG_DIR, a symlink to Claude Code's file.
  const pluginHome = path.join(root, `plugin-home-${i}`);
  await fs.mkdir(pluginHome, { recursive: true });
  const link = path.join(pluginHome, "claude-credentials.json");
  await fs.symlink(ccFile, link);

  // A due login: under Claude Code's 5-minute threshold and inside the plugin's 60-minute margin.
  const login = fake.mintLogin({ expiresInSec: 120 });
  const write = JSON.stringify({ claudeAiOauth: { ...login, subscriptionType: "max" } }, null, 2);
  await fs.writeFile(`${ccFile}.new`, write, { mode: 0o600 });
  await fs.rename(`${ccFile}.new`, ccFile);

  const postsBefore = fake.posts.length;
  const proxiedBefore = proxy.requests.length;
  const apiBefore = api.requests.length;
  const gate = path.join(pluginHome, "go");
  const published = path.join(pluginHome, "published.json");
  const pluginEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: pluginHome };
  const plugin = runPluginChild({ credentialsPath: link, tokenUrl: fake.url, stateDir: path.join(pluginHome, ".openclaw"), publishedPath: published, mode: "cli", startGate: gate }, pluginEnv);
  await new Promise((r) => setTimeout(r, 700)); // the plugin child loads and waits at its gate

  const openGate = () => void fs.writeFile(gate, "");
  if (delay === "at-claude-code-post") {
    proxy.onRequest = (r) => {
      if (r.path === "/v1/oauth/token") openGate();
    };
  }
  fake.answerDelayMs = answerDelayMs;
  const cc: Promise<ClaudeCodeRun | undefined> = withClaudeCode ? runClaudeCode({ home: ccHome, configDir: ccDir, proxySocket, caCertPath: ca.caCertPath, args: ["-p", "ping"], timeoutMs: 90_000 }) : Promise.resolve(undefined);
  if (typeof delay === "number") setTimeout(openGate, delay);
  const [ccRunOrNone, pluginRun] = await Promise.all([cc, plugin]);
  fake.answerDelayMs = 0;
  proxy.onRequest = undefined;
  const ccRun: ClaudeCodeRun = ccRunOrNone ?? { code: 0, stdout: "", stderr: "", startedAt: 0, endedAt: 0 };
  // If Claude Code finished before the gate opened (it never POSTed), let the plugin go now.
  openGate();

  captured.push(ccRun.stdout, ccRun.stderr, pluginRun.stderr, JSON.stringify(pluginRun.out ?? {}));
  const posts = fake.posts.slice(postsBefore);
  const sent = new Set<unknown>();
  let pluginReused = 0;
  let claudeCodeReused = 0;
  for (const p of posts) {
    const token = p.body.refresh_token;
    if (sent.has(token)) {
      if (p.userAgent === PLUGIN_UA) pluginReused += 1;
      else claudeCodeReused += 1;
    }
    sent.add(token);
  }
  const ccPosts = proxy.requests.slice(proxiedBefore).filter((r) => r.path === "/v1/oauth/token").length;
  const pluginPosts = posts.length - ccPosts;
  const newest = fake.latest();
  const turn = api.requests.slice(apiBefore).filter((r) => r.path === "/v1/messages");
  const lastTurn = turn[turn.length - 1];
  const doc = JSON.parse(await fs.readFile(ccFile, "utf8")) as { claudeAiOauth: { accessToken: string; refreshToken: string } };
  const pub = await fs.readFile(published, "utf8").then((t) => JSON.parse(t) as { token: string }).catch(() => undefined);
  const marks = pluginRun.out?.marks ?? {};
  const round: Round = {
    delay,
    answerDelayMs,
    posts: posts.length,
    reused: posts.filter((p) => p.status === 400).length,
    pluginReused,
    claudeCodeReused,
    winner: ccPosts > 0 && pluginPosts > 0 ? "both" : ccPosts > 0 ? "claude-code" : pluginPosts > 0 ? "plugin" : "none",
    claudeCode: { code: ccRun.code, said: ccRun.stdout.trim().slice(0, 80), bearerIsNewest: !withClaudeCode || (newest !== undefined && lastTurn?.authorization === `Bearer ${newest.accessToken}`) },
    plugin: {
      code: pluginRun.code,
      kind: pluginRun.out?.kind,
      lockProtocol: pluginRun.out?.lockProtocol,
      publishedIsNewest: newest !== undefined && pub?.token === newest.accessToken,
      ...(marks.locked !== undefined && marks["after-persist"] !== undefined ? { lockHeldMs: marks["after-persist"] - marks.locked } : {}),
    },
    fileHoldsNewest: newest !== undefined && doc.claudeAiOauth.refreshToken === newest.refreshToken && doc.claudeAiOauth.accessToken === newest.accessToken,
    blanked: doc.claudeAiOauth.refreshToken === "",
    ok: false,
  };
  round.ok =
    round.posts === 1 &&
    round.reused === 0 &&
    round.pluginReused === 0 &&
    round.claudeCode.code === 0 &&
    round.claudeCode.bearerIsNewest &&
    round.plugin.code === 0 &&
    ["refreshed", "not-due", "refreshed-elsewhere"].includes(round.plugin.kind ?? "") &&
    round.plugin.publishedIsNewest &&
    round.fileHoldsNewest &&
    !round.blanked;
  return round;
}

describe.skipIf(SKIP !== undefined)(SKIP ? `Claude Code suite SKIPPED: ${SKIP}` : "Claude Code and the plugin on one credentials file", () => {
  it(`${PLUGIN_DELAYS_MS.length} rounds racing on a due token: one POST per rotation, no reuse, both on the newest token`, async () => {
    const rounds: Round[] = [];
    for (const delay of PLUGIN_DELAYS_MS) rounds.push(await raceRound(delay));
    const failed = rounds.filter((r) => !r.ok);
    const wins = { claudeCode: rounds.filter((r) => r.winner === "claude-code").length, plugin: rounds.filter((r) => r.winner === "plugin").length };
    const held = rounds.map((r) => r.plugin.lockHeldMs).filter((v): v is number => v !== undefined);
    recordFigure("claude-code", "race-rounds", { rounds: rounds.length, failed: failed.length, claudeCodeWon: wins.claudeCode, pluginWon: wins.plugin, maxLockHeldMs: held.length ? Math.max(...held) : -1 });
    console.log(rounds.map((r) => JSON.stringify(r)).join("\n"));
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    // Decided from the file: the plugin's process has another HOME and no CLAUDE_CONFIG_DIR.
    for (const r of rounds) expect(r.plugin.lockProtocol).toBe("claude-code");
    // Each side won some rounds, so both orders of the race were exercised.
    expect(wins.claudeCode).toBeGreaterThan(0);
    expect(wins.plugin).toBeGreaterThan(0);
    // The plugin kept Claude Code's refresh lock well under Claude Code's ~4-8 s patience.
    for (const ms of held) expect(ms).toBeLessThan(4_000);
  }, 240_000);

  it(`a slow token endpoint (${SLOW_ALONE_MS.join(", ")} ms), no Claude Code racing: the plugin waits for the answer, one POST per rotation, no reuse, the file holds the newest tokens`, async () => {
    const rounds: Round[] = [];
    for (const answerDelayMs of SLOW_ALONE_MS) rounds.push(await raceRound(0, { answerDelayMs, claudeCode: false }));
    console.log(rounds.map((r) => JSON.stringify(r)).join("\n"));
    for (const r of rounds) {
      recordFigure("claude-code", `slow-alone-${r.answerDelayMs}ms`, { posts: r.posts, reused: r.reused, ok: r.ok ? 1 : 0, lockHeldMs: r.plugin.lockHeldMs ?? -1 });
      expect(r, JSON.stringify(r)).toMatchObject({ posts: 1, reused: 0, pluginReused: 0, fileHoldsNewest: true, blanked: false, ok: true });
      expect(r.plugin.kind).toBe("refreshed");
      // It held Claude Code's lock for the whole POST: never let go of a rotation in flight.
      expect(r.plugin.lockHeldMs ?? 0).toBeGreaterThanOrEqual(r.answerDelayMs - 50);
    }
    // Claude Code, started afterwards, finds the plugin's tokens in its file and uses them as they are.
    const ccDir = path.join(root, "cc-home", "config");
    const postsBefore = fake.posts.length;
    const apiBefore = api.requests.length;
    const cc = await runClaudeCode({ home: path.join(root, "cc-home"), configDir: ccDir, proxySocket, caCertPath: ca.caCertPath, args: ["-p", "ping"], timeoutMs: 90_000 });
    captured.push(cc.stdout, cc.stderr);
    expect(cc.code, cc.stderr).toBe(0);
    expect(fake.posts.length, "Claude Code had no reason to refresh").toBe(postsBefore);
    const turn = api.requests.slice(apiBefore).filter((r) => r.path === "/v1/messages");
    expect(turn.length).toBeGreaterThan(0);
    expect(turn.every((r) => r.authorization === `Bearer ${fake.latest()?.accessToken}`)).toBe(true);
  }, 180_000);

  it(`Claude Code racing a ${SLOW_RACE_MS} ms endpoint on a due token: ${SLOW_RACE_DELAYS.length} rounds stay clean`, async () => {
    const rounds: Round[] = [];
    for (const delay of SLOW_RACE_DELAYS) rounds.push(await raceRound(delay, { answerDelayMs: SLOW_RACE_MS }));
    console.log(rounds.map((r) => JSON.stringify(r)).join("\n"));
    const failed = rounds.filter((r) => !r.ok);
    const held = rounds.map((r) => r.plugin.lockHeldMs).filter((v): v is number => v !== undefined);
    recordFigure("claude-code", "slow-race-3s", {
      rounds: rounds.length,
      failed: failed.length,
      claudeCodeWon: rounds.filter((r) => r.winner === "claude-code").length,
      pluginWon: rounds.filter((r) => r.winner === "plugin").length,
      maxLockHeldMs: held.length ? Math.max(...held) : -1,
    });
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
  }, 300_000);

  it(`Claude Code racing a ${PAST_PATIENCE_MS} ms endpoint (past its lock wait): measured; the plugin itself never resends a token`, async () => {
    const rounds: Round[] = [];
    for (const delay of PAST_PATIENCE_DELAYS) rounds.push(await raceRound(delay, { answerDelayMs: PAST_PATIENCE_MS }));
    console.log(rounds.map((r) => JSON.stringify(r)).join("\n"));
    const clean = rounds.filter((r) => r.ok).length;
    recordFigure("claude-code", "slow-race-12s", {
      rounds: rounds.length,
      clean,
      claudeCodeReused: rounds.reduce((n, r) => n + r.claudeCodeReused, 0),
      pluginReused: rounds.reduce((n, r) => n + r.pluginReused, 0),
      revoked: rounds.filter((r) => r.reused > 0).length,
      claudeCodeWon: rounds.filter((r) => r.winner === "claude-code").length,
      pluginWon: rounds.filter((r) => r.winner === "plugin").length,
      both: rounds.filter((r) => r.winner === "both").length,
    });
    // What the plugin controls: it never sends a refresh token twice, and never one Claude Code spent.
    for (const r of rounds) expect(r.pluginReused, JSON.stringify(r)).toBe(0);
  }, 400_000);

  it("`openclaw claude-oauth refresh` (the real CLI, no gateway running) racing Claude Code: one POST, both on the new token", async () => {
    // An OpenClaw home of its own (another HOME, no CLAUDE_* variables), the plugin installed as
    // a user installs it, its credentialsPath a symlink to Claude Code's file.
    const ccHome = path.join(root, "cc-home");
    const ccDir = path.join(ccHome, "config");
    await fs.mkdir(ccDir, { recursive: true });
    const ccFile = path.join(ccDir, ".credentials.json");
    const linkDir = path.join(root, "cli-link");
    await fs.mkdir(linkDir, { recursive: true });
    const link = path.join(linkDir, "claude-credentials.json");
    await fs.symlink(ccFile, link);
    const gateway = await createGateway({ messagesBaseUrl: api.baseUrl, pluginConfig: { credentialsPath: link, tokenUrl: fake.url } });
    try {
      const login = fake.mintLogin({ expiresInSec: 120 });
      await fs.writeFile(`${ccFile}.new`, JSON.stringify({ claudeAiOauth: { ...login, subscriptionType: "max" } }, null, 2), { mode: 0o600 });
      await fs.rename(`${ccFile}.new`, ccFile);
      const postsBefore = fake.posts.length;
      const apiBefore = api.requests.length;
      // The CLI's POST is held 1.5 s at the server (inside its 3 s deadline): Claude Code, started
      // the moment that POST arrives, meets the CLI's hold of its lock.
      fake.failNext({ stallMs: 1_500 });
      const refresh = gateway.cli(["claude-oauth", "refresh"], { timeoutMs: 180_000 });
      const deadline = Date.now() + 170_000;
      while (fake.posts.length === postsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(fake.posts.length, "the CLI's POST").toBe(postsBefore + 1);
      const cc = await runClaudeCode({ home: ccHome, configDir: ccDir, proxySocket, caCertPath: ca.caCertPath, args: ["-p", "ping"], timeoutMs: 90_000 });
      const cli = await refresh;
      captured.push(cc.stdout, cc.stderr, cli.stdout, cli.stderr);
      const newest = fake.latest();
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(/^Token refreshed; valid for \d+ minutes/m);
      expect(cc.code, cc.stderr).toBe(0);
      expect(cc.stdout.trim()).toBe("pong");
      expect(fake.posts.slice(postsBefore).map((p) => p.status), "exactly one POST, and it succeeded").toEqual([200]);
      const turn = api.requests.slice(apiBefore).filter((r) => r.path === "/v1/messages");
      expect(turn.length).toBeGreaterThan(0);
      expect(turn.every((r) => r.authorization === `Bearer ${newest?.accessToken}`), "Claude Code's turn carried the new token").toBe(true);
      const doc = JSON.parse(await fs.readFile(ccFile, "utf8")) as { claudeAiOauth: { accessToken: string; refreshToken: string } };
      expect(doc.claudeAiOauth.refreshToken === newest?.refreshToken && doc.claudeAiOauth.accessToken === newest?.accessToken, "the file holds the new tokens").toBe(true);
      const status = await gateway.cli(["claude-oauth", "status", "--json"], { timeoutMs: 180_000 });
      captured.push(status.stdout, status.stderr);
      const json = JSON.parse(status.stdout) as { lockProtocol?: string; locks?: { refresh: string[]; write?: string } };
      expect(json.lockProtocol).toBe("claude-code");
      expect(json.locks).toEqual({ refresh: [path.join(ccDir, ".oauth_refresh.lock"), `${ccDir}.lock`], write: path.join(ccDir, ".storage-write.lock") });
      recordFigure("claude-code", "cli-race", { posts: fake.posts.length - postsBefore, claudeCodeExit: cc.code ?? -1, cliExit: cli.code, claudeCodeMs: cc.endedAt - cc.startedAt });
    } finally {
      await gateway.stop();
    }
  }, 300_000);

  it("leaks no token in anything either side printed", () => {
    const all = captured.join("\n");
    expect(all.length).toBeGreaterThan(0);
    for (const token of [...fake.issuedAccessTokens, ...fake.issuedRefreshTokens]) expect(all).not.toContain(token);
  });
});
