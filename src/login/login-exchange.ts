import type { PluginConfig } from "../core/config.js";
import type { TokenSet } from "./credentials.js";
import { defaultStoreDeps, saveLogin } from "./credentials-store.js";
import { PluginError, errorMessage } from "../core/errors.js";
import { buildCodeExchangeRequest, type PkcePair } from "./pkce.js";
import { redact } from "../core/redact.js";
import { parseTokenAnswer, postToken, type FetchLike } from "./token-endpoint.js";

/**
 * The end of a paste-the-code login, shared by `openclaw claude-oauth login` and `/claude login`
 * in the chat: exchange the code (one POST, with the verifier that never left this process),
 * save the new login under the refresh lock (0600, other keys of the file kept), then let the
 * caller publish it (the CLI hands that to the gateway; the chat command runs inside it).
 */
export async function completeLogin<T>(
  config: PluginConfig,
  code: string,
  pkce: PkcePair,
  publish: () => Promise<T>,
  options: { fetch?: FetchLike; now?: () => number } = {},
): Promise<{ tokens: TokenSet; published: T }> {
  const answer = await postToken(buildCodeExchangeRequest(config.tokenUrl, config.clientId, code, pkce, config.userAgent), options.fetch ? { fetch: options.fetch } : {});
  const tokens = parseTokenAnswer(answer, (options.now ?? Date.now)());
  // Under every lock that guards the file (Claude Code's too, when the file is its own).
  await saveLogin(defaultStoreDeps(config), tokens);
  return { tokens, published: await publish() };
}

/** Why a login failed, in words for the person who pasted the code; never token material. */
export function loginFailureMessage(err: unknown, retryHint = "run the login command again"): string {
  const message = err instanceof PluginError && err.code === "needs_login" ? `the code was refused (${err.message}) Codes work once and expire quickly: ${retryHint}.` : errorMessage(err);
  return redact(message);
}
