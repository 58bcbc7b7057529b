import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PluginError, isRetryable } from "../core/errors.js";
import { rememberSecret } from "../core/redact.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_USER_AGENT, buildRefreshRequest, describeBody, parseRetryAfter, parseTokenAnswer, postToken, type FetchLike, type RawAnswer } from "./token-endpoint.js";

const NOW = 1_767_225_600_000;
const OLD_REFRESH = "sk-ant-ort01-FAKE-old-refresh-token-aaaaaaaaaaaaaaaa";
const NEW_ACCESS = "sk-ant-oat01-FAKE-new-access-token-bbbbbbbbbbbbbbbbb";
const NEW_REFRESH = "sk-ant-ort01-FAKE-new-refresh-token-cccccccccccccccc";
const CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
const ALL_TOKENS = [OLD_REFRESH, NEW_ACCESS, NEW_REFRESH];

function answer(status: number, body: unknown, headers: Record<string, string> = {}): RawAnswer {
  return { status, headers: new Headers(headers), body: typeof body === "string" ? body : JSON.stringify(body) };
}

function goodBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token_type: "Bearer",
    access_token: NEW_ACCESS,
    refresh_token: NEW_REFRESH,
    expires_in: 28800,
    scope: "user:inference user:profile  user:sessions:claude_code",
    account: { uuid: "00000000-0000-0000-0000-000000000000", email_address: "someone@example.com" },
    organization: { uuid: "11111111-1111-1111-1111-111111111111" },
    ...extra,
  };
}

/** `previous: null` means the caller has no refresh token to keep. */
function parseError(a: RawAnswer, previous: string | null = OLD_REFRESH): PluginError {
  try {
    parseTokenAnswer(a, NOW, previous ?? undefined);
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    const e = err as PluginError;
    for (const t of ALL_TOKENS) expect(e.message).not.toContain(t);
    return e;
  }
  throw new Error(`parseTokenAnswer accepted HTTP ${a.status} ${a.body}`);
}

describe("parseTokenAnswer: 200", () => {
  it("a good answer -> tokens with expiresAt = now + expires_in * 1000, scopes split, account email", () => {
    expect(parseTokenAnswer(answer(200, goodBody()), NOW, OLD_REFRESH)).toEqual({
      accessToken: NEW_ACCESS,
      refreshToken: NEW_REFRESH,
      expiresAt: NOW + 28_800_000,
      scopes: ["user:inference", "user:profile", "user:sessions:claude_code"],
      accountEmail: "someone@example.com",
    });
  });

  it("keeps the previous refresh token when the server sends none", () => {
    const body = goodBody();
    delete body.refresh_token;
    expect(parseTokenAnswer(answer(200, body), NOW, OLD_REFRESH).refreshToken).toBe(OLD_REFRESH);
  });

  it("refresh_token_expires_in -> refreshTokenExpiresAt", () => {
    expect(parseTokenAnswer(answer(200, goodBody({ refresh_token_expires_in: 2_592_000 })), NOW).refreshTokenExpiresAt).toBe(NOW + 2_592_000_000);
  });

  it("a fractional expires_in is floored to whole ms", () => {
    expect(parseTokenAnswer(answer(200, goodBody({ expires_in: 1.0005 })), NOW).expiresAt).toBe(NOW + 1000);
  });

  it("no scope, no account -> no scopes, no email", () => {
    const body = goodBody();
    delete body.scope;
    delete body.account;
    const t = parseTokenAnswer(answer(200, body), NOW);
    expect(t).not.toHaveProperty("scopes");
    expect(t).not.toHaveProperty("accountEmail");
  });

  const bad200: Array<[string, RawAnswer, string | null]> = [
    ["missing access_token", answer(200, goodBody({ access_token: undefined })), OLD_REFRESH],
    ["empty access_token", answer(200, goodBody({ access_token: "  " })), OLD_REFRESH],
    ["numeric access_token", answer(200, goodBody({ access_token: 42 })), OLD_REFRESH],
    ["expires_in missing", answer(200, goodBody({ expires_in: undefined })), OLD_REFRESH],
    ["expires_in 0", answer(200, goodBody({ expires_in: 0 })), OLD_REFRESH],
    ["expires_in negative", answer(200, goodBody({ expires_in: -28800 })), OLD_REFRESH],
    ["expires_in huge", answer(200, goodBody({ expires_in: 30 * 24 * 3600 + 1 })), OLD_REFRESH],
    ["expires_in Infinity", answer(200, `{"access_token":"${NEW_ACCESS}","refresh_token":"${NEW_REFRESH}","expires_in":1e400}`), OLD_REFRESH],
    ["expires_in a string", answer(200, goodBody({ expires_in: "28800" })), OLD_REFRESH],
    ["refresh_token empty", answer(200, goodBody({ refresh_token: "" })), OLD_REFRESH],
    ["refresh_token not a string", answer(200, goodBody({ refresh_token: 7 })), OLD_REFRESH],
    ["no refresh_token and no previous", answer(200, goodBody({ refresh_token: undefined })), null],
    ["plain text", answer(200, "ok"), OLD_REFRESH],
    ["a JSON array", answer(200, "[]"), OLD_REFRESH],
    ["empty body", answer(200, ""), OLD_REFRESH],
  ];

  // The server said 200: it has rotated the token, and the answer cannot be used. Sending the old
  // token again would be a reuse, so this is an unknown outcome, never a plain retry.
  it.each(bad200)("%s -> outcome_unknown (the server said 200: it rotated)", (_name, a, previous) => {
    const e = parseError(a, previous);
    expect(e.code).toBe("outcome_unknown");
    expect(e.message).toMatch(/probably rotated/);
  });

  it("a 200 HTML page (a captive portal, a CDN challenge) is the edge, not the OAuth server", () => {
    expect(parseError(answer(200, "<html>ok</html>")).code).toBe("edge_refused");
  });

  it("other 2xx are not accepted", () => {
    expect(parseError(answer(201, goodBody())).code).toBe("bad_response");
    expect(parseError(answer(204, "")).code).toBe("bad_response");
  });
});

