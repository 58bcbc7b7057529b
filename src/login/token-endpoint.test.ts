import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PluginError } from "../core/errors.js";
import { rememberSecret } from "../core/redact.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, buildRefreshRequest, parseRetryAfter, parseTokenAnswer, postToken, type FetchLike, type RawAnswer } from "./token-endpoint.js";

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
    ["not JSON", answer(200, "<html>ok</html>"), OLD_REFRESH],
    ["a JSON array", answer(200, "[]"), OLD_REFRESH],
    ["empty body", answer(200, ""), OLD_REFRESH],
  ];

  it.each(bad200)("%s -> bad_response", (_name, a, previous) => {
    expect(parseError(a, previous).code).toBe("bad_response");
  });

  it("other 2xx are not accepted", () => {
    expect(parseError(answer(201, goodBody())).code).toBe("bad_response");
    expect(parseError(answer(204, "")).code).toBe("bad_response");
  });
});

describe("parseTokenAnswer: errors", () => {
  it("Cloudflare HTML 403 -> bad_response", () => {
    const e = parseError(answer(403, "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>cf</body></html>", { "content-type": "text/html" }));
    expect(e.code).toBe("bad_response");
    expect(e.message).toContain("HTTP 403");
  });

  it.each([400, 401])("%i invalid_grant -> needs_login", (status) => {
    const e = parseError(answer(status, { error: "invalid_grant", error_description: "Refresh token not found or invalid" }));
    expect(e.code).toBe("needs_login");
    expect(e.message).toContain("invalid_grant");
    expect(e.message).toContain("Refresh token not found or invalid");
  });

  it("404 with a JSON body (the older spent-token answer) -> needs_login; 404 HTML -> bad_response", () => {
    expect(parseError(answer(404, { error: "not_found" })).code).toBe("needs_login");
    expect(parseError(answer(404, "<html>Not Found</html>")).code).toBe("bad_response");
  });

  it("429 with Retry-After seconds -> rate_limited with retryAfterMs", () => {
    const e = parseError(answer(429, { error: "rate_limit_error" }, { "retry-after": "120" }));
    expect(e.code).toBe("rate_limited");
    expect(e.retryAfterMs).toBe(120_000);
    expect(e.message).toContain("120 s");
  });

  it("429 with Retry-After as an HTTP date -> rate_limited with the time until then", () => {
    const e = parseError(answer(429, "", { "retry-after": new Date(NOW + 90_000).toUTCString() }));
    expect(e.code).toBe("rate_limited");
    expect(e.retryAfterMs).toBe(90_000);
  });

  it("429 without Retry-After -> rate_limited, no retryAfterMs", () => {
    const e = parseError(answer(429, ""));
    expect(e.code).toBe("rate_limited");
    expect(e.retryAfterMs).toBeUndefined();
  });

  it.each([500, 502, 503, 504])("%i -> server_error", (status) => {
    expect(parseError(answer(status, "<html>Bad gateway</html>")).code).toBe("server_error");
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

  it("400 JSON without an error field -> rejected", () => {
    expect(parseError(answer(400, { message: "nope" })).code).toBe("rejected");
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
    expect(JSON.parse(r?.body ?? "")).toEqual(request.body);
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
