// The one fake of Anthropic's token server, as state without I/O: which refresh tokens are live,
// spent or unknown, which access tokens were issued and until when, which logins ("families") were
// revoked, and the answer a token request gets. Every fake token endpoint of the project is a shell
// around it: the HTTP server of the e2e suites (fake-token-endpoint.ts), the in-process `post` of
// the unit tests (InProcessTokenEndpoint below) and the bench's month (bench/month/endpoint.ts).
// Behaviour as in /work/shared/notes/anthropic-oauth.md: every refresh token works exactly once; a
// spent or unknown one answers 400 invalid_grant; replaying a spent one may revoke the login.
//
// Runs under Node's type stripping too (the bench): no parameter properties, no enums, type-only
// imports marked.

import { createHash, randomBytes } from "node:crypto";
import type { RawAnswer, TokenRequest } from "../../src/login/token-endpoint.js";

export const CLAUDE_CODE_CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
export const DEFAULT_SCOPES = [
  "user:profile",
  "user:inference",
  "user:sessions:claude_code",
  "user:mcp_servers",
  "user:file_upload",
  "user:plugins",
] as const;
export const INVALID_GRANT = { error: "invalid_grant", error_description: "Refresh token not found or invalid" };

export interface MintedLogin {
  accessToken: string;
  refreshToken: string;
  /** ms since epoch. */
  expiresAt: number;
  /** ms since epoch; only when the login has a hard end (refreshTokenExpiresInSec). */
  refreshTokenExpiresAt?: number;
  scopes: string[];
}

export interface TokenRotationOptions {
  /** Replaying a spent refresh token also revokes the family's live pair. Default true. */
  revokeFamilyOnReuse?: boolean;
  /** client_id the server accepts; false accepts any. Default Claude Code's public client id. */
  clientId?: string | false;
  /** expires_in of issued access tokens (seconds). Default 28800. Also settable later. */
  expiresInSec?: number;
  /** Scopes granted to a login. Default Claude Code's scopes. */
  scopes?: readonly string[];
  /** The server's clock (ms). Default Date.now. */
  now?: () => number;
  /** Names the n-th issued token (n counts every issued pair, logins minted here included). Default: random, FAKE-marked. */
  newToken?: (kind: "access" | "refresh", n: number) => string;
  /** The answer also carries scope, account and organization, as Anthropic's does. Default true. */
  fullAnswer?: boolean;
}

export interface Grant {
  status: number;
  body: Record<string, unknown>;
  /** The request replayed a refresh token that had already been spent. */
  reuse: boolean;
}

interface Family {
  id: number;
  scopes: string[];
  hardEndAt: number | undefined;
  revoked: boolean;
  liveRefreshToken: string | undefined;
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

export class TokenRotation {
  /** expires_in (seconds) of the next issued tokens. */
  expiresInSec: number;
  /** Every access token ever issued (for leak scans). */
  readonly issuedAccessTokens: string[] = [];
  /** Every refresh token ever issued (for leak scans). */
  readonly issuedRefreshTokens: string[] = [];
  private readonly revokeFamilyOnReuse: boolean;
  private readonly clientId: string | false;
  private readonly grantedScopes: string[];
  private readonly now: () => number;
  private readonly newToken: (kind: "access" | "refresh", n: number) => string;
  private readonly fullAnswer: boolean;
  private readonly refreshTokens = new Map<string, { family: Family; spent: boolean }>();
  private readonly accessTokens = new Map<string, { family: Family; expiresAt: number }>();
  private readonly authCodes = new Map<string, { challenge: string; used: boolean }>();
  private nextFamilyId = 1;
  private issuedPairs = 0;
  private lastIssued: IssuedPair | undefined;

  constructor(opts: TokenRotationOptions = {}) {
    this.revokeFamilyOnReuse = opts.revokeFamilyOnReuse ?? true;
    this.clientId = opts.clientId ?? CLAUDE_CODE_CLIENT_ID;
    this.grantedScopes = [...(opts.scopes ?? DEFAULT_SCOPES)];
    this.expiresInSec = opts.expiresInSec ?? 28800;
    this.now = opts.now ?? Date.now;
    this.newToken = opts.newToken ?? ((kind) => (kind === "access" ? fakeAccessToken() : fakeRefreshToken()));
    this.fullAnswer = opts.fullAnswer ?? true;
  }

