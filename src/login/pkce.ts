import { createHash, randomBytes } from "node:crypto";
import { PluginError } from "../core/errors.js";
import type { TokenRequest } from "./token-endpoint.js";

/**
 * The paste-the-code login (OAuth 2 authorization code with PKCE, as Claude Code does it): the
 * user opens a URL in any browser, approves, and pastes back `code#state`. Pure apart from the
 * random bytes, which the caller may pass in.
 */

export const REDIRECT_URI = "https://platform.claude.com/oauth/code/callback";
export const LOGIN_SCOPES = ["org:create_api_key", "user:profile", "user:inference", "user:sessions:claude_code", "user:mcp_servers", "user:file_upload"];

export interface PkcePair {
  verifier: string;
  challenge: string;
  state: string;
}

export function createPkce(random: (n: number) => Buffer = randomBytes): PkcePair {
  const verifier = random(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = random(32).toString("base64url");
  return { verifier, challenge, state };
}

export function buildAuthorizeUrl(authorizeUrl: string, clientId: string, pkce: PkcePair): string {
  const url = new URL(authorizeUrl);
  url.searchParams.set("code", "true");
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("redirect_uri", REDIRECT_URI);
  url.searchParams.set("scope", LOGIN_SCOPES.join(" "));
  url.searchParams.set("code_challenge", pkce.challenge);
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", pkce.state);
  return url.toString();
}

/** What the callback page shows is `code#state`; people also paste the whole callback URL. */
export function parsePastedCode(pasted: string, expectedState: string): string {
  let text = pasted.trim();
  if (text === "") throw new PluginError("rejected", "Nothing was pasted. Paste the code the browser showed after you approved (it looks like code#state).");
  if (/^https?:\/\//.test(text)) {
    const url = new URL(text);
    const code = url.searchParams.get("code");
    const state = url.searchParams.get("state") ?? url.hash.replace(/^#/, "");
    if (!code) throw new PluginError("rejected", "The pasted URL has no code in it. Paste the code the page showed (code#state).");
    text = `${code}#${state}`;
  }
  const hash = text.indexOf("#");
  if (hash <= 0) throw new PluginError("rejected", "The pasted text is not code#state. Copy the whole code the page showed, including the part after #.");
  const code = text.slice(0, hash);
  const state = text.slice(hash + 1);
  if (state !== expectedState) {
    throw new PluginError("rejected", "The pasted code belongs to a different login attempt (state mismatch), so it was refused. Run the login command again and use the new URL.");
  }
  return code;
}

export function buildCodeExchangeRequest(tokenUrl: string, clientId: string, code: string, pkce: PkcePair, userAgent?: string): TokenRequest {
  return {
    url: tokenUrl,
    body: { grant_type: "authorization_code", code, state: pkce.state, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: pkce.verifier },
    ...(userAgent ? { userAgent } : {}),
  };
}
