// A fake Anthropic OAuth token endpoint (POST /v1/oauth/token) on 127.0.0.1, for tests.
//
// Behaves like the real one as described in /work/shared/notes/anthropic-oauth.md:
// - grant_type "refresh_token": every refresh token works exactly once (rotation). A spent or
//   unknown one answers 400 {"error":"invalid_grant","error_description":"Refresh token not found or invalid"}.
//   With `revokeFamilyOnReuse` (default true) replaying a spent token also kills the live pair of
//   that login ("family"), like a server that detects token theft.
// - grant_type "authorization_code" (PKCE, S256) for codes registered with registerAuthorizationCode().
// - optional hard end of a login (`refreshTokenExpiresInSec` in mintLogin): refreshes after it fail
//   with invalid_grant, and refreshing never extends it.
// - fault injection for the next n token requests: an HTTP status, a stall, a hang-up, or
//   "rotate then stall" (the server spent the old token but the client may never hear the answer).
//
// Every token contains "FAKE" so a leaked fixture is recognisable.

import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";

export const CLAUDE_CODE_CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
export const DEFAULT_SCOPES = [
  "user:profile",
  "user:inference",
  "user:sessions:claude_code",
  "user:mcp_servers",
  "user:file_upload",
  "user:plugins",
] as const;
const TOKEN_PATH = "/v1/oauth/token";
const INVALID_GRANT = { error: "invalid_grant", error_description: "Refresh token not found or invalid" };

export type FaultKind =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { stallMs: number }
  | { hangup: true }
  | { rotateThenStallMs: number };

export interface TokenPost {
  /** Date.now() when the request arrived. */
  at: number;
  path: string;
  /** Parsed JSON body ({} when it was not a JSON object; the raw text is then under `_raw`). */
  body: Record<string, unknown>;
  /** HTTP status answered; 0 while pending, or when nothing was answered (hang-up, client gone). */
  status: number;
  /** The request's User-Agent header (tells the plugin's POSTs from Claude Code's). */
  userAgent: string | undefined;
}

export interface MintedLogin {
  accessToken: string;
  refreshToken: string;
  /** ms since epoch. */
  expiresAt: number;
  /** ms since epoch; only when the login has a hard end (refreshTokenExpiresInSec). */
  refreshTokenExpiresAt?: number;
  scopes: string[];
}

export interface FakeTokenEndpointOptions {
  /** Replaying a spent refresh token also revokes the family's live pair. Default true. */
  revokeFamilyOnReuse?: boolean;
  /** client_id the endpoint accepts. Default Claude Code's public client id. */
  clientId?: string;
  /** expires_in of issued access tokens (seconds). Default 28800. Also settable later. */
  expiresInSec?: number;
  /** Scopes granted to a login. Default Claude Code's scopes. */
  scopes?: readonly string[];
}

export interface FakeTokenEndpoint {
  /** Full token URL, http://127.0.0.1:<port>/v1/oauth/token */
  url: string;
  /** Creates a fresh login (token family), e.g. to write a credentials file. */
  mintLogin(opts?: { expiresInSec?: number; refreshTokenExpiresInSec?: number }): MintedLogin;
  /** expires_in (seconds) of the next issued tokens. */
  expiresInSec: number;
  /**
   * A slow server: every token request is granted (rotated) when it arrives and answered this many
   * ms later, whether or not the client is still waiting, as a real server does. Default 0.
   */
  answerDelayMs: number;
  /** Every token request, in arrival order. */
  posts: TokenPost[];
  /** Every access token ever issued (for leak scans). */
  issuedAccessTokens: string[];
  /** Every refresh token ever issued (for leak scans). */
  issuedRefreshTokens: string[];
  /** The most recently issued pair, if it is still live (its refresh token unspent, family not revoked). */
  latest(): { accessToken: string; refreshToken: string } | undefined;
  /** True when `token` was issued here, has not expired and its family was not revoked. */
  isAccessTokenValid(token: string | undefined): boolean;
  /** Fault for the next `count` token requests (default 1), then back to normal. */
  failNext(kind: FaultKind, count?: number): void;
  /** Registers a PKCE authorization code and its S256 code_challenge. */
  registerAuthorizationCode(code: string, codeChallenge: string): void;
  close(): Promise<void>;
}