  /** Creates a fresh login (token family), e.g. to write a credentials file. */
  mintLogin(opts: { expiresInSec?: number; refreshTokenExpiresInSec?: number } = {}): MintedLogin {
    const family = this.newFamily(opts.refreshTokenExpiresInSec);
    const pair = this.issue(family, opts.expiresInSec);
    return {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: pair.expiresAt,
      ...(family.hardEndAt === undefined ? {} : { refreshTokenExpiresAt: family.hardEndAt }),
      scopes: [...family.scopes],
    };
  }

  /**
   * The server now knows one live refresh token, `refreshToken`, made elsewhere (a login a test
   * wrote itself, or a rotation by another client): every other refresh token is spent.
   */
  replaceLogin(refreshToken: string): void {
    for (const record of this.refreshTokens.values()) record.spent = true;
    const family = this.newFamily();
    family.liveRefreshToken = refreshToken;
    this.refreshTokens.set(refreshToken, { family, spent: false });
    this.lastIssued = { accessToken: "", refreshToken, expiresAt: 0, expiresInSec: 0, family };
  }

  /** The most recently issued pair, if it is still live (its refresh token unspent, family not revoked). */
  latest(): { accessToken: string; refreshToken: string } | undefined {
    const last = this.lastIssued;
    if (!last || !this.isRefreshTokenLive(last.refreshToken)) return undefined;
    return { accessToken: last.accessToken, refreshToken: last.refreshToken };
  }

  isRefreshTokenLive(token: string): boolean {
    const record = this.refreshTokens.get(token);
    return record !== undefined && !record.spent && !record.family.revoked;
  }

  /** True when `token` was issued (or made live) here and has been spent since. */
  isRefreshTokenSpent(token: string): boolean {
    return this.refreshTokens.get(token)?.spent === true;
  }

  /** True when `token` was issued here, has not expired and its family was not revoked. */
  isAccessTokenValid(token: string | undefined): boolean {
    if (token === undefined) return false;
    const record = this.accessTokens.get(token);
    return record !== undefined && !record.family.revoked && record.expiresAt > this.now();
  }

  /** True when `token` was issued here and its login was revoked since. */
  isRevoked(accessToken: string): boolean {
    return this.accessTokens.get(accessToken)?.family.revoked ?? false;
  }

  /** Registers a PKCE authorization code and its S256 code_challenge. */
  registerAuthorizationCode(code: string, codeChallenge: string): void {
    this.authCodes.set(code, { challenge: codeChallenge, used: false });
  }

  /** Validates and performs a token request's grant; the rotation happens here, at once. */
  grant(body: Record<string, unknown>): Grant {
    const answer = (status: number, answerBody: Record<string, unknown>, reuse = false): Grant => ({ status, body: answerBody, reuse });
    const grantType = body.grant_type;
    if (grantType !== "refresh_token" && grantType !== "authorization_code") {
      return answer(400, { error: "unsupported_grant_type", error_description: `Unsupported grant_type: ${String(grantType)}` });
    }
    if (this.clientId !== false && body.client_id !== this.clientId) {
      return answer(401, { error: "invalid_client", error_description: "Client authentication failed" });
    }
    if (grantType === "authorization_code") return this.grantCode(body);
    const token = body.refresh_token;
    if (typeof token !== "string" || token === "") return answer(400, { error: "invalid_request", error_description: "Missing refresh_token" });
    const record = this.refreshTokens.get(token);
    if (!record) return answer(400, INVALID_GRANT);
    const family = record.family;
    if (record.spent || family.revoked) {
      if (record.spent && this.revokeFamilyOnReuse) this.revokeFamily(family);
      return answer(400, INVALID_GRANT, record.spent);
    }
    if (family.hardEndAt !== undefined && family.hardEndAt <= this.now()) {
      this.revokeFamily(family);
      return answer(400, INVALID_GRANT);
    }
    if (body.scope !== undefined) {
      const requested = typeof body.scope === "string" ? body.scope.split(/\s+/).filter(Boolean) : undefined;
      if (!requested || requested.some((s) => !family.scopes.includes(s))) {
        return answer(400, { error: "invalid_scope", error_description: "The requested scope is invalid, unknown, or malformed" });
      }
    }
    record.spent = true;
    return answer(200, this.tokenResponse(this.issue(family)));
  }

  private grantCode(body: Record<string, unknown>): Grant {
    const answer = (status: number, answerBody: Record<string, unknown>): Grant => ({ status, body: answerBody, reuse: false });
    for (const key of ["code", "state", "redirect_uri", "code_verifier"] as const) {
      if (typeof body[key] !== "string" || body[key] === "") return answer(400, { error: "invalid_request", error_description: `Missing ${key}` });
    }
    const entry = this.authCodes.get(body.code as string);
    if (!entry || entry.used) return answer(400, { error: "invalid_grant", error_description: "Invalid or expired authorization code" });
    entry.used = true;
    if (pkceChallenge(body.code_verifier as string) !== entry.challenge) {
      return answer(400, { error: "invalid_grant", error_description: "Invalid code verifier" });
    }
    return answer(200, this.tokenResponse(this.issue(this.newFamily())));
  }

