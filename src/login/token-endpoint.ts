import { DEFAULTS } from "../core/config.js";
import { PluginError } from "../core/errors.js";
import { redact, rememberSecret } from "../core/redact.js";
import type { TokenSet } from "./credentials.js";

/**
 * Anthropic's OAuth token endpoint, split oauth4webapi-style: building a request and parsing its
 * answer are pure; `postToken` is the only I/O. The endpoint is not a documented public API, so
 * every check here is strict and every surprise becomes a clear `bad_response`, never a write.
 */

export interface TokenRequest {
  url: string;
  body: Record<string, string>;
  /** The User-Agent header; Anthropic's edge has refused some client identities (config `userAgent`). */
  userAgent?: string;
}

/** What the plugin has always sent; config `userAgent` overrides it. */
export const DEFAULT_USER_AGENT = DEFAULTS.userAgent;

export function buildRefreshRequest(refreshToken: string, tokenUrl: string, clientId: string, userAgent?: string): TokenRequest {
  // `scope` is left out on purpose: if sent it must equal the login's scopes exactly, and the
  // server keeps the login's scopes when it is absent.
  return { url: tokenUrl, body: { grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId }, ...(userAgent ? { userAgent } : {}) };
}

export interface RawAnswer {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

/** Longer than any real access token lives (about 8 h); beyond it the answer is nonsense. */
const MAX_EXPIRES_IN_SEC = 30 * 24 * 3600;
const MAX_RETRY_AFTER_MS = 6 * 3600 * 1000;

/** Pure: `Retry-After` as seconds or an HTTP date, clamped to something sane. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function snippet(body: string): string {
  // Redact before cutting: half a token no longer matches the patterns that would mask it.
  const oneLine = redact(body.replace(/\s+/g, " ").trim());
  return oneLine.length > 160 ? `${oneLine.slice(0, 160)}…` : oneLine;
}

function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Pure: what kind of body an answer carries, in words for the log ("HTML page", "empty body"). */
export function describeBody(answer: RawAnswer): string {
  const body = answer.body.trim();
  if (body === "") return "empty body";
  const type = answer.headers.get("content-type") ?? "";
  if (/html/i.test(type) || /^<(!doctype|html|head|body|\?xml)/i.test(body) || /<\/(html|body|title)>/i.test(body)) return "HTML page";
  const json = jsonObject(body);
  if (json === undefined) return /json/i.test(type) ? "broken JSON" : "plain text";
  const apiType = apiErrorType(json);
  return apiType ? `JSON without an OAuth error (${snippet(apiType)})` : "JSON without an OAuth error";
}

/** The OAuth server's own error answer: `{"error": "invalid_grant", ...}` (RFC 6749 section 5.2). */
function oauthError(json: Record<string, unknown> | undefined): string | undefined {
  return typeof json?.error === "string" && json.error.trim() !== "" ? snippet(json.error) : undefined;
}

/** Anthropic's API error envelope `{"type":"error","error":{"type":"rate_limit_error",...}}`. */
function apiErrorType(json: Record<string, unknown> | undefined): string | undefined {
  const error = json?.error;
  if (typeof error !== "object" || error === null) return undefined;
  const type = (error as Record<string, unknown>).type;
  return typeof type === "string" ? type : undefined;
}

/**
 * Answers a proxy gives when it lost the origin's answer after handing it the request (gateway
 * timeout, Cloudflare's 524 "a timeout occurred"): the origin may have rotated the token.
 */
const ANSWER_LOST_AT_PROXY = new Set([504, 524]);
/**
 * A proxy's word that the origin answered badly (502 bad gateway, Cloudflare's 520): the origin
 * failed, so these stay server errors (retried), never "nothing was spent".
 */
const ORIGIN_FAILED = new Set([502, 520]);
/** Cloudflare's "the origin could not be reached" family: the request never got there. */
const ORIGIN_NOT_REACHED = new Set([521, 522, 523, 525, 526, 530]);

/**
 * Pure: an answer that did not come from the OAuth server (a CDN or WAF page, a 403/404/429 with
 * no OAuth body). The OAuth server never saw the request, so the refresh token is unspent and the
 * same request may be retried later; the login is not in question.
 */
function edgeRefused(answer: RawAnswer, now: number): PluginError {
  const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), now);
  const wait = retryAfterMs !== undefined ? ` It asked to retry after ${Math.ceil(retryAfterMs / 1000)} s.` : "";
  return new PluginError(
    "edge_refused",
    `Anthropic's edge refused the request: HTTP ${answer.status}, ${describeBody(answer)}; nothing was spent.${wait} If this persists, Anthropic may be refusing this client's identity: see the userAgent setting.`,
    retryAfterMs !== undefined ? { retryAfterMs } : undefined,
  );
}