describe("parseTokenAnswer: errors", () => {
  it("Cloudflare HTML 403 -> edge_refused, nothing spent", () => {
    const e = parseError(answer(403, "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>cf</body></html>", { "content-type": "text/html" }));
    expect(e.code).toBe("edge_refused");
    expect(e.message).toContain("HTTP 403, HTML page; nothing was spent");
  });

  it.each([400, 401])("%i invalid_grant -> needs_login", (status) => {
    const e = parseError(answer(status, { error: "invalid_grant", error_description: "Refresh token not found or invalid" }));
    expect(e.code).toBe("needs_login");
    expect(e.message).toContain("invalid_grant");
    expect(e.message).toContain("Refresh token not found or invalid");
  });

  it("404 with an OAuth body (the older spent-token answer) -> needs_login; 404 HTML -> edge_refused", () => {
    expect(parseError(answer(404, { error: "not_found" })).code).toBe("needs_login");
    expect(parseError(answer(404, "<html>Not Found</html>")).code).toBe("edge_refused");
  });

  it("429 with Retry-After seconds -> rate_limited with retryAfterMs", () => {
    const e = parseError(answer(429, { error: "rate_limit_error" }, { "retry-after": "120" }));
    expect(e.code).toBe("rate_limited");
    expect(e.retryAfterMs).toBe(120_000);
    expect(e.message).toContain("120 s");
  });

  it("429 with Retry-After as an HTTP date -> rate_limited with the time until then", () => {
    const e = parseError(answer(429, { type: "error", error: { type: "rate_limit_error", message: "Rate limited" } }, { "retry-after": new Date(NOW + 90_000).toUTCString() }));
    expect(e.code).toBe("rate_limited");
    expect(e.retryAfterMs).toBe(90_000);
  });

  it("429 from the OAuth server without Retry-After -> rate_limited, no retryAfterMs", () => {
    const e = parseError(answer(429, { error: "rate_limit_error" }));
    expect(e.code).toBe("rate_limited");
    expect(e.retryAfterMs).toBeUndefined();
  });

  it.each([500, 503])("%i with a JSON error -> server_error", (status) => {
    expect(parseError(answer(status, { type: "error", error: { type: "api_error", message: "Internal server error" } })).code).toBe("server_error");
  });

  it.each([502, 520])("%i (the origin answered badly behind a proxy) -> server_error, even as HTML", (status) => {
    expect(parseError(answer(status, "<html>Bad gateway</html>", { "content-type": "text/html" })).code).toBe("server_error");
  });

  it.each([504, 524])("%i (the proxy gave up waiting on the origin) -> outcome_unknown", (status) => {
    expect(parseError(answer(status, "<html>Gateway Time-out</html>")).code).toBe("outcome_unknown");
  });

  it.each([301, 302, 307, 308])("%i redirect -> bad_response", (status) => {
    expect(parseError(answer(status, "", { location: "https://example.com/elsewhere" })).code).toBe("bad_response");
  });

  it("400 invalid_client -> rejected, pointing at clientId/tokenUrl", () => {
    const e = parseError(answer(400, { error: "invalid_client", error_description: "Unknown client" }));
    expect(e.code).toBe("rejected");
    expect(e.message).toContain("invalid_client");
    expect(e.message).toContain("clientId");
  });

  it("400 JSON without an OAuth error field -> edge_refused (the OAuth server always says `error`)", () => {
    expect(parseError(answer(400, { message: "nope" })).code).toBe("edge_refused");
  });
});

