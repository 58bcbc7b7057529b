// The owner's chat end to end (issue 9): `/claude` typed in Telegram and in the web chat
// (`chat.send`), answered by the plugin without a model; and alerts delivered straight into the
// owner's Telegram chat when the Claude login has died and the model cannot speak.
//
// ONE real OpenClaw 2026.9.6 gateway (restarted once, for "also after a restart") with the plugin
// installed from its npm package and OpenClaw's bundled Telegram channel pointed at a fake Bot API
// (`channels.telegram.apiRoot`). The owner (in `allowFrom` and `commands.ownerAllowFrom`) and a
// second allowed user who is not an owner type messages through the fake's getUpdates; the bot's
// replies arrive at the fake's sendMessage. A fake token endpoint (8 h tokens, so every POST is
// one the test caused) and a fake Messages API that accepts only currently valid tokens (and, for
// the alert, none at all). Heartbeats are off (the harness sets `heartbeat.every: "0m"`).

import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CliTranscript,
  bearerOf,
  describeResult,
  issuedTokens,
  leakedTokens,
  linesMatching,
  agentTurnCalls,
  readCredentials,
  required,
  waitFor,
  writeCredentialsAtomically,
} from "../support/e2e-helpers.js";
import type { FakeMessagesApi } from "../support/fake-messages-api.js";
import { startFakeTelegram, type FakeTelegram, type FakeTelegramUser, type SentMessage } from "../support/fake-telegram.js";
import { CLAUDE_CODE_CLIENT_ID, claudeCredentialsJson, pkceChallenge, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { recordFigure } from "../support/figures.js";
import { startWorld, type World } from "../support/e2e-world.js";
import type { CliResult, Gateway } from "../support/gateway.js";

const OWNER: FakeTelegramUser = { id: 111111, firstName: "Owner" };
const OTHER: FakeTelegramUser = { id: 222222, firstName: "Guest" };
const OWNER_EMAIL = "owner@example.test";
const REDIRECT_URI = "https://platform.claude.com/oauth/code/callback";
const MCP_OAUTH = { "example-server|0123abcd": { serverName: "example-server", accessToken: "mcp-FAKE-opaque", expiresAt: 1767225600000 } };
const RPC_CHILD = join(dirname(fileURLToPath(import.meta.url)), "..", "support", "gateway-rpc-child.mjs");
const INVALID_GRANT = JSON.stringify({ error: "invalid_grant", error_description: "Refresh token not found or invalid" });

interface RpcAnswer {
  ok: boolean;
  payload?: unknown;
  error?: string;
}

describe("chat e2e: /claude from Telegram and the web chat, alerts straight to the owner", () => {
  let fake: FakeTokenEndpoint | undefined;
  let messages: FakeMessagesApi | undefined;
  let telegram: FakeTelegram | undefined;
  let gateway: Gateway | undefined;
  let world: World | undefined;
  /** While true the fake Messages API refuses every token: the model cannot speak. */
  let modelDown = false;
  const transcript = new CliTranscript();
  const timings: Record<string, number> = {};
  const suiteStarted = Date.now();
  let credentialsPath = "";
  let authorizeUrl = "";
  /** Authorization codes pasted in the chat: they must not reach any log line either. */
  const pastedCodes: string[] = [];
  /** Every reply and history text seen through the web chat, for the leak scan. */
  const webChatTexts: string[] = [];

  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");
  const api = (): FakeMessagesApi => required(messages, "fake Messages API was not started");
  const tg = (): FakeTelegram => required(telegram, "fake Telegram was not started");

  async function cli(args: string[]): Promise<CliResult> {
    return transcript.add(args, await gw().cli(args));
  }

  /** The user types `text` in their private chat with the bot; resolves with the bot's first reply. */
  async function say(user: FakeTelegramUser, text: string, timeoutMs = 90_000): Promise<SentMessage> {
    const from = tg().sent.length;
    const started = Date.now();
    tg().say(user, text);
    const reply = await waitFor(`a Telegram reply to ${user.firstName}'s "${text.slice(0, 20)}"`, () => tg().sentTo(user.id, from)[0], timeoutMs);
    const key = `replyMax:${text.split(" ").slice(0, 2).join(" ")}`;
    timings[key] = Math.max(timings[key] ?? 0, Date.now() - started);
    return reply;
  }

  /** A gateway RPC as a client holding `scopes` (what the Control UI's web chat is). */
  function rpc(method: string, params: Record<string, unknown>, scopes: string[]): Promise<RpcAnswer> {
    return new Promise((resolve) => {
      execFile("node", [RPC_CHILD, method, JSON.stringify(params), scopes.join(",")], { env: gw().env, cwd: gw().home, timeout: 120_000 }, (error, stdout, stderr) => {
        const line = stdout.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(line) as RpcAnswer);
        } catch {
          resolve({ ok: false, error: `${error?.message ?? "no answer"}\n${stderr}` });
        }
      });
    });
  }

  /** Text of every chat.history entry of the main session, oldest first. */
  async function historyTexts(scopes: string[]): Promise<string[]> {
    const answer = await rpc("chat.history", { sessionKey: "agent:main:main", limit: 50 }, scopes);
    expect(answer.ok, answer.error).toBe(true);
    const payload = answer.payload as { messages?: Array<{ role?: unknown; content?: unknown; text?: unknown }> };
    return (payload.messages ?? []).map((m) => {
      const parts = Array.isArray(m.content) ? m.content.map((c: { text?: unknown }) => (typeof c.text === "string" ? c.text : "")).join("") : typeof m.content === "string" ? m.content : typeof m.text === "string" ? m.text : "";
      return `${String(m.role)}: ${parts}`;
    });
  }

  /** One agent turn; every model call it made must carry `expected`. */
  async function expectNextTurnUses(expected: string): Promise<void> {
    const { text, calls } = await agentTurnCalls(gw(), api(), transcript);
    expect(text).toBe("pong");
    for (const call of calls) expect(bearerOf(call) === expected, `model call ${call.model ?? "?"} did not carry the expected token`).toBe(true);
  }

  function expectNoTokensIn(text: string, what: string): void {
    expect(leakedTokens(text, issuedTokens(tokens())), `token in ${what}`).toEqual([]);
    expect(text, what).not.toMatch(/sk-ant-o[ar]t01-/);
  }

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    const tgApi = telegram;
    world = await startWorld({
      // 8 h tokens (the fake's default): nothing is due during the suite
      authorize: (bearer, { tokens: t }) => !modelDown && t.isAccessTokenValid(bearer),
      pluginConfig: ({ tokens: t }) => ({ tokenUrl: t.url, authorizeUrl: `${new URL(t.url).origin}/oauth/authorize` }),
      extraConfig: {
        channels: { telegram: { enabled: true, botToken: tgApi.botToken, apiRoot: tgApi.apiRoot, dmPolicy: "allowlist", allowFrom: [String(OWNER.id), String(OTHER.id)] } },
        commands: { ownerAllowFrom: [`telegram:${OWNER.id}`] },
      },
      credentials: ({ tokens: t }) => {
        const login = claudeCredentialsJson(t.mintLogin(), { mcpOAuth: MCP_OAUTH });
        (login.claudeAiOauth as Record<string, unknown>).accountEmail = OWNER_EMAIL;
        return login;
      },
      waitFor: /\[claude-oauth-refresh\] Token still valid for \d+ minutes/,
    });
    ({ tokens: fake, messages, gateway, credentialsPath } = world);
    authorizeUrl = `${new URL(world.tokens.url).origin}/oauth/authorize`;
    const started = Date.now();
    await waitFor("the Telegram channel polling getUpdates", () => tgApi.polls() > 0, 90_000);
    timings.createGateway = world.timings.createGateway;
    timings.gatewayStart = (world.timings.gatewayStart ?? Number.NaN) + Date.now() - started;
  });

  afterAll(async () => {
    await world?.close();
    await telegram?.close();
    timings.suiteMs = Date.now() - suiteStarted;
    console.info(`[e2e chat] timings (ms): ${JSON.stringify({ ...timings, harness: gateway?.timings ?? {} })}`);
    recordFigure("e2e-chat", "timings-ms", { ...timings, telegramMessages: telegram?.sent.length ?? 0, posts: fake?.posts.length ?? 0 });
  });

  it("the bot lists /claude in Telegram's command menu", () => {
    const menus = tg().calls.filter((c) => c.method === "setMyCommands").map((c) => JSON.stringify(c.body));
    expect(menus.some((m) => m.includes('"command":"claude"'))).toBe(true);
  });

  it("owner /claude: the state in words and the account arrive in Telegram, with no model call", async () => {
    const model = api().requests.length;
    const posts = tokens().posts.length;
    const reply = await say(OWNER, "/claude");
    expect(reply.plain).toMatch(/^Claude login: healthy ✅$/m);
    expect(reply.plain).toMatch(new RegExp(`^Account: ${OWNER_EMAIL.replace(".", "\\.")}, max$`, "m"));
    expect(reply.plain).toMatch(/^Token valid for 7 h \d+ min$/m);
    expect(reply.plain).toMatch(/^Next refresh in 6 h \d+ min$/m);
    expect(reply.plain).not.toMatch(/What to do/);
    expect(api().requests.length, "the fake Messages API saw a request for /claude").toBe(model);
    expect(tokens().posts.length).toBe(posts);
    // `/claude status` is the same, and `/claude help` lists the subcommands, one line each.
    expect((await say(OWNER, "/claude status")).plain).toMatch(/^Claude login: healthy ✅$/m);
    const help = await say(OWNER, "/claude help");
    for (const sub of ["/claude:", "/claude refresh:", "/claude login:", "/claude help:"]) expect(help.plain).toContain(sub);
    expect(api().requests.length, "no model call for any /claude").toBe(model);
  });

  it("a non-owner's /claude refresh (an allowed sender) is refused and changes nothing", async () => {
    const model = api().requests.length;
    const posts = tokens().posts.length;
    const before = readFileSync(credentialsPath);
    const reply = await say(OTHER, "/claude refresh");
    expect(reply.plain).toContain("This command requires gateway scope: operator.admin");
    expect(reply.plain).not.toMatch(/Claude login|Refreshed/);
    const status = await say(OTHER, "/claude");
    expect(status.plain).toContain("This command requires gateway scope: operator.admin");
    expect(tokens().posts.length, "a refused /claude must not POST").toBe(posts);
    expect(readFileSync(credentialsPath).equals(before), "credentials file changed").toBe(true);
    expect(api().requests.length).toBe(model);
  });

  it("/claude refresh: exactly one POST, and the next agent turn carries the new token", async () => {
    const posts = tokens().posts.length;
    const reply = await say(OWNER, "/claude refresh");
    expect(reply.plain).toMatch(/^Refreshed just now\.$/m);
    expect(reply.plain).toMatch(/^Claude login: healthy ✅$/m);
    expect(reply.plain).toMatch(/^Last refresh: ok, just now$/m);
    expect(tokens().posts.length - posts, "POSTs caused by /claude refresh").toBe(1);
    expect(tokens().posts[posts]?.body.grant_type).toBe("refresh_token");
    const latest = required(tokens().latest(), "no live token pair");
    const file = readCredentials(credentialsPath);
    expect(file.oauth.refreshToken === latest.refreshToken, "file holds the new refresh token").toBe(true);
    expect(file.document.mcpOAuth).toEqual(MCP_OAUTH);
    await expectNextTurnUses(latest.accessToken);
  });

  it("/claude login, a wrong state refused with no POST, then code#state: the next agent turn carries the new login", async () => {
    const posts = tokens().posts.length;
    const started = await say(OWNER, "/claude login");
    const escaped = authorizeUrl.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const link = new RegExp(`(${escaped}\\?\\S+)`).exec(started.plain)?.[1];
    expect(link, started.plain).toBeDefined();
    const q = new URL(link ?? "").searchParams;
    expect(q.get("client_id")).toBe(CLAUDE_CODE_CLIENT_ID);
    expect(q.get("redirect_uri")).toBe(REDIRECT_URI);
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(started.plain).toContain("/claude login <the code the page shows>");
    expect(started.plain).toMatch(/good for 10 min/);
    const state = q.get("state") ?? "";
    const challenge = q.get("code_challenge") ?? "";
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const code = `FAKE-chat-code-${Date.now()}`;
    pastedCodes.push(code);
    tokens().registerAuthorizationCode(code, challenge);

    const wrong = await say(OWNER, `/claude login ${code}#state-of-another-attempt`);
    expect(wrong.plain).toMatch(/^Login refused: .*state mismatch/);
    expect(tokens().posts.length, "a wrong state must not POST").toBe(posts);

    const done = await say(OWNER, `/claude login ${code}#${state}`);
    expect(done.plain).toMatch(/^Logged in as fake-user-\d+@example\.test, valid for 7 h \d+ min\./);
    expect(tokens().posts.length - posts, "one code exchange").toBe(1);
    const post = tokens().posts[posts];
    expect(post?.status).toBe(200);
    expect(post?.body.grant_type).toBe("authorization_code");
    // The verifier the gateway kept matches the challenge the link carried.
    expect(pkceChallenge(String(post?.body.code_verifier))).toBe(challenge);
    const latest = required(tokens().latest(), "no live token pair");
    const file = readCredentials(credentialsPath);
    expect(file.oauth.accessToken === latest.accessToken && file.oauth.refreshToken === latest.refreshToken, "file holds the new login").toBe(true);
    expect(file.mode.toString(8)).toBe("600");
    expect(file.document.mcpOAuth, "other keys of the file kept").toEqual(MCP_OAUTH);
    await expectNextTurnUses(latest.accessToken);

    // The same code again: refused with the reason, no request.
    const again = await say(OWNER, `/claude login ${code}#${state}`);
    expect(again.plain).toMatch(/^Login refused: That code was already used/);
    expect(tokens().posts.length - posts).toBe(1);
  });

  it("the web chat (chat.send) as an admin client: /claude answers in chat.history; a write-only client is refused", async () => {
    const model = api().requests.length;
    const admin = await rpc("chat.send", { sessionKey: "agent:main:main", message: "/claude", idempotencyKey: randomUUID() }, ["operator.admin"]);
    expect(admin.ok, admin.error).toBe(true);
    const seen = await waitFor(
      "the /claude reply in chat.history",
      async () => {
        const texts = await historyTexts(["operator.admin"]);
        return texts.find((t) => /^assistant: Claude login: /.test(t));
      },
      60_000,
      1_000,
    );
    webChatTexts.push(seen);
    expect(seen).toMatch(/Claude login: healthy ✅/);
    expect(seen).toMatch(/Token valid for 7 h \d+ min/);
    expect(seen).toMatch(/Account: fake-user-\d+@example\.test/);

    const writer = await rpc("chat.send", { sessionKey: "agent:main:main", message: "/claude refresh", idempotencyKey: randomUUID() }, ["operator.write"]);
    expect(writer.ok, writer.error).toBe(true);
    const refused = await waitFor(
      "the refusal for a write-only client in chat.history",
      async () => (await historyTexts(["operator.admin"])).find((t) => t.includes("This command requires gateway scope: operator.admin")),
      60_000,
      1_000,
    );
    webChatTexts.push(refused, ...(await historyTexts(["operator.admin"])));
    expect(api().requests.length, "no model call for /claude in the web chat").toBe(model);
  });

  it("login ended (invalid_grant, model refusing every token): the owner gets the alert in Telegram verbatim, once, with no agent turn; heartbeats off", async () => {
    const config = JSON.parse(readFileSync(gw().configPath, "utf8")) as { agents?: { defaults?: { heartbeat?: { every?: unknown } } } };
    expect(config.agents?.defaults?.heartbeat?.every, "heartbeats must be off for this proof").toBe("0m");
    modelDown = true;
    const model = api().requests.length;
    const fromSent = tg().sent.length;
    tokens().failNext({ status: 400, body: INVALID_GRANT });
    const triggered = Date.now();
    // The gateway's own refresh meets invalid_grant (forced through its method, as the owner: no chat, no agent).
    const refresh = await rpc("claude-oauth.refresh", { force: true }, ["operator.admin"]);
    expect(refresh.ok, JSON.stringify(refresh)).toBe(true);
    const alert = await waitFor("the needs-login alert in the owner's Telegram chat", () => tg().sentTo(OWNER.id, fromSent).find((m) => /^Token refresh failed: .*Log in again/.test(m.plain)), 60_000);
    timings.alertAfterTrigger = Date.now() - triggered;
    const ledger = JSON.parse(readFileSync(join(gw().stateDir, "claude-oauth-refresh", "alerts.json"), "utf8")) as { lastAlert?: { kind?: string; message?: string; delivered?: boolean } };
    expect(ledger.lastAlert?.kind).toBe("needs-login");
    expect(alert.plain, "the alert arrives verbatim").toBe(ledger.lastAlert?.message);
    expect(alert.plain).toMatch(/^Token refresh failed: the refresh token was rejected .*Log in again: run "openclaw claude-oauth login" on this server/);
    expect(api().requests.length, "no model call (no agent turn) was needed for the alert").toBe(model);

    const ledgerFile = join(gw().stateDir, "claude-oauth-refresh", "alerts.json");
    await waitFor("the ledger to record the delivery", () => (JSON.parse(readFileSync(ledgerFile, "utf8")) as { lastAlert?: { delivered?: boolean } }).lastAlert?.delivered === true, 30_000);
    const status = await cli(["gateway", "call", "claude-oauth.status", "--json"]);
    expect(status.code, describeResult(status)).toBe(0);
    const s = JSON.parse(status.stdout) as { state?: unknown; lastAlert?: { kind?: unknown; at?: unknown; delivered?: unknown; targets?: unknown } };
    expect(s.state).toBe("needs-login");
    expect(s.lastAlert).toMatchObject({ kind: "needs-login", delivered: true, targets: [`telegram:${OWNER.id}`] });
    expect(typeof s.lastAlert?.at).toBe("string");
    // The owner's /claude now says what to do.
    const now = await say(OWNER, "/claude");
    expect(now.plain).toMatch(/^Claude login: broken ❌$/m);
    expect(now.plain).toMatch(/What to do: The login has ended .*send \/claude login here/);
    const copies = tg().sentTo(OWNER.id, fromSent).filter((m) => m.plain === alert.plain);
    expect(copies.length, "the alert is sent exactly once").toBe(1);
  });

  it("across a restart: an alert Telegram could not take is delivered after it, exactly once; the old dead login is not alerted again", async () => {
    const fromSent = tg().sent.length;
    const model = api().requests.length;
    // Alert messages (replies to /claude start with "Claude login:").
    const alertsTo = (from = 0): SentMessage[] => tg().sentTo(OWNER.id, from).filter((m) => /^Token refresh failed: .*Log in again/.test(m.plain));
    expect(alertsTo(), "the first dead login was alerted once").toHaveLength(1);
    // A second login arrives, then dies too, while Telegram refuses every message.
    writeCredentialsAtomically(credentialsPath, claudeCredentialsJson(tokens().mintLogin()));
    const reload = await rpc("claude-oauth.reload", {}, ["operator.admin"]);
    expect(reload.ok, JSON.stringify(reload)).toBe(true);
    expect(reload.payload).toMatchObject({ state: "ok" });
    tg().failSends = true;
    const attempts = tg().calls.filter((c) => c.method === "sendMessage").length;
    tokens().failNext({ status: 400, body: INVALID_GRANT });
    const refresh = await rpc("claude-oauth.refresh", { force: true }, ["operator.admin"]);
    expect(refresh.ok, JSON.stringify(refresh)).toBe(true);
    await waitFor("a refused attempt to send the second alert", () => tg().calls.filter((c) => c.method === "sendMessage").length > attempts, 60_000);
    const ledgerFile = join(gw().stateDir, "claude-oauth-refresh", "alerts.json");
    const pending = JSON.parse(readFileSync(ledgerFile, "utf8")) as { lastAlert?: { message?: string; delivered?: boolean } };
    expect(pending.lastAlert?.delivered, "the second alert is not delivered yet").toBe(false);
    const secondAlert = required(pending.lastAlert?.message, "no second alert recorded");
    expect(alertsTo(fromSent), "nothing got through while Telegram refused").toEqual([]);

    let started = Date.now();
    await gw().stop({ cleanup: false });
    timings.restartStop = Date.now() - started;
    tg().failSends = false;
    started = Date.now();
    const polls = tg().polls();
    const from = gw().output().length;
    await gw().start();
    // The second login is known dead from before the restart: no "Token still valid" line, this one instead.
    await gw().waitForOutput(/\[claude-oauth-refresh\] The Claude login in .* was refused by the token server before this restart/, 90_000, from);
    await waitFor("Telegram polling again", () => tg().polls() > polls, 90_000);
    timings.restart = Date.now() - started;
    const resent = await waitFor("the undelivered alert after the restart", () => tg().sentTo(OWNER.id, fromSent).find((m) => m.plain === secondAlert), 60_000);
    expect(resent.at).toBeGreaterThan(started);
    expect(linesMatching(gw().output(), /\[claude-oauth-refresh\] Sending the last alert \(needs-login\) again: telegram:111111 did not get it before the restart\./, from)).toHaveLength(1);
    timings.resentAfterRestart = resent.at - started;
    // The ledger records the delivery once OpenClaw's send has returned (a moment after the fake saw it).
    await waitFor("the ledger to record the delivery", () => (JSON.parse(readFileSync(ledgerFile, "utf8")) as { lastAlert?: { delivered?: boolean } }).lastAlert?.delivered === true, 30_000);
    expect(JSON.parse(readFileSync(ledgerFile, "utf8"))).toMatchObject({ lastAlert: { kind: "needs-login", delivered: true, targets: [`telegram:${OWNER.id}`] } });

    // The restarted gateway still holds the second dead login and knows it from the ledger: it says so
    // at start without sending that refresh token again. A forced refresh meets invalid_grant again and
    // must not alert again.
    expect(linesMatching(gw().output(), /\[claude-oauth-refresh\] The Claude login in .* was refused by the token server before this restart .*Log in again/, from)).toHaveLength(1);
    tokens().failNext({ status: 400, body: INVALID_GRANT });
    const again = await rpc("claude-oauth.refresh", { force: true }, ["operator.admin"]);
    expect(again.ok, JSON.stringify(again)).toBe(true);
    expect(JSON.stringify(again.payload)).toMatch(/invalid_grant/);
    // A reply the owner asks for afterwards: any further alert would have been sent before it.
    const after = await say(OWNER, "/claude");
    expect(after.plain).toMatch(/^Claude login: broken ❌$/m);
    // One alert per dead login, in all: the first before the restart, the second after it.
    expect(alertsTo(fromSent).map((m) => m.plain), "the second alert exactly once").toEqual([secondAlert]);
    expect(alertsTo(), "alerts in all").toHaveLength(2);
    expect(api().requests.length, "no model call for any of it").toBe(model);
  });

  it("no issued token in any Telegram message, chat reply, log line or status output (redaction off)", () => {
    const all = issuedTokens(tokens());
    expect(all.length).toBeGreaterThanOrEqual(6);
    const telegramText = tg()
      .calls.map((c) => JSON.stringify(c.body))
      .join("\n");
    expect(tg().sent.length).toBeGreaterThanOrEqual(12);
    expectNoTokensIn(telegramText, "Telegram messages");
    expectNoTokensIn(webChatTexts.join("\n"), "web chat replies");
    expectNoTokensIn(transcript.text(), "CLI and status output");
    expectNoTokensIn(gw().output(), "the gateway output");
    expect(pastedCodes).toHaveLength(1);
    for (const code of pastedCodes) expect(gw().output().includes(code), "the pasted login code is in the gateway output").toBe(false);
    expectNoTokensIn(readFileSync(join(gw().stateDir, "claude-oauth-refresh", "alerts.json"), "utf8"), "the alert ledger");
  });
});
