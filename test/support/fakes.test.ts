// Checks the e2e fakes themselves, so a failing plugin test means the plugin, not the fake.
import { afterEach, describe, expect, it } from "vitest";
import { startFakeMessagesApi, type FakeMessagesApi } from "./fake-messages-api.js";
import {
  CLAUDE_CODE_CLIENT_ID,
  pkceChallenge,
  startFakeTokenEndpoint,
  type FakeTokenEndpoint,
} from "./fake-token-endpoint.js";

interface Answer {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
}

async function post(url: string, body: unknown, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

function refresh(ep: FakeTokenEndpoint, refreshToken: string, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Answer> {
  return post(ep.url, { grant_type: "refresh_token", refresh_token: refreshToken, client_id: CLAUDE_CODE_CLIENT_ID, ...extra }, signal);
}

const INVALID_GRANT = { error: "invalid_grant", error_description: "Refresh token not found or invalid" };

describe("fake token endpoint", () => {
  let ep: FakeTokenEndpoint | undefined;
  afterEach(async () => {
    await ep?.close();
    ep = undefined;
  });

  it("rotates: each refresh token works once, the answer has the real shape", async () => {
    ep = await startFakeTokenEndpoint();
    expect(ep.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/oauth\/token$/);
    const login = ep.mintLogin();
    expect(login.accessToken).toMatch(/^sk-ant-oat01-FAKE-[A-Za-z0-9_-]{80,}$/);
    expect(login.refreshToken).toMatch(/^sk-ant-ort01-FAKE-[A-Za-z0-9_-]{80,}$/);
    const first = await refresh(ep, login.refreshToken, { scope: "user:inference user:profile" });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ token_type: "Bearer", expires_in: 28800 });
    expect(first.json.account).toMatchObject({ uuid: expect.any(String), email_address: expect.any(String) });
    expect(first.json.organization).toMatchObject({ uuid: expect.any(String), name: expect.any(String) });
    const next = { accessToken: first.json.access_token, refreshToken: first.json.refresh_token };
    expect(ep.latest()).toEqual(next);
    expect(ep.isAccessTokenValid(login.accessToken)).toBe(true); // old access token lives until expiry

    ep.expiresInSec = 60;
    const second = await refresh(ep, String(next.refreshToken));
    expect(second.status).toBe(200);
    expect(second.json.expires_in).toBe(60);
    expect(ep.issuedRefreshTokens).toHaveLength(3);
    expect(ep.posts.map((p) => p.status)).toEqual([200, 200]);
  });

  it("a spent token is invalid_grant and (by default) kills the family", async () => {
    ep = await startFakeTokenEndpoint();
    const login = ep.mintLogin();
    const ok = await refresh(ep, login.refreshToken);
    const reuse = await refresh(ep, login.refreshToken);
    expect(reuse.status).toBe(400);
    expect(reuse.json).toEqual(INVALID_GRANT);
    expect(ep.latest()).toBeUndefined();
    expect(ep.isAccessTokenValid(String(ok.json.access_token))).toBe(false);
    expect((await refresh(ep, String(ok.json.refresh_token))).json).toEqual(INVALID_GRANT);
    expect((await refresh(ep, "sk-ant-ort01-FAKE-unknown")).json).toEqual(INVALID_GRANT);
  });

  it("revokeFamilyOnReuse: false keeps the live pair", async () => {
    ep = await startFakeTokenEndpoint({ revokeFamilyOnReuse: false });
    const login = ep.mintLogin();
    const ok = await refresh(ep, login.refreshToken);
    expect((await refresh(ep, login.refreshToken)).status).toBe(400);
    expect((await refresh(ep, String(ok.json.refresh_token))).status).toBe(200);
  });

  it("rejects a wrong client id, a wrong scope, and refreshes after the login's hard end", async () => {
    ep = await startFakeTokenEndpoint();
    const login = ep.mintLogin({ refreshTokenExpiresInSec: 3600 });
    expect(login.refreshTokenExpiresAt).toBeGreaterThan(Date.now());
    expect((await refresh(ep, login.refreshToken, { client_id: "someone-else" })).status).toBe(401);
    expect((await refresh(ep, login.refreshToken, { scope: "org:admin" })).json.error).toBe("invalid_scope");
    const ok = await refresh(ep, login.refreshToken);
    expect(ok.json.refresh_token_expires_in).toBeGreaterThan(3500);
    const dead = ep.mintLogin({ refreshTokenExpiresInSec: -1 });
    expect((await refresh(ep, dead.refreshToken)).json).toEqual(INVALID_GRANT);
  });

  it("injects statuses for the next n requests, then behaves again", async () => {
    ep = await startFakeTokenEndpoint();
    const login = ep.mintLogin();
    ep.failNext({ status: 429, headers: { "retry-after": "7" } }, 2);
    const a = await refresh(ep, login.refreshToken);
    const b = await refresh(ep, login.refreshToken);
    expect([a.status, b.status]).toEqual([429, 429]);
    expect(a.headers.get("retry-after")).toBe("7");
    ep.failNext({ status: 503, body: "<html>upstream down</html>" });
    const c = await fetch(ep.url, { method: "POST", body: JSON.stringify({}) });
    expect(c.status).toBe(503);
    expect(await c.text()).toBe("<html>upstream down</html>");
    expect((await refresh(ep, login.refreshToken)).status).toBe(200); // nothing was spent by the faults
    expect(ep.posts.map((p) => p.status)).toEqual([429, 429, 503, 200]);
  });

  it("hangup: the connection drops with no answer and nothing is spent", async () => {
    ep = await startFakeTokenEndpoint();
    const login = ep.mintLogin();
    ep.failNext({ hangup: true });
    await expect(refresh(ep, login.refreshToken)).rejects.toThrow();
    expect(ep.posts[0]?.status).toBe(0);
    expect((await refresh(ep, login.refreshToken)).status).toBe(200);
  });

  it("stallMs: a client that gives up leaves the token unspent; a patient one gets the answer", async () => {
    ep = await startFakeTokenEndpoint();
    const login = ep.mintLogin();
    ep.failNext({ stallMs: 2_000 });
    await expect(refresh(ep, login.refreshToken, {}, AbortSignal.timeout(100))).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(ep.posts[0]?.status).toBe(0);
    ep.failNext({ stallMs: 150 });
    const started = Date.now();
    const slow = await refresh(ep, login.refreshToken);
    expect(slow.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("rotateThenStallMs: the token is spent even though the client never hears back", async () => {
    ep = await startFakeTokenEndpoint();
    const login = ep.mintLogin();
    ep.failNext({ rotateThenStallMs: 2_000 });
    await expect(refresh(ep, login.refreshToken, {}, AbortSignal.timeout(100))).rejects.toThrow();
    const live = ep.latest();
    expect(live?.refreshToken).not.toBe(login.refreshToken);
    expect(ep.issuedRefreshTokens).toContain(live?.refreshToken);
    expect((await refresh(ep, login.refreshToken)).json).toEqual(INVALID_GRANT);
  });

  it("authorization_code with PKCE S256", async () => {
    ep = await startFakeTokenEndpoint();
    const verifier = "FAKE-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ";
    ep.registerAuthorizationCode("FAKE-code-1", pkceChallenge(verifier));
    const base = {
      grant_type: "authorization_code",
      code: "FAKE-code-1",
      state: "FAKE-state",
      redirect_uri: "https://platform.claude.com/oauth/code/callback",
      client_id: CLAUDE_CODE_CLIENT_ID,
    };
    const ok = await post(ep.url, { ...base, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.json.access_token).toMatch(/^sk-ant-oat01-FAKE-/);
    expect((await post(ep.url, { ...base, code_verifier: verifier })).json.error).toBe("invalid_grant"); // single use
    ep.registerAuthorizationCode("FAKE-code-2", pkceChallenge(verifier));
    expect((await post(ep.url, { ...base, code: "FAKE-code-2", code_verifier: "wrong" })).json.error).toBe("invalid_grant");
    expect((await refresh(ep, String(ok.json.refresh_token))).status).toBe(200);
  });

  it("answers 404 elsewhere", async () => {
    ep = await startFakeTokenEndpoint();
    const res = await fetch(ep.url.replace("/v1/oauth/token", "/nope"));
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});

describe("fake Messages API", () => {
  let api: FakeMessagesApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const request = { model: "claude-opus-5", max_tokens: 16, messages: [{ role: "user", content: "ping" }] };

  it("streams Anthropic's SSE sequence with the reply text and records the bearer", async () => {
    api = await startFakeMessagesApi();
    const res = await fetch(`${api.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { authorization: "Bearer sk-ant-oat01-FAKE-x", "content-type": "application/json" },
      body: JSON.stringify({ ...request, stream: true }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = (await res.text())
      .split("\n\n")
      .filter(Boolean)
      .map((block) => JSON.parse(block.split("\n").find((l) => l.startsWith("data: "))?.slice(6) ?? "{}") as Record<string, unknown>);
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[3]).toMatchObject({ delta: { type: "text_delta", text: "pong" } });
    expect(api.lastBearer()).toBe("sk-ant-oat01-FAKE-x");
    expect(api.requests[0]).toMatchObject({ model: "claude-opus-5", stream: true, status: 200 });
  });

  it("answers JSON without stream, 401 when authorize refuses, 404 elsewhere", async () => {
    api = await startFakeMessagesApi({ replyText: "hi", authorize: (bearer) => bearer === "sk-ant-oat01-FAKE-good" });
    const call = (token: string): Promise<Response> =>
      fetch(`${api?.baseUrl}/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(request) });
    const ok = await call("sk-ant-oat01-FAKE-good");
    expect(await ok.json()).toMatchObject({ type: "message", content: [{ type: "text", text: "hi" }], stop_reason: "end_turn" });
    const denied = await call("sk-ant-oat01-FAKE-bad");
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const missing = await fetch(`${api.baseUrl}/v1/models`);
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
    expect(api.requests.map((r) => r.status)).toEqual([200, 401, 404]);
  });
});
