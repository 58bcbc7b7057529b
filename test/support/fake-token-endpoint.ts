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

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";
import { INVALID_GRANT, TokenRotation, type MintedLogin, type TokenRotationOptions } from "./token-rotation.js";

export {
  CLAUDE_CODE_CLIENT_ID,
  DEFAULT_SCOPES,
  InProcessTokenEndpoint,
  TokenRotation,
  fakeAccessToken,
  fakeRefreshToken,
  grantAnswer,
  pkceChallenge,
  type MintedLogin,
  type TokenRotationOptions,
} from "./token-rotation.js";

const TOKEN_PATH = "/v1/oauth/token";

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

/** revokeFamilyOnReuse, clientId, expiresInSec, scopes: see TokenRotationOptions. */
export type FakeTokenEndpointOptions = Pick<TokenRotationOptions, "revokeFamilyOnReuse" | "clientId" | "expiresInSec" | "scopes">;

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

interface PendingFault {
  kind: FaultKind;
  remaining: number;
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
  const rotation = new TokenRotation(opts);
  const faults: PendingFault[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closed = false;

  const endpoint: FakeTokenEndpoint = {
    url: "",
    get expiresInSec() {
      return rotation.expiresInSec;
    },
    set expiresInSec(value: number) {
      rotation.expiresInSec = value;
    },
    answerDelayMs: 0,
    posts: [],
    issuedAccessTokens: rotation.issuedAccessTokens,
    issuedRefreshTokens: rotation.issuedRefreshTokens,
    mintLogin: (mintOpts) => rotation.mintLogin(mintOpts),
    latest: () => rotation.latest(),
    isAccessTokenValid: (token) => rotation.isAccessTokenValid(token),
    failNext(kind, count = 1) {
      if (count > 0) faults.push({ kind, remaining: count });
    },
    registerAuthorizationCode: (code, codeChallenge) => rotation.registerAuthorizationCode(code, codeChallenge),
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
    const outcome = rotation.grant(body);
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
