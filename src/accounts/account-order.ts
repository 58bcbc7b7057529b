import type { ServiceStatus } from "../status/types.js";
import type { Usage } from "./usage.js";
import { windowLabel } from "./usage-windows.js";

/**
 * Which of the plugin's accounts agents should use first, as a pure function of each account's
 * standing, its usage and the clock. The rules (README "Several accounts"):
 * - the account in use stays first (the prompt cache lives with it) until one of its windows
 *   reaches `switchAtPercent`, or it cannot serve (token invalid), or it needs a login;
 * - then the healthy account with the most room left (the lowest of its highest window) goes first;
 * - an account at 100 % of any window, or needing a login, goes last until that window's reset
 *   passes (or a new login arrives);
 * - nothing else moves the first account, so the order does not flap.
 */

export interface AccountStanding {
  name: string;
  /** False when its access token cannot be used now (expired, missing, broken file). */
  serving: boolean;
  needsLogin: boolean;
  /** The last usage answer, if any. */
  usage?: Pick<Usage, "windows">;
}

export interface OrderDecision {
  /** Every account, best first. */
  order: string[];
  /** Why the first account changed, for the log; absent when it did not change. */
  reason?: string;
}

interface WindowReading {
  name: string;
  label: string;
  utilization: number;
  resetsAt?: number;
}

/**
 * Every window the answer had, known or not (any one at its limit throttles the account); windows
 * whose reset moment has passed say nothing about now: their count started over.
 */
export function liveWindows(usage: AccountStanding["usage"], now: number): WindowReading[] {
  if (!usage) return [];
  return Object.entries(usage.windows).flatMap(([name, w]) => {
    if (w.resetsAt !== undefined && w.resetsAt <= now) return [];
    return [{ name, label: windowLabel(name), utilization: w.utilization, ...(w.resetsAt !== undefined ? { resetsAt: w.resetsAt } : {}) }];
  });
}

/** Pure: what the order policy needs of one account's status. */
export function standingOf(name: string, s: ServiceStatus, now: number): AccountStanding {
  const serving = s.accessTokenExpiresAt !== undefined && s.accessTokenExpiresAt > now && s.state !== "needs-login" && s.state !== "no-credentials";
  return { name, serving, needsLogin: s.state === "needs-login", ...(s.usage?.usage ? { usage: s.usage.usage } : {}) };
}

function fullest(windows: WindowReading[]): WindowReading | undefined {
  return windows.reduce<WindowReading | undefined>((top, w) => (!top || w.utilization > top.utilization ? w : top), undefined);
}

/** Pure: the highest live window's percentage; unknown usage counts as 0 (nothing says it is full). */
export function fullestPercent(account: AccountStanding, now: number): number {
  return fullest(liveWindows(account.usage, now))?.utilization ?? 0;
}

/** At 100 % of a window, or without a login: it cannot serve until a reset or a new login. */
export function isExhausted(account: AccountStanding, now: number): boolean {
  return account.needsLogin || liveWindows(account.usage, now).some((w) => w.utilization >= 100);
}

function isHealthy(account: AccountStanding, now: number): boolean {
  return account.serving && !isExhausted(account, now);
}

function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** Pure: why an account stopped being first, in the operator's words. */
export function whyNotFirst(account: AccountStanding, switchAtPercent: number, now: number): string | undefined {
  if (account.needsLogin) return `${account.name} needs a new login`;
  if (!account.serving) return `${account.name}'s token cannot be used`;
  const top = fullest(liveWindows(account.usage, now));
  if (top && top.utilization >= switchAtPercent) {
    return `${account.name} reached ${Math.round(top.utilization)} % of its ${top.label} window${top.resetsAt !== undefined ? `, resets ${clockTime(top.resetsAt)} UTC` : ""}`;
  }
  return undefined;
}

/**
 * Pure: the order for now. `previous` is the order in force (its first is the account in use);
 * accounts not in it (new ones) rank by room like the rest.
 */
export function decideOrder(accounts: readonly AccountStanding[], previous: readonly string[], switchAtPercent: number, now: number): OrderDecision {
  const rankOf = (name: string) => {
    const i = previous.indexOf(name);
    return i < 0 ? previous.length : i;
  };
  const earliestReset = (a: AccountStanding) => Math.min(...liveWindows(a.usage, now).filter((w) => w.utilization >= 100 && w.resetsAt !== undefined).map((w) => w.resetsAt as number), Number.POSITIVE_INFINITY);
  // Healthy first, most room first; then those at 100 %, soonest reset first; logins needed last.
  const tier = (a: AccountStanding) => (isHealthy(a, now) ? (fullestPercent(a, now) >= switchAtPercent ? 1 : 0) : a.needsLogin ? 4 : isExhausted(a, now) ? 3 : 2);
  const ranked = [...accounts].sort(
    (a, b) => tier(a) - tier(b) || fullestPercent(a, now) - fullestPercent(b, now) || earliestReset(a) - earliestReset(b) || rankOf(a.name) - rankOf(b.name) || a.name.localeCompare(b.name),
  );
  const current = accounts.find((a) => a.name === previous[0]);
  // Stickiness: the account in use keeps its place while nothing is wrong with it.
  if (current && whyNotFirst(current, switchAtPercent, now) === undefined && isHealthy(current, now)) {
    return { order: [current.name, ...ranked.filter((a) => a !== current).map((a) => a.name)] };
  }
  const order = ranked.map((a) => a.name);
  const first = order[0];
  if (!current || first === current.name || first === undefined) return { order };
  const why = whyNotFirst(current, switchAtPercent, now) ?? `${current.name} reached a window's limit`;
  return { order, reason: `${first} is first: ${why}` };
}