interface Family {
  id: number;
  scopes: string[];
  hardEndAt: number | undefined;
  revoked: boolean;
  liveRefreshToken: string | undefined;
}

interface RefreshTokenRecord {
  family: Family;
  spent: boolean;
}

interface AccessTokenRecord {
  family: Family;
  expiresAt: number;
}

interface PendingFault {
  kind: FaultKind;
  remaining: number;
}

interface IssuedPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  expiresInSec: number;
  family: Family;
}

// Real tokens are about 108 characters; OpenClaw's paste-token refuses sk-ant-oat01- tokens under 80.
function randomPart(): string {
  return randomBytes(66).toString("base64url"); // 88 characters, 106 in all with the prefix
}

export function fakeAccessToken(): string {
  return `sk-ant-oat01-FAKE-${randomPart()}`;
}

export function fakeRefreshToken(): string {
  return `sk-ant-ort01-FAKE-${randomPart()}`;
}

/** base64url(sha256(verifier)), the PKCE S256 code challenge. */
export function pkceChallenge(codeVerifier: string): string {
  return createHash("sha256").update(codeVerifier).digest("base64url");
}

/** A Claude Code `.credentials.json` document for a login (plus optional extra top-level keys). */
export function claudeCredentialsJson(login: MintedLogin, extraTopLevel: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extraTopLevel,
    claudeAiOauth: {
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      expiresAt: login.expiresAt,
      ...(login.refreshTokenExpiresAt === undefined ? {} : { refreshTokenExpiresAt: login.refreshTokenExpiresAt }),
      scopes: login.scopes,
      subscriptionType: "max",
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function defaultFaultBody(status: number): string {
  if (status === 429) return JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "Rate limited (FAKE)" } });
  if (status >= 500) return JSON.stringify({ type: "error", error: { type: "api_error", message: "Internal server error (FAKE)" } });
  if (status === 400) return JSON.stringify(INVALID_GRANT);
  return JSON.stringify({ error: "fake_injected_error", error_description: `Injected HTTP ${status}` });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeTokenEndpoint(opts: FakeTokenEndpointOptions = {}): Promise<FakeTokenEndpoint> {
  const revokeFamilyOnReuse = opts.revokeFamilyOnReuse ?? true;
  const clientId = opts.clientId ?? CLAUDE_CODE_CLIENT_ID;
  const grantedScopes = [...(opts.scopes ?? DEFAULT_SCOPES)];

  const refreshTokens = new Map<string, RefreshTokenRecord>();
  const accessTokens = new Map<string, AccessTokenRecord>();
  const authCodes = new Map<string, { challenge: string; used: boolean }>();
  const faults: PendingFault[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let nextFamilyId = 1;
  let lastIssued: IssuedPair | undefined;
  let closed = false;

  const endpoint: FakeTokenEndpoint = {
    url: "",
    expiresInSec: opts.expiresInSec ?? 28800,
    answerDelayMs: 0,
    posts: [],
    issuedAccessTokens: [],
    issuedRefreshTokens: [],
    mintLogin(mintOpts = {}) {
      const family = newFamily(mintOpts.refreshTokenExpiresInSec);
      const pair = issue(family, mintOpts.expiresInSec);
      return {
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        expiresAt: pair.expiresAt,
        ...(family.hardEndAt === undefined ? {} : { refreshTokenExpiresAt: family.hardEndAt }),
        scopes: [...family.scopes],
      };
    },
    latest() {
      if (!lastIssued) return undefined;
      const record = refreshTokens.get(lastIssued.refreshToken);
      if (!record || record.spent || record.family.revoked) return undefined;
      return { accessToken: lastIssued.accessToken, refreshToken: lastIssued.refreshToken };
    },
    isAccessTokenValid(token) {
      if (token === undefined) return false;
      const record = accessTokens.get(token);
      return record !== undefined && !record.family.revoked && record.expiresAt > Date.now();
    },
    failNext(kind, count = 1) {
      if (count > 0) faults.push({ kind, remaining: count });
    },
    registerAuthorizationCode(code, codeChallenge) {
      authCodes.set(code, { challenge: codeChallenge, used: false });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      timers.clear();
      await listening.close();
    },
  };

  function newFamily(hardEndInSec?: number): Family {
    return {
      id: nextFamilyId++,
      scopes: [...grantedScopes],
      hardEndAt: hardEndInSec === undefined ? undefined : Date.now() + hardEndInSec * 1000,
      revoked: false,
      liveRefreshToken: undefined,
    };
  }

  function issue(family: Family, expiresInSec = endpoint.expiresInSec): IssuedPair {
    const accessToken = fakeAccessToken();
    const refreshToken = fakeRefreshToken();
    const expiresAt = Date.now() + expiresInSec * 1000;
    accessTokens.set(accessToken, { family, expiresAt });
    refreshTokens.set(refreshToken, { family, spent: false });
    family.liveRefreshToken = refreshToken;
    endpoint.issuedAccessTokens.push(accessToken);
    endpoint.issuedRefreshTokens.push(refreshToken);
    lastIssued = { accessToken, refreshToken, expiresAt, expiresInSec, family };
    return lastIssued;
  }

  function revokeFamily(family: Family): void {
    family.revoked = true;
    if (family.liveRefreshToken) {
      const live = refreshTokens.get(family.liveRefreshToken);
      if (live) live.spent = true;
    }
    family.liveRefreshToken = undefined;
  }

  function tokenResponse(pair: IssuedPair): Record<string, unknown> {
    const family = pair.family;
    return {
      access_token: pair.accessToken,
      refresh_token: pair.refreshToken,
      expires_in: pair.expiresInSec,
      ...(family.hardEndAt === undefined
        ? {}
        : { refresh_token_expires_in: Math.max(0, Math.floor((family.hardEndAt - Date.now()) / 1000)) }),
      token_type: "Bearer",
      scope: family.scopes.join(" "),
      account: { uuid: `00000000-0000-4000-8000-${String(family.id).padStart(12, "0")}`, email_address: `fake-user-${family.id}@example.test` },
      organization: { uuid: `11111111-1111-4111-8111-${String(family.id).padStart(12, "0")}`, name: "FAKE Test Org" },
    };
  }

  type Outcome = { status: number; body: Record<string, unknown> };

  // Validates and performs the grant. Rotation happens here, synchronously.
  function grant(body: Record<string, unknown>): Outcome {
    const grantType = body.grant_type;
    if (grantType !== "refresh_token" && grantType !== "authorization_code") {
      return { status: 400, body: { error: "unsupported_grant_type", error_description: `Unsupported grant_type: ${String(grantType)}` } };
    }
    if (body.client_id !== clientId) {
      return { status: 401, body: { error: "invalid_client", error_description: "Client authentication failed" } };
    }
    if (grantType === "refresh_token") {
      const token = body.refresh_token;
      if (typeof token !== "string" || token === "") {
        return { status: 400, body: { error: "invalid_request", error_description: "Missing refresh_token" } };
      }
      const record = refreshTokens.get(token);
      if (!record) return { status: 400, body: INVALID_GRANT };
      const family = record.family;
      if (record.spent || family.revoked) {
        if (record.spent && revokeFamilyOnReuse) revokeFamily(family);
        return { status: 400, body: INVALID_GRANT };
      }
      if (family.hardEndAt !== undefined && family.hardEndAt <= Date.now()) {
        revokeFamily(family);
        return { status: 400, body: INVALID_GRANT };
      }
      if (body.scope !== undefined) {
        const requested = typeof body.scope === "string" ? body.scope.split(/\s+/).filter(Boolean) : undefined;
        if (!requested || requested.some((s) => !family.scopes.includes(s))) {
          return { status: 400, body: { error: "invalid_scope", error_description: "The requested scope is invalid, unknown, or malformed" } };
        }
      }
      record.spent = true;
      return { status: 200, body: tokenResponse(issue(family)) };
    }
    // authorization_code (PKCE)
    for (const key of ["code", "state", "redirect_uri", "code_verifier"] as const) {
      if (typeof body[key] !== "string" || body[key] === "") {
        return { status: 400, body: { error: "invalid_request", error_description: `Missing ${key}` } };
      }
    }
    const code = body.code as string;
    const entry = authCodes.get(code);
    if (!entry || entry.used) return { status: 400, body: { error: "invalid_grant", error_description: "Invalid or expired authorization code" } };
    entry.used = true;
    if (pkceChallenge(body.code_verifier as string) !== entry.challenge) {
      return { status: 400, body: { error: "invalid_grant", error_description: "Invalid code verifier" } };
    }
    return { status: 200, body: tokenResponse(issue(newFamily())) };
  }

  function takeFault(): FaultKind | undefined {
    const head = faults[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) faults.shift();
    return head.kind;
  }

  // Resolves true after ms, or false as soon as the client goes away (or the server closes).
  function waitUnlessGone(res: ServerResponse, ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let done = false;
      const finish = (value: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(entry.timer);
        timers.delete(entry);
        res.off("close", onClose);
        resolve(value);
      };
      const onClose = (): void => finish(false);
      const entry = { timer: setTimeout(() => finish(!closed && !res.destroyed), ms), resolve: () => finish(false) };
      timers.add(entry);
      res.on("close", onClose);
    });
  }

  function send(res: ServerResponse, post: TokenPost | undefined, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    if (post) post.status = status;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const raw = await readBody(req);
    if (req.method !== "POST" || path !== TOKEN_PATH) {
      send(res, undefined, 404, JSON.stringify({ type: "error", error: { type: "not_found_error", message: `No route for ${req.method} ${path}` } }));
      return;
    }
    let body: Record<string, unknown> = {};
    let parsedOk = false;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isRecord(parsed)) {
        body = parsed;
        parsedOk = true;
      }
    } catch {
      // handled below
    }
    if (!parsedOk) body = { _raw: raw };
    const userAgent = req.headers["user-agent"];
    const post: TokenPost = { at: Date.now(), path, body, status: 0, userAgent };
    endpoint.posts.push(post);

    const fault = takeFault();
    if (fault && "hangup" in fault) {
      res.socket?.destroy();
      return;
    }
    if (fault && "status" in fault) {
      send(res, post, fault.status, fault.body ?? defaultFaultBody(fault.status), fault.headers);
      return;
    }
    if (fault && "stallMs" in fault) {
      // Nothing happens server-side unless the client is still waiting when the stall ends.
      if (!(await waitUnlessGone(res, fault.stallMs))) return;
    }
    if (!parsedOk) {
      send(res, post, 400, JSON.stringify({ error: "invalid_request", error_description: "Body must be a JSON object" }));
      return;
    }
    const outcome = grant(body);
    const stallAfterGrant = fault && "rotateThenStallMs" in fault ? fault.rotateThenStallMs : endpoint.answerDelayMs;
    if (stallAfterGrant > 0) {
      // The rotation above already happened; the answer may never reach the client.
      if (!(await waitUnlessGone(res, stallAfterGrant))) return;
    }
    send(res, post, outcome.status, JSON.stringify(outcome.body), { "cache-control": "no-store" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, undefined, 500, JSON.stringify({ error: "fake_server_error", error_description: String(error) }));
    });
  });
  const listening = await listenOnLoopback(server);
  const { port } = listening;
  endpoint.url = `http://127.0.0.1:${port}${TOKEN_PATH}`;
  return endpoint;
}