/**
 * Pure: an HTTP answer to tokens, or a PluginError whose `code` says what the caller must do.
 * `previousRefreshToken` is kept when the server does not send a new one (it may not rotate).
 *
 * The one question behind every branch: did the OAuth server speak? Only its own error body
 * (`{"error": ...}`) can say the login is dead; anything else at the edge (HTML, CDN pages, a bare
 * 403/404/429) is an edge refusal, retried, never "log in again".
 */
export function parseTokenAnswer(answer: RawAnswer, now: number, previousRefreshToken?: string): TokenSet {
  const { status } = answer;
  const json = jsonObject(answer.body);
  const oauth = oauthError(json);
  const serverSpoke = oauth !== undefined || apiErrorType(json) !== undefined;

  if (status >= 300 && status < 400) {
    throw new PluginError("bad_response", `Token endpoint answered with a redirect (HTTP ${status}); the endpoint may have moved. Check tokenUrl.`);
  }
  if (status === 429) {
    if (!serverSpoke) throw edgeRefused(answer, now);
    const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), now);
    const wait = retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : "";
    throw new PluginError("rate_limited", `Token endpoint is rate-limiting us (HTTP 429${wait}).`, retryAfterMs !== undefined ? { retryAfterMs } : undefined);
  }
  if (status >= 500) {
    if (ANSWER_LOST_AT_PROXY.has(status)) {
      throw new PluginError("outcome_unknown", `Token endpoint's proxy timed out waiting for the server (HTTP ${status}, ${describeBody(answer)}); the server may or may not have rotated the refresh token.`);
    }
    if (!ORIGIN_FAILED.has(status) && !serverSpoke && (ORIGIN_NOT_REACHED.has(status) || describeBody(answer) === "HTML page")) throw edgeRefused(answer, now);
    throw new PluginError("server_error", `Token endpoint failed (HTTP ${status}): ${snippet(answer.body)}`);
  }
  if (status >= 400) {
    // Anything at 4xx without an OAuth error body comes from the edge, not the OAuth server.
    if (oauth === undefined) throw edgeRefused(answer, now);
    const description = typeof json?.error_description === "string" ? snippet(json.error_description) : undefined;
    // Older servers answered a spent token with 404 and an OAuth error body: still a dead login.
    if (oauth === "invalid_grant" || status === 404) {
      throw new PluginError("needs_login", `the refresh token was rejected (HTTP ${status} ${oauth}${description ? `: ${description}` : ""}).`);
    }
    throw new PluginError("rejected", `Token endpoint refused the request (HTTP ${status}, ${oauth}${description ? `: ${description}` : ""}). Check clientId and tokenUrl.`);
  }
  if (status !== 200) throw new PluginError("bad_response", `Token endpoint answered HTTP ${status}, expected 200.`);
  // A 200 HTML page (a captive portal, a CDN challenge) is not the OAuth server's answer.
  if (json === undefined && describeBody(answer) === "HTML page") throw edgeRefused(answer, now);
  try {
    if (json === undefined) throw new PluginError("bad_response", `Token endpoint answered 200 with something that is not a JSON object: ${snippet(answer.body)}`);
    return parseTokenSet(json, now, previousRefreshToken);
  } catch (err) {
    // The OAuth server said 200: it rotated the token, and the answer is unusable. Sending the old
    // token again would be a reuse, so this is an unknown outcome, never a plain retry.
    if (err instanceof PluginError && err.code === "bad_response") {
      throw new PluginError("outcome_unknown", `${err.message} The server answered 200, so it has probably rotated the refresh token.`, { cause: err });
    }
    throw err;
  }
}

