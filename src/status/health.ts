import type { Health, ServiceStatus } from "./types.js";
import { loginEndsSoon } from "./thresholds.js";

/**
 * How an account is doing, in three words, and what that means for an exit code. Pure functions
 * of a status and the clock.
 */

/** broken: agents cannot use Claude (or soon will not) until a person acts; attention: it may fix itself, or must be acted on soon. */
export function healthOf(status: ServiceStatus, now: number): Health {
  const expired = status.accessTokenExpiresAt !== undefined && status.accessTokenExpiresAt <= now;
  if (status.state === "needs-login" || status.state === "no-credentials" || status.state === "invalid-credentials") return "broken";
  if (expired && status.state !== "refreshing") return "broken";
  if (status.state === "retrying" || status.state === "outcome-unknown" || status.unsavedTokens) return "attention";
  if (loginEndsSoon(status.loginEndsAt, now)) return "attention";
  return "healthy";
}

const RANK: Readonly<Record<Health, number>> = { healthy: 0, attention: 1, broken: 2 };

/** The worst of several accounts' health: what a monitor must notice. Healthy when there are none. */
export function worstHealth(healths: Iterable<Health>): Health {
  let worst: Health = "healthy";
  for (const h of healths) if (RANK[h] > RANK[worst]) worst = h;
  return worst;
}

/** `status`'s exit code: 0 healthy, 1 attention, 2 broken. */
export function exitCodeFor(health: Health): 0 | 1 | 2 {
  return RANK[health] as 0 | 1 | 2;
}
