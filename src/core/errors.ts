import { redact } from "./redact.js";

/**
 * One error type for everything the plugin reports, so callers branch on `code`, never on
 * message text. Messages are written for the operator: what is wrong and what to do.
 * They never contain token material (see `redact.ts`).
 */
export type ErrorCode =
  | "config_invalid"
  | "credentials_missing"
  | "credentials_invalid"
  | "needs_login" // the login is gone (invalid_grant, blanked file): a human must log in again
  | "rate_limited"
  | "server_error"
  | "network" // the request never reached the server: safe to retry with the same token
  | "outcome_unknown" // the request may have reached the server (timeout, reset): it may have rotated
  | "token_maybe_spent" // this refresh token may already be spent (an earlier unknown outcome): never sent again
  | "edge_refused" // Anthropic's edge (CDN, WAF) answered, not the OAuth server: nothing was spent, retry later
  | "bad_response"
  | "rejected" // a 4xx that is neither invalid_grant nor 429: a config or client problem
  | "lock_busy"
  | "persist_failed"
  | "publish_failed";

export class PluginError extends Error {
  readonly code: ErrorCode;
  /** For `rate_limited`: how long the server asked us to wait. */
  readonly retryAfterMs: number | undefined;
  /**
   * The message without the advice at its end ("what to do"), for a caller that gives advice of
   * its own (e.g. `import`, whose own input is the bad file); absent when the message has none.
   */
  readonly problem: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number; problem?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PluginError";
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
    this.problem = options?.problem;
  }
}

/**
 * Errors after which the same request may succeed later, without a human. Not `outcome_unknown`
 * nor `token_maybe_spent`: the same request would send a refresh token that may already be spent,
 * and a second use of a spent token revokes the login (see refresh.ts).
 */
export function isRetryable(code: ErrorCode): boolean {
  return (
    code === "rate_limited" ||
    code === "server_error" ||
    code === "edge_refused" ||
    code === "network" ||
    code === "bad_response" ||
    code === "lock_busy" ||
    code === "persist_failed" ||
    code === "publish_failed"
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Anything thrown, as a `PluginError` callers can branch on: one keeps its code; anything else (a
 * bug, a system error) gets `fallback`, with any token in its message masked.
 */
export function asPluginError(err: unknown, fallback: ErrorCode): PluginError {
  return err instanceof PluginError ? err : new PluginError(fallback, redact(errorMessage(err)), { cause: err });
}
