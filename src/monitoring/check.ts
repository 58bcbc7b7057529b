import { worstHealth } from "../status/health.js";
import type { StatusJson } from "../status/types.js";

/**
 * `openclaw claude-oauth status --check` and the status route's `?check=1`: one line and one code
 * for cron jobs and uptime monitors. The codes follow OpenClaw's own `models status --check`:
 *   0 ok, 1 broken or expired (agents cannot use Claude), 2 needs attention soon (the login ends
 *   within 3 days, refreshes failing, tokens not saved).
 * Plain `status` exits 0 healthy / 1 attention / 2 broken instead; the two differ on purpose, each
 * following its own convention. The HTTP form answers 200 for ok and attention, 503 for broken:
 * an uptime monitor that sees only the code alerts when agents cannot work.
 * The health itself is the status model's (`health` in `status --json`); this only words it.
 */

export interface CheckResult {
  exitCode: 0 | 1 | 2;
  httpStatus: 200 | 503;
  line: string;
}

/** Pure: why one account has the health it has, in a few words. */
export function reasonOf(a: StatusJson): string {
  if (a.state === "needs-login") return "the login has ended, log in again";
  if (a.state === "no-credentials") return "no credentials, log in";
  if (a.state === "invalid-credentials") return "the credentials file cannot be read";
  if (a.accessToken?.expired && a.state !== "refreshing") return `access token expired${a.lastError ? ` (${a.lastError.code})` : ""}`;
  if (a.unsavedTokens) return "refreshed tokens not saved to the credentials file";
  if (a.state === "retrying" || a.state === "outcome-unknown") return `refresh failing (${a.lastError?.code ?? a.state}), token valid for ${a.accessToken?.validForMinutes ?? 0} min`;
  if (a.login) return `login ends in ${a.login.endsInDays} days`;
  return a.state;
}

/** Pure: the check's answer for a status view (every account when it has them). */
export function checkOf(view: StatusJson): CheckResult {
  const accounts: Array<StatusJson & { name?: string }> = view.accounts?.length ? view.accounts : [view];
  const worst = worstHealth(accounts.map((a) => a.health));
  const named = (a: StatusJson & { name?: string }) => (accounts.length > 1 ? `${a.name ?? "default"}: ` : "");
  const detail = accounts
    .filter((a) => a.health === worst)
    .map((a) => `${named(a)}${reasonOf(a)}`)
    .join("; ");
  switch (worst) {
    case "healthy":
      return { exitCode: 0, httpStatus: 200, line: `OK claude-oauth: ${detail}` };
    case "attention":
      return { exitCode: 2, httpStatus: 200, line: `WARNING claude-oauth: ${detail}` };
    case "broken":
      return { exitCode: 1, httpStatus: 503, line: `CRITICAL claude-oauth: ${detail}` };
  }
}
