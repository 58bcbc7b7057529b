import { DAY_MS } from "./durations.js";

/**
 * The limits that turn a fact into a warning, written once. Browser-safe (imports only
 * durations.ts): the dashboard page runs it too.
 */

/** Days before the login's hard end at which the owner is alerted; from the first one on, status says "attention". */
export const LOGIN_WARNING_DAYS = [3, 1] as const;

/** True when the login ends within the first warning's reach (3 days), or has ended. */
export function loginEndsSoon(endsAt: number | undefined, now: number): boolean {
  return endsAt !== undefined && endsAt - now <= LOGIN_WARNING_DAYS[0] * DAY_MS;
}
