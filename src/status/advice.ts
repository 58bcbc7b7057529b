import { loginEndsSoon } from "./thresholds.js";
import type { StatusJson } from "./types.js";

/**
 * What the owner should do about an account, decided once for every surface; each surface words
 * it for its medium (chat: `/claude …`, dashboard: commands to copy). Pure; browser-safe (the
 * dashboard page runs it too). The most urgent condition wins, in this order.
 */
export type Advice =
  /** The server refused the refresh token: only a new login helps. */
  | { kind: "log-in"; why: "login-ended" }
  /** No credentials file yet. */
  | { kind: "log-in"; why: "no-login" }
  /** The file cannot be used: fix it or replace it with a new login. */
  | { kind: "replace-file"; problem?: string }
  /** The service is not running in this gateway. */
  | { kind: "check-gateway-log" }
  /** Refreshed tokens live only in memory: make the file writable before anything restarts. */
  | { kind: "fix-disk"; problem?: string }
  /** The access token has expired with no refresh running: refresh by hand, else log in. */
  | { kind: "refresh-now" }
  /** Refreshes fail for now; the plugin retries by itself. */
  | { kind: "wait-for-retry"; retryAt?: number; problem?: string }
  /** The login ends within the warning window (3 days); refreshing cannot extend it. */
  | { kind: "log-in-before-end"; endsAt: number };

/** Undefined when all is well. */
export function adviceFor(s: StatusJson, now: number): Advice | undefined {
  const problem = s.lastError?.message;
  switch (s.state) {
    case "needs-login":
      return { kind: "log-in", why: "login-ended" };
    case "no-credentials":
      return { kind: "log-in", why: "no-login" };
    case "invalid-credentials":
      return { kind: "replace-file", ...(problem ? { problem } : {}) };
    case "stopped":
      return { kind: "check-gateway-log" };
    default:
      break;
  }
  if (s.unsavedTokens) return { kind: "fix-disk", ...(problem ? { problem } : {}) };
  if (s.accessToken?.expired && s.state !== "refreshing") return { kind: "refresh-now" };
  if (s.state === "retrying" || s.state === "outcome-unknown") return { kind: "wait-for-retry", ...(s.retryAt ? { retryAt: Date.parse(s.retryAt) } : {}), ...(problem ? { problem } : {}) };
  if (s.login && loginEndsSoon(Date.parse(s.login.endsAt), now)) return { kind: "log-in-before-end", endsAt: Date.parse(s.login.endsAt) };
  return undefined;
}