/**
 * Answers recorded from the kinds of edges that sit in front of token endpoints (Cloudflare,
 * CloudFront, nginx, Anthropic's API front), trimmed. The rule under test: only the OAuth server's
 * own error body (`{"error": "..."}`) may say anything about the login; everything else at the
 * edge is `edge_refused` (nothing spent, retried with back-off, never needs-login).
 */
describe("parseTokenAnswer: edge refusals told apart from OAuth errors", () => {
  const CF_CHALLENGE = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main"><h1>platform.claude.com</h1><noscript>Enable JavaScript and cookies to continue</noscript></div></body></html>`;
  const CF_1020 = `<!DOCTYPE html>\n<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->\n<head><title>Access denied | platform.claude.com used Cloudflare to restrict access</title></head><body><h1>Error 1020</h1><h2>Access denied</h2><p>Ray ID: 8f0c2a1b3c4d5e6f</p></body></html>`;
  const CF_1015 = `<html><head><title>Rate limited</title></head><body><h1>Error 1015</h1><p>You are being rate limited</p><p>The owner of this website (platform.claude.com) has banned you temporarily from accessing this website.</p></body></html>`;
  const CF_522 = `<!DOCTYPE html><html><head><title>platform.claude.com | 522: Connection timed out</title></head><body>Connection timed out Error code 522</body></html>`;
  const CLOUDFRONT_403 = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>403 ERROR</H1><H2>The request could not be satisfied.</H2>Request blocked.</BODY></HTML>`;
  const NGINX_404 = `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>`;
  const API_403 = { type: "error", error: { type: "permission_error", message: "Request not allowed" } };
  const API_404 = { type: "error", error: { type: "not_found_error", message: "Not Found" } };
  const html = { "content-type": "text/html; charset=UTF-8" };

  const edge: Array<[string, RawAnswer, string, number | undefined]> = [
    ["Cloudflare challenge 403", answer(403, CF_CHALLENGE, { ...html, "cf-ray": "8f0c2a1b3c4d5e6f-FRA" }), "HTTP 403, HTML page", undefined],
    ["Cloudflare 1020 access denied", answer(403, CF_1020, html), "HTTP 403, HTML page", undefined],
    ["Cloudflare 1015 rate limited with Retry-After", answer(429, CF_1015, { ...html, "retry-after": "60" }), "HTTP 429, HTML page", 60_000],
    ["a bare 429, no body, no Retry-After", answer(429, ""), "HTTP 429, empty body", undefined],
    ["a 429 in plain text with an HTTP-date Retry-After", answer(429, "Too Many Requests", { "retry-after": new Date(NOW + 45_000).toUTCString() }), "HTTP 429, plain text", 45_000],
    ["CloudFront 403", answer(403, CLOUDFRONT_403, html), "HTTP 403, HTML page", undefined],
    ["nginx 404 page", answer(404, NGINX_404, html), "HTTP 404, HTML page", undefined],
    ["a 404 with an empty body", answer(404, ""), "HTTP 404, empty body", undefined],
    ["a 404 HTML page sent as text/plain", answer(404, "<html><body>Not Found</body></html>", { "content-type": "text/plain" }), "HTTP 404, HTML page", undefined],
    ["Anthropic's API envelope 403 (no OAuth error)", answer(403, API_403, { "content-type": "application/json" }), "HTTP 403, JSON without an OAuth error (permission_error)", undefined],
    ["Anthropic's API envelope 404 (no OAuth error)", answer(404, API_404, { "content-type": "application/json" }), "HTTP 404, JSON without an OAuth error (not_found_error)", undefined],
    ["a 403 with broken JSON", answer(403, `{"error":`, { "content-type": "application/json" }), "HTTP 403, broken JSON", undefined],
    ["a 401 with an HTML login page", answer(401, "<html><body>Sign in</body></html>"), "HTTP 401, HTML page", undefined],
    ["a 503 Cloudflare maintenance page", answer(503, "<!DOCTYPE html><html><title>Service Temporarily Unavailable</title></html>", html), "HTTP 503, HTML page", undefined],
    ["Cloudflare 522 (the origin was never reached)", answer(522, CF_522, html), "HTTP 522, HTML page", undefined],
    ["Cloudflare 521 with an empty body", answer(521, ""), "HTTP 521, empty body", undefined],
  ];

  it.each(edge)("%s -> edge_refused: what it is, nothing spent, Retry-After honoured", (_name, a, what, retryAfterMs) => {
    const e = parseError(a);
    expect(e.code).toBe("edge_refused");
    expect(e.message).toContain(`Anthropic's edge refused the request: ${what}; nothing was spent.`);
    expect(e.message).toContain("userAgent");
    expect(e.message).not.toMatch(/invalid_grant|log in/i);
    expect(e.retryAfterMs).toBe(retryAfterMs);
    expect(isRetryable(e.code)).toBe(true);
  });

  const oauth: Array<[string, RawAnswer, string]> = [
    ["400 invalid_grant (a spent token)", answer(400, { error: "invalid_grant", error_description: "Refresh token not found or invalid" }), "needs_login"],
    ["401 invalid_grant", answer(401, { error: "invalid_grant" }), "needs_login"],
    ["404 with an OAuth body (the older spent-token answer)", answer(404, { error: "not_found", error_description: "Refresh token not found" }), "needs_login"],
    ["404 invalid_grant", answer(404, { error: "invalid_grant" }), "needs_login"],
    ["403 access_denied", answer(403, { error: "access_denied", error_description: "Client not allowed" }), "rejected"],
    ["401 invalid_client", answer(401, { error: "invalid_client", error_description: "Client authentication failed" }), "rejected"],
    ["400 unsupported_grant_type", answer(400, { error: "unsupported_grant_type" }), "rejected"],
    ["429 OAuth rate limit", answer(429, { error: "rate_limit_exceeded" }, { "retry-after": "5" }), "rate_limited"],
    ["429 API envelope", answer(429, { type: "error", error: { type: "rate_limit_error", message: "Rate limited" } }), "rate_limited"],
    ["529 API envelope overloaded", answer(529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }), "server_error"],
  ];
  it.each(oauth)("%s -> %s (the OAuth server spoke)", (_name, a, code) => {
    expect(parseError(a).code).toBe(code);
  });

  it("an HTML page that contains the words invalid_grant is still the edge", () => {
    expect(parseError(answer(400, "<html><body>invalid_grant</body></html>")).code).toBe("edge_refused");
  });

  it("describeBody names each kind of body", () => {
    expect(describeBody(answer(403, ""))).toBe("empty body");
    expect(describeBody(answer(403, "   \n"))).toBe("empty body");
    expect(describeBody(answer(403, "<html></html>"))).toBe("HTML page");
    expect(describeBody(answer(403, "blocked", { "content-type": "text/html" }))).toBe("HTML page");
    expect(describeBody(answer(403, "blocked"))).toBe("plain text");
    expect(describeBody(answer(403, "{oops", { "content-type": "application/json" }))).toBe("broken JSON");
    expect(describeBody(answer(403, { message: "x" }))).toBe("JSON without an OAuth error");
  });
});

