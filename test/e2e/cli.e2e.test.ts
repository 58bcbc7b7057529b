// Operator commands end to end (issue 5): `openclaw claude-oauth status|refresh|import|login|logout`
// and `openclaw gateway call claude-oauth.status`, each run as a real CLI process against ONE real
// gateway that has the plugin installed from its npm package. A fake token endpoint (8 h tokens, so
// nothing refreshes on its own during the suite: every POST is one a command caused) and a fake
// Messages API that accepts only currently valid tokens. After every command that changes the
// login, the very next agent turn must carry the new access token.

import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CliTranscript,
  agentTurnCalls,
  withoutCountdowns,
  bearerOf,
  describeResult,
  issuedTokens,
  leakedTokens,
  modelCalls,
  readCredentials,
  required,
} from "../support/e2e-helpers.js";
import type { FakeMessagesApi } from "../support/fake-messages-api.js";
import type { FakeUsageEndpoint } from "../support/fake-usage-endpoint.js";
import { CLAUDE_CODE_CLIENT_ID, claudeCredentialsJson, fakeAccessToken, pkceChallenge, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { recordFigure } from "../support/figures.js";
import { startWorld, type World } from "../support/e2e-world.js";
import type { CliResult, Gateway } from "../support/gateway.js";
import { spawnOpenClaw } from "../support/interactive-cli.js";

const PROFILE_ID = "anthropic:subscription";
const RPC_CHILD = join(dirname(fileURLToPath(import.meta.url)), "..", "support", "gateway-rpc-child.mjs");
const REDIRECT_URI = "https://platform.claude.com/oauth/code/callback";
const MCP_OAUTH = { "example-server|0123abcd": { serverName: "example-server", accessToken: "mcp-FAKE-opaque", expiresAt: 1767225600000 } };

interface StatusJson {
  state?: unknown;
  health?: unknown;
  source?: unknown;
  credentials?: { path?: unknown; mode?: unknown };
  profileId?: unknown;
  account?: { email?: unknown; subscriptionType?: unknown };
  accessToken?: { expiresAt?: unknown; validForMinutes?: unknown; expired?: unknown };
  nextRefreshAt?: unknown;
  unsavedTokens?: unknown;
  lastError?: { code?: unknown; message?: unknown };
  [key: string]: unknown;
}

describe("cli e2e: operator commands against a running gateway", () => {
  let fake: FakeTokenEndpoint | undefined;
  let messages: FakeMessagesApi | undefined;
  let usageApi: FakeUsageEndpoint | undefined;
  // Every window's reset moment, set before the gateway starts.
  const resetsAt = new Date(Date.now() + 2 * 3600_000 + 30 * 60_000).toISOString();
  let gateway: Gateway | undefined;
  let world: World | undefined;
  const transcript = new CliTranscript();
  const timings: Record<string, number> = {};
  const suiteStarted = Date.now();
  let credentialsPath = "";
  let authorizeUrl = "";
  // status --json output, compared with the gateway method's answer.
  let statusJson: StatusJson | undefined;

  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");
  const api = (): FakeMessagesApi => required(messages, "fake Messages API was not started");
  const usage = (): FakeUsageEndpoint => required(usageApi, "fake usage endpoint was not started");

  async function cli(args: string[], opts: { input?: string } = {}): Promise<CliResult> {
    const started = Date.now();
    const result = transcript.add(args, await gw().cli(args, opts));
    const key = `cliMax:${args.slice(0, 2).join(" ")}`; // slowest call of each command
    timings[key] = Math.max(timings[key] ?? 0, Date.now() - started);
    return result;
  }

  function expectNoTokens(r: CliResult): void {
    const text = `${r.stdout}\n${r.stderr}`;
    expect(leakedTokens(text, issuedTokens(tokens())), "token in CLI output").toEqual([]);
    expect(text).not.toMatch(/sk-ant-o[ar]t01-/);
  }

  /** One agent turn; every model call it made must carry `expected` (no refresh can happen here). */
  async function expectNextTurnUses(expected: string): Promise<void> {
    const { text, calls } = await agentTurnCalls(gw(), api(), transcript);
    expect(text).toBe("pong");
    for (const call of calls) {
      expect(call.status).toBe(200);
      expect(bearerOf(call) === expected, `model call ${call.model ?? "?"} did not carry the expected token`).toBe(true);
    }
  }

  /** A gateway RPC as a client holding exactly `scopes` (a paired device, a dashboard, the owner). */
  function rpc(method: string, params: Record<string, unknown>, scopes: string[]): Promise<{ ok: boolean; payload?: unknown; error?: string }> {
    return new Promise((resolve) => {
      execFile("node", [RPC_CHILD, method, JSON.stringify(params), scopes.join(",")], { env: gw().env, cwd: gw().home, timeout: 120_000 }, (error, stdout, stderr) => {
        const line = stdout.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(line) as { ok: boolean; payload?: unknown; error?: string });
        } catch {
          resolve({ ok: false, error: `${error?.message ?? "no answer"}\n${stderr}` });
        }
      });
    });
  }

  function fileBytes(): Buffer {
    return readFileSync(credentialsPath);
  }

  beforeAll(async () => {
    // 8 h tokens: nothing is due during the suite
    world = await startWorld({
      usage: true,
      pluginConfig: ({ tokens: t, usage: u }) => {
        authorizeUrl = `${new URL(t.url).origin}/oauth/authorize`;
        return { tokenUrl: t.url, authorizeUrl, usageUrl: u?.url, usageCheckMinutes: 10 };
      },
      credentials: ({ tokens: t }) => claudeCredentialsJson(t.mintLogin(), { mcpOAuth: MCP_OAUTH }),
      beforeStart: (w) => void (required(w.usage, "usage endpoint").fallback = { windows: { fiveHour: 43, sevenDay: 12, sevenDayOpus: null }, resetsAt }),
      waitFor: /\[claude-oauth-refresh\] Token still valid for \d+ minutes/,
    });
    ({ tokens: fake, messages, usage: usageApi, gateway, credentialsPath } = world);
    timings.createGateway = world.timings.createGateway;
    timings.gatewayStart = world.timings.gatewayStart ?? Number.NaN;
  });

  afterAll(async () => {
    await world?.close();
    timings.suiteMs = Date.now() - suiteStarted;
    console.info(`[e2e cli] timings (ms): ${JSON.stringify({ ...timings, harness: gateway?.timings ?? {} })}`);
    recordFigure("e2e-cli", "timings-ms", { ...timings, cliCalls: transcript.count, posts: fake?.posts.length ?? 0 });
  });

  it("status: a human table of the live state, exit 0 when healthy", async () => {
    const r = await cli(["claude-oauth", "status"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^State\s+ok \(healthy\)$/m);
    expect(r.stdout).toMatch(/^Access token\s+valid, expires in \d+ h \d+ min/m);
    expect(r.stdout).toMatch(/^Next refresh\s+in /m);
    expect(r.stdout).toContain(`${credentialsPath} (mode 600)`);
    expect(r.stdout).toMatch(new RegExp(`^OpenClaw profile\\s+${PROFILE_ID}(?: \\(agents: [^)]*\\))?$`, "m"));
    expect(r.stdout).toMatch(/^Source\s+running gateway \(live\)$/m);
    expectNoTokens(r);
  });

  it("status --json: machine-readable, on stdout, no token, exit 0", async () => {
    const r = await cli(["claude-oauth", "status", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    const s = JSON.parse(r.stdout) as StatusJson;
    expect(s.state).toBe("ok");
    expect(s.health).toBe("healthy");
    expect(s.source).toBe("gateway");
    expect(s.credentials).toEqual({ path: credentialsPath, mode: "600" });
    expect(s.profileId).toBe(PROFILE_ID);
    expect(s.unsavedTokens).toBe(false);
    expect(s.accessToken?.expired).toBe(false);
    expect(typeof s.accessToken?.validForMinutes).toBe("number");
    expect(s.accessToken?.validForMinutes).toBeGreaterThanOrEqual(470); // 8 h token, minted seconds ago
    expect(s.accessToken?.expiresAt).toBe(new Date(readCredentials(credentialsPath).oauth.expiresAt as number).toISOString());
    expect(s.lastError).toBeUndefined();
    expectNoTokens(r);
    statusJson = s;
  });

  it("gateway call claude-oauth.status --json: the same object as status --json (README contract)", async () => {
    const r = await cli(["gateway", "call", "claude-oauth.status", "--json"]);
    expect(r.code, describeResult(r)).toBe(0);
    expectNoTokens(r);
    const raw = JSON.parse(r.stdout) as StatusJson;
    const view = statusJson;
    if (!view) throw new Error("status --json did not run");
    expect(Object.keys(raw).sort()).toEqual(Object.keys(view).sort());
    // Everything equal but the minutes countdown, which may cross a minute boundary between calls.
    expect(withoutCountdowns(raw)).toEqual(withoutCountdowns(view));
    expect(Math.abs(Number(raw.accessToken?.validForMinutes) - Number(view.accessToken?.validForMinutes))).toBeLessThanOrEqual(1);
  });

  it("usage: read at start with the live token; status shows every window with its reset, text and JSON", async () => {
    const live = readCredentials(credentialsPath).oauth.accessToken as string;
    expect(usage().requests.length, "usage checked at start").toBeGreaterThanOrEqual(1);
    for (const r of usage().requests) {
      expect(r.bearer === live, "usage request carried the live access token").toBe(true);
      expect(r.beta).toContain("oauth-2025-04-20");
      expect(r.status).toBe(200);
    }
    const json = await cli(["claude-oauth", "status", "--json"]);
    expect(json.code, describeResult(json)).toBe(0);
    const u = (JSON.parse(json.stdout) as { usage?: { checkedAt?: string; windows?: Record<string, { utilization: number; resetsAt?: string }>; error?: unknown } }).usage;
    expect(u?.windows).toEqual({ fiveHour: { utilization: 43, resetsAt: new Date(resetsAt).toISOString() }, sevenDay: { utilization: 12, resetsAt: new Date(resetsAt).toISOString() } });
    expect(u?.error).toBeUndefined();
    expect(Date.parse(u?.checkedAt ?? "")).toBeLessThanOrEqual(Date.now());
    const text = await cli(["claude-oauth", "status"]);
    expect(text.code, describeResult(text)).toBe(0);
    expect(text.stdout).toMatch(/^Usage\s+5-hour 43 %, resets in 2 h \d+ min; week 12 %, resets in 2 h \d+ min \(checked (just now|\d+ min ago)\)$/m);
    expectNoTokens(json);
    expectNoTokens(text);
  });

  it("usage: a 403, an HTML page or a 429 changes nothing but the usage line; no POST, health unchanged", async () => {
    const posts = tokens().posts.length;
    const fileBefore = fileBytes();
    const outputFrom = gw().output().length;
    const check = async (behaviour: NonNullable<FakeUsageEndpoint["fallback"]>, code: string) => {
      usage().fallback = behaviour;
      const r = await cli(["claude-oauth", "status", "--check-usage", "--json"]);
      expect(r.code, describeResult(r)).toBe(0);
      expectNoTokens(r);
      const s = JSON.parse(r.stdout) as StatusJson & { usage?: { error?: { code?: string; message?: string }; windows?: Record<string, { utilization: number }> } };
      expect(s.state).toBe("ok");
      expect(s.health).toBe("healthy");
      expect(s.lastError).toBeUndefined();
      expect(s.usage?.error?.code).toBe(code);
      // The last good numbers stay visible, with the reason beside them.
      expect(s.usage?.windows?.fiveHour?.utilization).toBe(43);
      return s;
    };
    const forbidden = await check({ status: 403, body: JSON.stringify({ error: { type: "permission_error", message: "missing scope" } }) }, "rejected");
    expect(forbidden.usage?.error?.message).toMatch(/HTTP 403.*user:profile/);
    await check({ status: 403, body: "{}" }, "rejected");
    await check({ status: 200, body: "<html><body>Just a moment...</body></html>", headers: { "content-type": "text/html" } }, "bad_response");
    await check({ status: 429, body: "", headers: { "retry-after": "600" } }, "rate_limited");
    const text = await cli(["claude-oauth", "status"]);
    expect(text.stdout).toMatch(/^Usage check\s+unavailable: the usage endpoint is rate-limiting us \(HTTP 429, retry after 600 s\)\.$/m);
    // One log line per kind of trouble, not one per check.
    const lines = gw().output().slice(outputFrom).split("\n").filter((l) => l.includes("Usage unavailable"));
    expect(lines.filter((l) => l.includes("HTTP 403"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("not JSON"))).toHaveLength(1);
    expect(lines).toHaveLength(3);
    expect(tokens().posts.length, "usage trouble never causes a refresh").toBe(posts);
    expect(fileBytes().equals(fileBefore), "credentials file untouched").toBe(true);
    usage().fallback = { windows: { fiveHour: 43, sevenDay: 12, sevenDayOpus: null }, resetsAt };
    const back = await cli(["claude-oauth", "status", "--check-usage", "--json"]);
    expect((JSON.parse(back.stdout) as { usage?: { error?: unknown } }).usage?.error).toBeUndefined();
    await gw().waitForOutput(/Usage available again\./, 10_000, outputFrom);
  });

  it("gateway methods: a read-only or write-only client changes nothing; status reads; its usage checks are limited (issue 16, item 2)", async () => {
    const posts = tokens().posts.length;
    const fileBefore = fileBytes();
    const started = Date.now();
    for (const scopes of [["operator.write"], ["operator.read"], ["operator.read", "operator.write"]]) {
      for (const [method, params] of [
        ["claude-oauth.refresh", { force: true }],
        ["claude-oauth.reload", {}],
        ["claude-oauth.reload", { account: "intruder" }],
        ["claude-oauth.logout", { deleteCredentials: true }],
      ] as const) {
        const answer = await rpc(method, params, scopes);
        expect(answer.ok, `${method} as ${scopes.join("+")}: ${JSON.stringify(answer)}`).toBe(false);
        expect(answer.error, `${method} as ${scopes.join("+")}`).toMatch(/operator\.admin/);
      }
    }
    timings.refusedRpcsMs = Date.now() - started;
    expect(tokens().posts.length, "a refused refresh spent a rotation").toBe(posts);
    expect(fileBytes().equals(fileBefore), "credentials file untouched").toBe(true);
    expect(existsSync(join(gw().stateDir, "claude-oauth-refresh", "accounts", "intruder.json"))).toBe(false);
    // Still logged in and published: the very next agent turn works with the same token.
    await expectNextTurnUses(readCredentials(credentialsPath).oauth.accessToken as string);

    // status stays readable with operator.read ...
    const read = await rpc("claude-oauth.status", {}, ["operator.read"]);
    expect(read.ok, JSON.stringify(read)).toBe(true);
    expect((read.payload as StatusJson).state).toBe("ok");
    // ... but its usage checks on demand reach the usage endpoint at most once a minute per account.
    const usageBefore = usage().requests.length;
    for (let i = 0; i < 4; i++) {
      const r = await rpc("claude-oauth.status", { checkUsage: true }, ["operator.read"]);
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
    const byReader = usage().requests.length - usageBefore;
    expect(byReader, "usage requests made for a read-only client's 4 checks").toBeLessThanOrEqual(1);
    // The owner's (operator.admin) checks are not limited: `status --check-usage` reads every time.
    const ownerBefore = usage().requests.length;
    for (let i = 0; i < 2; i++) expect((await rpc("claude-oauth.status", { checkUsage: true }, ["operator.admin"])).ok).toBe(true);
    expect(usage().requests.length - ownerBefore).toBeGreaterThanOrEqual(2);
    recordFigure("e2e-cli", "scopes", { refusedCalls: 12, usageRequestsForFourReadOnlyChecks: byReader, refusedRpcsMs: timings.refusedRpcsMs });
  });

  it("refresh --force: exactly one POST, exit 0, the very next agent turn uses the new token", async () => {
    const posts = tokens().posts.length;
    const r = await cli(["claude-oauth", "refresh", "--force"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^Token refreshed; valid for \d+ minutes .*\(done by the running gateway\)$/m);
    expectNoTokens(r);
    expect(tokens().posts.length - posts, "POSTs caused by refresh --force").toBe(1);
    const post = tokens().posts[posts];
    expect(post?.status).toBe(200);
    expect(post?.body.grant_type).toBe("refresh_token");
    const latest = tokens().latest();
    if (!latest) throw new Error("no live token pair");
    const file = readCredentials(credentialsPath);
    expect(file.oauth.refreshToken === latest.refreshToken, "file holds the new refresh token").toBe(true);
    expect(file.document.mcpOAuth).toEqual(MCP_OAUTH);
    expect(file.mode.toString(8)).toBe("600");
    await expectNextTurnUses(latest.accessToken);

    // A refresh that is not due, straight through the gateway method: no POST, and the report.
    const notDue = await cli(["gateway", "call", "claude-oauth.refresh", "--params", "{}", "--json"]);
    expect(notDue.code, describeResult(notDue)).toBe(0);
    expectNoTokens(notDue);
    expect(tokens().posts.length - posts, "a refresh that is not due must not POST").toBe(1);
    const refreshReport = JSON.parse(notDue.stdout) as { kind?: unknown; refreshed?: unknown; status?: { state?: unknown } };
    expect(refreshReport.kind).toBe("not-due");
    expect(refreshReport.refreshed).toBe(false);
    // The report shows the state after the refresh, not "refreshing".
    expect(refreshReport.status?.state).toBe("ok");
  });

  it("usage: the refreshed token is checked within a minute of the refresh, with no prompting", async () => {
    const latest = tokens().latest();
    if (!latest) throw new Error("no live token pair");
    const deadline = Date.now() + 90_000;
    while (!usage().requests.some((r) => r.bearer === latest.accessToken) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(usage().requests.some((r) => r.bearer === latest.accessToken && r.status === 200), "a usage check with the refreshed token").toBe(true);
  });

  it("import - : a new login on stdin is saved 0600 and used by the very next agent turn", async () => {
    const posts = tokens().posts.length;
    const login = tokens().mintLogin();
    const r = await cli(["claude-oauth", "import", "-"], { input: JSON.stringify(claudeCredentialsJson(login, { mcpOAuth: MCP_OAUTH }), null, 2) });
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(`Imported the login into ${credentialsPath} (mode 600)`);
    expect(r.stdout).toMatch(/State: ok\./);
    expect(r.stdout).toMatch(/log in on the PC again \(claude \/login\)/);
    expectNoTokens(r);
    const file = readCredentials(credentialsPath);
    expect(file.oauth.accessToken === login.accessToken && file.oauth.refreshToken === login.refreshToken, "file holds the imported login").toBe(true);
    expect(file.document.mcpOAuth).toEqual(MCP_OAUTH);
    expect(file.mode.toString(8)).toBe("600");
    expect(tokens().posts.length, "a fresh login is not refreshed").toBe(posts);
    await expectNextTurnUses(login.accessToken);
  });

  it("import <file>: a login from a path is saved 0600 and used by the very next agent turn", async () => {
    const posts = tokens().posts.length;
    const login = tokens().mintLogin();
    const source = join(gw().home, "exported-credentials.json");
    writeFileSync(source, JSON.stringify(claudeCredentialsJson(login)), { mode: 0o644 });
    const r = await cli(["claude-oauth", "import", source]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(`Imported the login into ${credentialsPath} (mode 600)`);
    expect(r.stdout).toMatch(/log in on the PC again \(claude \/login\)/);
    expectNoTokens(r);
    const file = readCredentials(credentialsPath);
    expect(file.oauth.accessToken === login.accessToken && file.oauth.refreshToken === login.refreshToken, "file holds the imported login").toBe(true);
    expect(file.mode.toString(8)).toBe("600");
    expect(tokens().posts.length).toBe(posts);
    await expectNextTurnUses(login.accessToken);
  });

  it("an agent added while the gateway runs, with an Anthropic profile of its own, gets the plugin's token in its own store", async () => {
    const add = await cli(["agents", "add", "ops", "--workspace", join(gw().home, "workspace-ops"), "--non-interactive"]);
    expect(add.code, describeResult(add)).toBe(0);
    // ops's own token: never issued by the fake endpoint, so the fake Messages API refuses it.
    const own = fakeAccessToken();
    const paste = await cli(["models", "auth", "paste-token", "--provider", "anthropic", "--profile-id", "anthropic:ops-own", "--agent", "ops", "--expires-in", "30d"], { input: `${own}\n` });
    expect(paste.code, describeResult(paste)).toBe(0);
    // The next publish finds ops's own Anthropic profile and writes the plugin's profile there, first.
    const refresh = await cli(["claude-oauth", "refresh", "--force"]);
    expect(refresh.code, describeResult(refresh)).toBe(0);
    const newest = tokens().latest()?.accessToken;
    const from = api().requests.length;
    const turn = await cli(["agent", "--agent", "ops", "--message", "ping", "--json"]);
    expect(turn.code, describeResult(turn)).toBe(0);
    const calls = modelCalls(api().requests, from);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(bearerOf(call) === newest, `ops's ${call.model ?? "?"} call did not carry the plugin's newest token`).toBe(true);
  });

  it("import - with malformed JSON: exit 2, names the problem, credentials file untouched", async () => {
    const before = fileBytes();
    const posts = tokens().posts.length;
    const r = await cli(["claude-oauth", "import", "-"], { input: '{"claudeAiOauth": {"accessToken": "x",' });
    expect(r.code, describeResult(r)).toBe(2);
    expect(`${r.stdout}${r.stderr}`).toMatch(/standard input.*not valid JSON/);
    expectNoTokens(r);
    expect(fileBytes().equals(before), "credentials file changed").toBe(true);
    expect(readCredentials(credentialsPath).mode.toString(8)).toBe("600");
    expect(tokens().posts.length).toBe(posts);
  });

  it("import - of a login that has already ended: exit 2, refused, credentials file untouched", async () => {
    const before = fileBytes();
    const posts = tokens().posts.length;
    const doc = claudeCredentialsJson(tokens().mintLogin());
    const ended = Date.now() - 3_600_000;
    (doc.claudeAiOauth as Record<string, unknown>).refreshTokenExpiresAt = ended;
    const r = await cli(["claude-oauth", "import", "-"], { input: JSON.stringify(doc) });
    expect(r.code, describeResult(r)).toBe(2);
    expect(`${r.stdout}${r.stderr}`).toContain(`Refused: this login ended on ${new Date(ended).toISOString()}`);
    expectNoTokens(r);
    expect(fileBytes().equals(before), "credentials file changed").toBe(true);
    expect(tokens().posts.length).toBe(posts);
  });

  it("login: prints the authorize URL, exchanges the pasted code#state (PKCE), saves and publishes the login", async () => {
    const g = gw();
    const posts = tokens().posts.length;
    const started = Date.now();
    const proc = spawnOpenClaw(["claude-oauth", "login"], { env: g.env, cwd: g.home, timeoutMs: 120_000 });
    let result: CliResult;
    let challenge = "";
    try {
      const escaped = authorizeUrl.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      const match = await proc.waitForOutput(new RegExp(`(${escaped}\\?\\S+)`), 90_000);
      timings.loginUrlShown = Date.now() - started;
      expect(proc.stderr(), "the URL goes to stderr (stdout stays for the result)").toContain(match[1] ?? "");
      const url = new URL(match[1] ?? "");
      const q = url.searchParams;
      expect(q.get("client_id")).toBe(CLAUDE_CODE_CLIENT_ID);
      expect(q.get("response_type")).toBe("code");
      expect(q.get("code")).toBe("true");
      expect(q.get("redirect_uri")).toBe(REDIRECT_URI);
      expect(q.get("code_challenge_method")).toBe("S256");
      expect(q.get("scope")?.split(" ")).toContain("user:inference");
      const state = q.get("state") ?? "";
      challenge = q.get("code_challenge") ?? "";
      expect(state.length).toBeGreaterThanOrEqual(32);
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const code = `FAKE-code-${Date.now()}`;
      tokens().registerAuthorizationCode(code, challenge);
      proc.write(`${code}#${state}\n`);
      proc.end();
      result = transcript.add(["claude-oauth", "login"], await proc.exit);
    } finally {
      proc.kill();
    }
    timings.login = Date.now() - started;
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stdout).toMatch(/^Logged in as fake-user-\d+@example\.test\. Saved to .* \(mode 600\); OpenClaw profile anthropic:subscription is in use\. State: ok\.$/m);
    expectNoTokens(result);

    expect(tokens().posts.length - posts, "one code exchange").toBe(1);
    const post = tokens().posts[posts];
    expect(post?.status).toBe(200);
    expect(post?.body.grant_type).toBe("authorization_code");
    expect(post?.body.redirect_uri).toBe(REDIRECT_URI);
    expect(post?.body.client_id).toBe(CLAUDE_CODE_CLIENT_ID);
    expect(typeof post?.body.code_verifier).toBe("string");
    const latest = tokens().latest();
    if (!latest) throw new Error("no live token pair");
    const file = readCredentials(credentialsPath);
    expect(file.oauth.accessToken === latest.accessToken && file.oauth.refreshToken === latest.refreshToken, "file holds the new login").toBe(true);
    expect(file.mode.toString(8)).toBe("600");
    await expectNextTurnUses(latest.accessToken);
    // The verifier sent matches the challenge the URL carried (the fake answered 200 only then).
    expect(pkceChallenge(String(post?.body.code_verifier))).toBe(challenge);
  });

  it("login with a code from another attempt (state mismatch): exit 2, no POST, file untouched", async () => {
    const before = fileBytes();
    const posts = tokens().posts.length;
    const r = await cli(["claude-oauth", "login"], { input: "FAKE-code#state-of-another-attempt\n" });
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toMatch(/Login failed: .*state mismatch/);
    expectNoTokens(r);
    expect(tokens().posts.length).toBe(posts);
    expect(fileBytes().equals(before)).toBe(true);
  });

  it("invalid_grant on refresh --force: one POST answered 400, state needs-login, refresh and status exit 2, both tell how to log in again", async () => {
    const posts = tokens().posts.length;
    tokens().failNext({ status: 400, body: JSON.stringify({ error: "invalid_grant", error_description: "Refresh token not found or invalid" }) });
    const refresh = await cli(["claude-oauth", "refresh", "--force"]);
    expect(refresh.code, describeResult(refresh)).toBe(2);
    expect(refresh.stdout).toMatch(/Token refresh failed: the refresh token was rejected \(.*invalid_grant.*\)\..*\(done by the running gateway\)$/m);
    expectNoTokens(refresh);
    expect(tokens().posts.length - posts).toBe(1);
    expect(tokens().posts[posts]?.status).toBe(400);

    const status = await cli(["claude-oauth", "status"]);
    expect(status.code, describeResult(status)).toBe(2);
    expect(status.stdout).toMatch(/^State\s+needs-login \(broken\)$/m);
    expect(status.stdout).toMatch(/^Last error\s+.*invalid_grant/m);
    expectNoTokens(status);
    // Both outputs tell the operator how to log in again, and so does the gateway log.
    const howTo = /Log in again: run "openclaw claude-oauth login" on this server, or on a PC run "claude \/login", then "ssh pc 'cat ~\/\.claude\/\.credentials\.json' \| openclaw claude-oauth import -"/;
    expect(refresh.stdout).toMatch(howTo);
    expect(status.stdout).toMatch(howTo);
    await gw().waitForOutput(/\[claude-oauth-refresh\] Token refresh failed: .*Log in again: run "openclaw claude-oauth login"/, 10_000);
    // No retry loop against a dead login.
    expect(tokens().posts.length - posts).toBe(1);
  });

  it("logout: removes the profile from OpenClaw and deletes the credentials file, exit 0", async () => {
    const ours = issuedTokens(tokens());
    const r = await cli(["claude-oauth", "logout"]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain(`Removed OpenClaw profile ${PROFILE_ID} and deleted ${credentialsPath}.`);
    expectNoTokens(r);
    expect(existsSync(credentialsPath)).toBe(false);

    const models = await cli(["models", "status", "--agent", "main", "--json"]);
    expect(models.code, describeResult(models)).toBe(0);
    const parsed = JSON.parse(models.stdout) as { auth?: { oauth?: { profiles?: Array<{ profileId?: unknown }> } } };
    const ids = (parsed.auth?.oauth?.profiles ?? []).map((p) => p.profileId);
    expect(ids).not.toContain(PROFILE_ID);

    // And the running gateway no longer sends any of our tokens.
    const from = api().requests.length;
    const turn = await gw().agentTurn("ping");
    transcript.add(["agent", "--message", "ping", "--json"], { code: turn.code, stdout: turn.raw, stderr: turn.error ?? "" });
    const bearers = modelCalls(api().requests, from).map((c) => bearerOf(c) ?? "");
    expect(bearers.filter((b) => ours.includes(b))).toEqual([]);
    expect(turn.text).not.toBe("pong");
    console.info(`[e2e cli] agent turn after logout: exit ${turn.code}, model calls ${bearers.length}, error ${turn.error ?? "-"}`);
  });

  it("never prints a token: every CLI output and the gateway output (redaction off) are clean", () => {
    const all = issuedTokens(tokens());
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(leakedTokens(transcript.text(), all), "tokens in CLI output").toEqual([]);
    expect(leakedTokens(gw().output(), all), "tokens in the gateway output").toEqual([]);
  });
});