function parseTokenSet(json: Record<string, unknown>, now: number, previousRefreshToken: string | undefined): TokenSet {
  const accessToken = json.access_token;
  if (typeof accessToken !== "string" || accessToken.trim() === "") throw new PluginError("bad_response", "Token endpoint answer has no access_token.");
  rememberSecret(accessToken);
  const refreshToken = json.refresh_token;
  if (refreshToken !== undefined && (typeof refreshToken !== "string" || refreshToken.trim() === "")) throw new PluginError("bad_response", "Token endpoint answer has a refresh_token that is not a non-empty string.");
  if (typeof refreshToken === "string") rememberSecret(refreshToken);
  const nextRefresh = typeof refreshToken === "string" ? refreshToken.trim() : previousRefreshToken;
  if (!nextRefresh) throw new PluginError("bad_response", "Token endpoint answer has no refresh_token and there is no previous one to keep.");

  const expiresIn = json.expires_in;
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0 || expiresIn > MAX_EXPIRES_IN_SEC) {
    throw new PluginError("bad_response", `Token endpoint answer has an unusable expires_in (${JSON.stringify(expiresIn) ?? "missing"}); expected seconds between 1 and ${MAX_EXPIRES_IN_SEC}.`);
  }
  const tokens: TokenSet = { accessToken: accessToken.trim(), refreshToken: nextRefresh, expiresAt: now + Math.floor(expiresIn * 1000) };

  const rtExpiresIn = json.refresh_token_expires_in;
  if (typeof rtExpiresIn === "number" && Number.isFinite(rtExpiresIn) && rtExpiresIn > 0) tokens.refreshTokenExpiresAt = now + Math.floor(rtExpiresIn * 1000);
  if (typeof json.scope === "string" && json.scope.trim() !== "") tokens.scopes = json.scope.trim().split(/\s+/);
  const account = json.account;
  if (typeof account === "object" && account !== null) {
    const email = (account as Record<string, unknown>).email_address;
    if (typeof email === "string") tokens.accountEmail = email;
  }
  return tokens;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: "manual" }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** An answer larger than this is not a token answer; reading it all would only cost memory. */
const MAX_ANSWER_CHARS = 64 * 1024;

/** Errors that prove the request never reached the server, so the refresh token is unspent. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ERR_INVALID_URL", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The one network call. A deadline on every request; the answer is parsed by the caller. */
export async function postToken(request: TokenRequest, options: { timeoutMs?: number; fetch?: FetchLike } = {}): Promise<RawAnswer> {
  const doFetch: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await doFetch(request.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "user-agent": request.userAgent ?? DEFAULT_USER_AGENT },
      body: JSON.stringify(request.body),
      signal,
      redirect: "manual",
    });
    const body = await res.text();
    return { status: res.status, headers: res.headers, body: body.length > MAX_ANSWER_CHARS ? body.slice(0, MAX_ANSWER_CHARS) : body };
  } catch (err) {
    const code = causeCode(err);
    // fetch refuses some URLs (a port browsers block, say) before opening any connection.
    const refusedLocally = err instanceof TypeError && /bad port|invalid url/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? "")}`);
    if ((code !== undefined && NOT_SENT_CODES.has(code)) || refusedLocally) {
      throw new PluginError("network", `Token endpoint unreachable (${code ?? "request refused before sending: check tokenUrl"}); the refresh token was not used.`, { cause: err });
    }
    const timedOut = signal.aborted;
    // The request may have reached the server and rotated the token before the answer was lost.
    throw new PluginError(
      "outcome_unknown",
      timedOut
        ? `Token endpoint did not answer within ${Math.round(timeoutMs / 1000)} s; the server may or may not have rotated the refresh token.`
        : `Connection to the token endpoint failed mid-request (${code ?? "unknown error"}); the server may or may not have rotated the refresh token.`,
      { cause: err },
    );
  }
}