  private newFamily(hardEndInSec?: number): Family {
    return {
      id: this.nextFamilyId++,
      scopes: [...this.grantedScopes],
      hardEndAt: hardEndInSec === undefined ? undefined : this.now() + hardEndInSec * 1000,
      revoked: false,
      liveRefreshToken: undefined,
    };
  }

  private issue(family: Family, expiresInSec = this.expiresInSec): IssuedPair {
    this.issuedPairs += 1;
    const accessToken = this.newToken("access", this.issuedPairs);
    const refreshToken = this.newToken("refresh", this.issuedPairs);
    const expiresAt = this.now() + expiresInSec * 1000;
    this.accessTokens.set(accessToken, { family, expiresAt });
    this.refreshTokens.set(refreshToken, { family, spent: false });
    family.liveRefreshToken = refreshToken;
    this.issuedAccessTokens.push(accessToken);
    this.issuedRefreshTokens.push(refreshToken);
    this.lastIssued = { accessToken, refreshToken, expiresAt, expiresInSec, family };
    return this.lastIssued;
  }

  private revokeFamily(family: Family): void {
    family.revoked = true;
    if (family.liveRefreshToken) {
      const live = this.refreshTokens.get(family.liveRefreshToken);
      if (live) live.spent = true;
    }
    family.liveRefreshToken = undefined;
  }

  private tokenResponse(pair: IssuedPair): Record<string, unknown> {
    const tokens = { access_token: pair.accessToken, refresh_token: pair.refreshToken, expires_in: pair.expiresInSec, token_type: "Bearer" };
    if (!this.fullAnswer) return tokens;
    const family = pair.family;
    return {
      ...tokens,
      ...(family.hardEndAt === undefined ? {} : { refresh_token_expires_in: Math.max(0, Math.floor((family.hardEndAt - this.now()) / 1000)) }),
      scope: family.scopes.join(" "),
      account: { uuid: `00000000-0000-4000-8000-${String(family.id).padStart(12, "0")}`, email_address: `fake-user-${family.id}@example.test` },
      organization: { uuid: `11111111-1111-4111-8111-${String(family.id).padStart(12, "0")}`, name: "FAKE Test Org" },
    };
  }
}

/** The plugin's `post` (TokenRequest -> RawAnswer) answered in-process by a TokenRotation: unit tests, the bench. */
export class InProcessTokenEndpoint {
  readonly rotation: TokenRotation;
  /** Every request, with the server clock's time. */
  readonly requests: Array<{ at: number; request: TokenRequest }> = [];
  /** Answers for the next requests instead of the rotation's (each used once, in order). */
  script: Array<() => RawAnswer | Promise<RawAnswer>> = [];
  /** While set, every request waits for it before it is answered. */
  gate: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly yieldFirst: boolean;

  /** `yieldFirst`: answer on a later turn of the event loop (setImmediate), like a real round trip. */
  constructor(opts: TokenRotationOptions & { live?: string; yieldFirst?: boolean } = {}) {
    this.rotation = new TokenRotation(opts);
    this.now = opts.now ?? Date.now;
    this.yieldFirst = opts.yieldFirst ?? false;
    if (opts.live !== undefined) this.rotation.replaceLogin(opts.live);
  }

  /** The refresh token the server would accept now (undefined once it was spent and nothing followed). */
  get live(): string | undefined {
    return this.rotation.latest()?.refreshToken;
  }

  /** Another client rotated (or a new login was made): only `token` is live from now on. */
  set live(token: string | undefined) {
    if (token !== undefined) this.rotation.replaceLogin(token);
  }

  readonly post = async (request: TokenRequest): Promise<RawAnswer> => {
    this.requests.push({ at: this.now(), request: structuredClone(request) });
    if (this.yieldFirst) await new Promise((r) => setImmediate(r));
    if (this.gate) await this.gate;
    const scripted = this.script.shift();
    if (scripted) return scripted();
    return grantAnswer(this.rotation.grant(request.body));
  };
}

/** A Grant as the plugin's `post` returns it. */
export function grantAnswer(grant: Grant): RawAnswer {
  const headers = new Headers({ "content-type": "application/json" });
  return { status: grant.status, headers, body: JSON.stringify(grant.body) };
}