describe("parseTokenAnswer: no token in any message, even when the server echoes it", () => {
  const echo = `refresh_token=${OLD_REFRESH} access=${NEW_ACCESS} next=${NEW_REFRESH}`;
  const cases: Array<[string, RawAnswer]> = [
    ["400 invalid_grant description", answer(400, { error: "invalid_grant", error_description: echo })],
    ["401 invalid_grant description", answer(401, { error: "invalid_grant", error_description: echo })],
    ["400 invalid_request description", answer(400, { error: "invalid_request", error_description: echo })],
    ["403 HTML", answer(403, `<html><body>blocked ${echo}</body></html>`)],
    ["500 text", answer(500, `internal error for ${echo}`)],
    ["502 JSON", answer(502, { error: "upstream", detail: echo })],
    ["200 not JSON", answer(200, `oops ${echo}`)],
  ];
  it.each(cases)("%s", (_name, a) => {
    parseError(a); // parseError asserts the message holds none of the tokens
  });

  it("a remembered token that is not token-shaped is masked too", () => {
    const opaque = "FAKEopaqueRefreshValue0123456789";
    rememberSecret(opaque);
    const e = parseError(answer(400, { error: "invalid_grant", error_description: `token ${opaque} not found` }));
    expect(e.message).not.toContain(opaque);
  });
  it("400 whose `error` field echoes the token", () => {
    parseError(answer(400, { error: `unknown token ${OLD_REFRESH}` }));
  });
  it("a remembered token cut by the 160-char snippet is not shown in part", () => {
    const opaque = "FAKEopaqueRefreshSecretThatIsLong_0123456789abcdefghijklmnopqrstuvwxyz";
    rememberSecret(opaque);
    const body = `${"x".repeat(130)} ${opaque}`;
    const e = parseError(answer(500, body));
    expect(e.message).not.toContain(opaque.slice(0, 20));
  });
});