/**
 * Pure: the accounts agents must not use before a moment, by name (OpenClaw's `blockedUntil`,
 * which also moves sessions pinned to them). Only when the first account can take the load
 * (serving, not exhausted, under the threshold): blocking the last usable account helps no one.
 * - a dead login's access token still works until it expires: blocked until then, so sessions
 *   pinned to it move now (`tokenExpiresAt` says when, by name);
 * - an account at the threshold (at 100 % when exhausted) of a window: blocked until the latest
 *   such window resets.
 */
export function decideBlocks(accounts: readonly AccountStanding[], firstName: string | undefined, tokenExpiresAt: (name: string) => number | undefined, switchAtPercent: number, now: number): Record<string, number> {
  const blocked: Record<string, number> = {};
  const first = accounts.find((a) => a.name === firstName);
  if (!first || !first.serving || isExhausted(first, now) || fullestPercent(first, now) >= switchAtPercent) return blocked;
  for (const a of accounts) {
    if (a === first) continue;
    const expiresAt = tokenExpiresAt(a.name);
    if (a.needsLogin && expiresAt !== undefined && expiresAt > now) {
      blocked[a.name] = expiresAt;
      continue;
    }
    if (!a.usage) continue;
    const limit = isExhausted(a, now) ? 100 : switchAtPercent;
    const resets = liveWindows(a.usage, now).flatMap((w) => (w.utilization >= limit && w.resetsAt !== undefined ? [w.resetsAt] : []));
    if (resets.length) blocked[a.name] = Math.max(...resets);
  }
  return blocked;
}

/**
 * Pure: which blocked accounts lend their OpenClaw profile to the first account (name -> first).
 * OpenClaw keeps a Claude CLI session on the profile it started with and ignores blocks for it, so
 * a block alone moves only new sessions; a profile carrying the first account's token moves the
 * pinned ones too, with their conversation. Nothing is lent while the first has no token to give.
 * `nothingToTakeBack`: accounts whose profile was lent a token and that have no usable token of
 * their own (a dead login whose token has expired): they stay lent, block or not, since giving back
 * would leave their sessions on a token that cannot serve.
 */
export function decideLending(blocks: Readonly<Record<string, number>>, firstName: string | undefined, firstHasToken: boolean, nothingToTakeBack: readonly string[] = []): Map<string, string> {
  const lending = new Map<string, string>();
  if (firstName === undefined || !firstHasToken) return lending;
  for (const name of [...Object.keys(blocks), ...nothingToTakeBack]) if (name !== firstName) lending.set(name, firstName);
  return lending;
}

/**
 * Pure: what each profile that carried a lent token holds after this pass, by profile id. Every
 * profile lent now keeps `carry`. One lent before and not now gets its own account's token back,
 * compare-and-set against the lent token (`giveBack`: a newer token from the account's own
 * refresh is left alone); one whose account has no token of its own stays lent; one whose account
 * is gone is dropped. `ownToken` answers undefined for a profile of no account, `{}` for an
 * account without a token.
 */
export function decideGiveBack<T extends { accessToken: string }>(
  lastCarry: Readonly<Record<string, T>>,
  carry: Readonly<Record<string, T>>,
  ownToken: (profileId: string) => { token?: T } | undefined,
): { giveBack: Record<string, { token: T; lent: string }>; stillLent: Record<string, T> } {
  const giveBack: Record<string, { token: T; lent: string }> = {};
  const stillLent: Record<string, T> = { ...carry };
  for (const [id, lent] of Object.entries(lastCarry)) {
    if (id in carry) continue;
    const own = ownToken(id);
    if (own?.token) giveBack[id] = { token: own.token, lent: lent.accessToken };
    else if (own) stillLent[id] = lent;
  }
  return { giveBack, stillLent };
}

/** Pure: every account at or above the threshold (nowhere left to switch to), with the soonest reset. */
export function allNearlyUsedUp(accounts: readonly AccountStanding[], switchAtPercent: number, now: number): { firstResetAt?: number } | undefined {
  const candidates = accounts.filter((a) => !a.needsLogin);
  if (candidates.length === 0 || !candidates.every((a) => a.usage !== undefined && fullestPercent(a, now) >= switchAtPercent)) return undefined;
  const resets = candidates.flatMap((a) => liveWindows(a.usage, now).filter((w) => w.utilization >= switchAtPercent && w.resetsAt !== undefined).map((w) => w.resetsAt as number));
  return resets.length ? { firstResetAt: Math.min(...resets) } : {};
}