describe("parseRetryAfter", () => {
  it("seconds, HTTP dates, garbage", () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter("", NOW)).toBeUndefined();
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter("120", NOW)).toBe(120_000);
    expect(parseRetryAfter(" 7 ", NOW)).toBe(7_000);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
  });

  it("a date in the past is 0; absurd values are clamped to 6 h", () => {
    expect(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter("99999999", NOW)).toBe(6 * 3600 * 1000);
    expect(parseRetryAfter(new Date(NOW + 48 * 3600 * 1000).toUTCString(), NOW)).toBe(6 * 3600 * 1000);
  });
});

describe("buildRefreshRequest", () => {
  it("is a JSON refresh_token grant with the client id and no scope", () => {
    const r = buildRefreshRequest(OLD_REFRESH, "https://platform.claude.com/v1/oauth/token", CLIENT_ID);
    expect(r).toEqual({
      url: "https://platform.claude.com/v1/oauth/token",
      body: { grant_type: "refresh_token", refresh_token: OLD_REFRESH, client_id: CLIENT_ID },
    });
    expect(Object.keys(r.body)).not.toContain("scope");
  });
});

// ---- postToken against a real HTTP server ----------------------------------------------------

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: http.Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/oauth/token`, received };
}

async function postError(p: Promise<unknown>): Promise<PluginError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return err as PluginError;
  }
  throw new Error("postToken resolved; expected a PluginError");
}

describe("postToken", () => {
  it("has a finite default deadline", () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBeGreaterThan(0);
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
  });

  it("POSTs JSON and returns status, headers and body", async () => {
    const { url, received } = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-test": "yes" });
      res.end(JSON.stringify(goodBody()));
    });
    const request = buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID);
    const a = await postToken(request, { timeoutMs: 2000 });
    expect(a.status).toBe(200);
    expect(a.headers.get("x-test")).toBe("yes");
    expect(parseTokenAnswer(a, NOW, OLD_REFRESH).accessToken).toBe(NEW_ACCESS);
    expect(received).toHaveLength(1);
    const r = received[0];
    expect(r?.method).toBe("POST");
    expect(r?.url).toBe("/v1/oauth/token");
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.headers["user-agent"]).toBe(DEFAULT_USER_AGENT);
    expect(JSON.parse(r?.body ?? "")).toEqual(request.body);
  });

  it("sends the request's userAgent (config `userAgent`) instead of the default", async () => {
    const { url, received } = await startServer((_req, res) => res.writeHead(200).end(JSON.stringify(goodBody())));
    await postToken(buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID, "claude-cli/2.1.328 (external, cli)"), { timeoutMs: 2000 });
    expect(received[0]?.headers["user-agent"]).toBe("claude-cli/2.1.328 (external, cli)");
  });

  it("does not follow redirects", async () => {
    const { url, received } = await startServer((req, res) => {
      if (req.url === "/elsewhere") {
        res.writeHead(200).end(JSON.stringify(goodBody()));
        return;
      }
      res.writeHead(302, { location: "/elsewhere" }).end();
    });
    const a = await postToken(buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID), { timeoutMs: 2000 });
    expect(a.status).toBe(302);
    expect(received).toHaveLength(1);
    expect(parseError(a).code).toBe("bad_response");
  });

  it("caps a huge answer", async () => {
    const { url } = await startServer((_req, res) => {
      res.writeHead(500).end("y".repeat(200_000));
    });
    const a = await postToken(buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID), { timeoutMs: 2000 });
    expect(a.body.length).toBe(64 * 1024);
  });

  it("connection refused (closed port) -> network: the token was not used", async () => {
    const { url } = await startServer(() => undefined);
    const s = servers.pop();
    if (!s) throw new Error("no server");
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const e = await postError(postToken(buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID), { timeoutMs: 2000 }));
    expect(e.code).toBe("network");
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.message).not.toContain(OLD_REFRESH);
  });

  it("a server that stalls past timeoutMs -> outcome_unknown", async () => {
    const { url, received } = await startServer(() => undefined); // reads the body, never answers
    const started = Date.now();
    const e = await postError(postToken(buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID), { timeoutMs: 300 }));
    expect(e.code).toBe("outcome_unknown");
    expect(e.message).toMatch(/did not answer/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(received).toHaveLength(1);
  });

  it("a server that stalls in the middle of the answer -> outcome_unknown", async () => {
    const { url } = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"access_token":'); // and never finishes
    });
    const e = await postError(postToken(buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID), { timeoutMs: 300 }));
    expect(e.code).toBe("outcome_unknown");
  });

  it("a server that destroys the socket after reading the body -> outcome_unknown", async () => {
    const { url, received } = await startServer((req) => {
      req.socket.destroy();
    });
    const e = await postError(postToken(buildRefreshRequest(OLD_REFRESH, url, CLIENT_ID), { timeoutMs: 2000 }));
    expect(e.code).toBe("outcome_unknown");
    expect(e.message).toMatch(/mid-request/);
    expect(received).toHaveLength(1);
  });

  it("classifies injected fetch failures by their cause code", async () => {
    const failWith = (code: string): FetchLike => async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });
    };
    const req = buildRefreshRequest(OLD_REFRESH, "https://example.invalid/t", CLIENT_ID);
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]) {
      expect((await postError(postToken(req, { fetch: failWith(code) }))).code, code).toBe("network");
    }
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]) {
      expect((await postError(postToken(req, { fetch: failWith(code) }))).code, code).toBe("outcome_unknown");
    }
    const plain: FetchLike = async () => {
      throw new Error("something odd");
    };
    expect((await postError(postToken(req, { fetch: plain }))).code).toBe("outcome_unknown");
  });
});

describe("postToken: a URL fetch refuses before connecting", () => {
  it("a port fetch blocks is `network` (nothing was sent), not outcome_unknown", async () => {
    const err = await postToken({ url: "http://127.0.0.1:9/v1/oauth/token", body: {} }, { timeoutMs: 2_000 }).then(
      () => undefined,
      (e: unknown) => e as PluginError,
    );
    expect(err?.code).toBe("network");
  });
});
