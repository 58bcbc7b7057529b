import type { ClaudeOAuth } from "../login/credentials.js";
import type { ErrorCode } from "../core/errors.js";
import { isRetryable } from "../core/errors.js";
import type { ServiceEventKind } from "../alerts/event-log.js";
import type { ServiceState, ServiceStatus } from "../status/types.js";
import type { RefreshOptions, RefreshResult, UnsavedTokens } from "../login/refresh.js";
import { OPENCLAW_CUTOFF_MS, effectiveMarginMs, isRefreshDue, nextWakeDelay, refreshDueAt, retryDelay } from "../login/schedule.js";
import {
  maybeSpentMessage,
  newLoginMessages,
  notDueMessage,
  refreshFailedEvent,
  refreshFailedMessage,
  refreshedElsewhereMessage,
  refreshedMessage,
  refreshedUnsavedMessage,
  retryingMessage,
  validityMessage,
} from "./messages.js";

/**
 * One login's lifecycle as pure decisions: given what the service knows (a `Lifecycle` snapshot),
 * the time and what just happened, the next snapshot and what to do or say (`Effect`s). No file,
 * timer or network here: service.ts reads the file, runs the refresh, publishes, and applies these.
 * Outcomes are told apart by `PluginError` code only.
 */

/** What the service knows about its login between two events. */
export interface Lifecycle {
  state: ServiceState;
  oauth: ClaudeOAuth | undefined;
  /** Refreshed tokens the file does not hold yet (its write failed): memory is newer than the file. */
  unsaved: UnsavedTokens | undefined;
  /** The refresh token the server rejected; a file holding another one means a new login. */
  deadRefreshToken: string | undefined;
  /**
   * The refresh token whose last POST had an unknown outcome: the server may have spent it, so it
   * is never sent again (see maybe-spent.ts); a file holding another one resumes refreshing.
   */
  maybeSpentToken: string | undefined;
  /** The maybe-spent refresh token whose one last-resort probe ended without a usable answer. */
  probedToken: string | undefined;
  /** Failed attempts in a row, for the back-off. */
  attempt: number;
  retryAt: number | undefined;
  /** How long the current access token lived when it was issued, if we saw it issued. */
  lifetimeMs: number | undefined;
  lastError: ServiceStatus["lastError"];
  lastRefresh: ServiceStatus["lastRefresh"];
}

export const initialLifecycle: Lifecycle = {
  state: "stopped",
  oauth: undefined,
  unsaved: undefined,
  deadRefreshToken: undefined,
  maybeSpentToken: undefined,
  probedToken: undefined,
  attempt: 0,
  retryAt: undefined,
  lifetimeMs: undefined,
  lastError: undefined,
  lastRefresh: undefined,
};

/** What the shell does besides taking the next snapshot, in order. */
export type Effect =
  | { kind: "log"; level: "info" | "warn" | "error"; message: string }
  /** Logged once: the same problem found again on every check is not logged again. */
  | { kind: "problem"; message: string }
  | { kind: "event"; event: ServiceEventKind; message: string }
  | { kind: "alert-needs-login"; deadToken: string | undefined; message: string }
  | { kind: "alert-maybe-spent"; refreshToken: string | undefined; message: string }
  | { kind: "alert-expiring"; oauth: ClaudeOAuth | undefined; reason: string };

export interface Step {
  next: Lifecycle;
  effects: Effect[];
}

/** A failure as the decisions see it: its code (never its wording) and what to tell. */
export interface Failure {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number | undefined;
}

// ---- the service starts, stops, refreshes, logs out -------------------------------------------

export const started = (l: Lifecycle): Lifecycle => ({ ...l, state: "ok" });
export const stopped = (l: Lifecycle): Lifecycle => ({ ...l, state: "stopped" });
export const refreshing = (l: Lifecycle): Lifecycle => ({ ...l, state: "refreshing" });

/** Logged out: no login, nothing unsaved, no retry planned (what is dead or maybe spent stays known). */
export function loggedOut(l: Lifecycle): Lifecycle {
  return { ...l, oauth: undefined, unsaved: undefined, retryAt: undefined, state: "no-credentials" };
}

/** What a refresh transaction is told: what we hold (so it can tell another refresher's work), the margin, and whether it is the last resort. */
export function refreshOptions(l: Lifecycle, force: boolean, margin: number, now: number): RefreshOptions {
  return { force, ...(l.oauth ? { knownRefreshToken: l.oauth.refreshToken } : {}), ...(l.unsaved ? { unsaved: l.unsaved } : {}), marginMs: margin, ...(lastResortDue(l, now) ? { lastResort: true } : {}) };
}

// ---- questions about a snapshot -----------------------------------------------------------

/** The file still holds the token whose refresh had an unknown outcome: nothing to send. */
export function stuckOnMaybeSpent(l: Lifecycle): boolean {
  return l.maybeSpentToken !== undefined && l.oauth?.refreshToken === l.maybeSpentToken && l.unsaved === undefined;
}

/** The margin before expiry, once the token's lifetime is known capped to half its usable part. */
export function marginMs(l: Lifecycle, configuredMarginMs: number): number {
  return effectiveMarginMs(configuredMarginMs, l.lifetimeMs);
}

/**
 * When a maybe-spent refresh token is sent once more: when OpenClaw stops using the access token
 * (its 5-minute cut-off). A reuse after a real rotation then revokes nothing agents still use; a
 * token the server never rotated (a timeout that never reached it) keeps the login alive.
 */
export function lastResortAt(l: Lifecycle): number | undefined {
  if (!l.oauth || !stuckOnMaybeSpent(l) || l.probedToken === l.oauth.refreshToken) return undefined;
  return Math.max(l.oauth.expiresAt - OPENCLAW_CUTOFF_MS, l.retryAt ?? 0);
}

export function lastResortDue(l: Lifecycle, now: number): boolean {
  const at = lastResortAt(l);
  return at !== undefined && now >= at;
}

/** When the next refresh runs, if one is planned at all (none while a human must act). */
export function plannedRefreshAt(l: Lifecycle, margin: number): number | undefined {
  if (!l.oauth || l.state === "needs-login") return undefined;
  if (stuckOnMaybeSpent(l)) return lastResortAt(l);
  return l.retryAt ?? refreshDueAt(l.oauth.expiresAt, margin);
}

export function shouldRefresh(l: Lifecycle, now: number, margin: number): boolean {
  if (!l.oauth || l.state === "needs-login") return false;
  if (stuckOnMaybeSpent(l)) return lastResortDue(l, now);
  if (l.retryAt !== undefined) return now >= l.retryAt;
  return l.unsaved !== undefined || isRefreshDue(l.oauth.expiresAt, now, margin);
}

/** The access token agents may use now: valid, and the login alive. */
export function usableToken(l: Lifecycle, now: number): { accessToken: string; expiresAt: number } | undefined {
  const o = l.oauth;
  if (!o || l.state === "needs-login" || o.expiresAt <= now) return undefined;
  return { accessToken: o.accessToken, expiresAt: o.expiresAt };
}

/** The usable token with the login's email, for another account's profile to carry (lending). */
export function offeredToken(l: Lifecycle, now: number): { accessToken: string; expiresAt: number; email?: string } | undefined {
  const t = usableToken(l, now);
  const email = l.oauth?.accountEmail;
  return t && (email ? { ...t, email } : t);
}

/** The periodic check's line on how long the token has left (nothing while a new login is needed). */
export function validity(l: Lifecycle, now: number): Effect[] {
  if (!l.oauth || l.state === "needs-login") return [];
  const { level, message } = validityMessage(l.oauth.expiresAt, now);
  return [{ kind: "log", level, message }];
}

/** How long to sleep: until the periodic check or the planned refresh, whichever comes first. */
export function wakeDelay(l: Lifecycle, now: number, nextCheckAt: number, margin: number): number {
  return nextWakeDelay(now, [nextCheckAt, plannedRefreshAt(l, margin)]);
}

// ---- the credentials file was read --------------------------------------------------------------

/**
 * The file held `read`: "same" tokens as before; "still-dead" (the login the server refused);
 * or "new" tokens, which resume refreshing unless the server refused them before a restart
 * (`checkRefused`: the shell asks the alert ledger, then calls `resume` or `refusedBefore`).
 */
export function fileRead(l: Lifecycle, read: ClaudeOAuth): { kind: "same" } | { kind: "still-dead" } | { kind: "new"; checkRefused: boolean } {
  const changed = !l.oauth || l.oauth.refreshToken !== read.refreshToken || l.oauth.accessToken !== read.accessToken;
  if (!changed) return { kind: "same" };
  if (l.state === "needs-login" && read.refreshToken === l.deadRefreshToken) return { kind: "still-dead" };
  return { kind: "new", checkRefused: l.state !== "needs-login" };
}

const WAITING_FOR_LOGIN: ReadonlySet<ServiceState> = new Set(["needs-login", "no-credentials", "invalid-credentials", "outcome-unknown"]);

/** New tokens in the file: refreshing starts over with them (another login: lifetime unknown). */
export function resume(l: Lifecycle, oauth: ClaudeOAuth, credentialsPath: string): Step {
  const effects: Effect[] = [];
  if (WAITING_FOR_LOGIN.has(l.state)) {
    const words = newLoginMessages(credentialsPath);
    effects.push({ kind: "log", level: "info", message: words.log }, { kind: "event", event: "new-login", message: words.event });
  }
  const next: Lifecycle = { ...l, oauth, deadRefreshToken: undefined, maybeSpentToken: undefined, lifetimeMs: undefined, state: "ok", attempt: 0, retryAt: undefined, lastError: undefined };
  return { next, effects };
}

/**
 * The login has ended: no retries until the file holds another. `message` is what happened (the
 * event log's line); `text` the whole sentence for the log and the owner. Every `needs_login`
 * error carries the advice on how to log in again already: nothing here reads or patches it.
 */
export function enterNeedsLogin(l: Lifecycle, deadToken: string | undefined, message: string, text = message): Step {
  const next: Lifecycle = { ...l, deadRefreshToken: deadToken, retryAt: undefined, attempt: 0 };
  if (l.state === "needs-login") return { next, effects: [] };
  return {
    next: { ...next, state: "needs-login" },
    effects: [
      { kind: "event", event: "needs-login", message },
      { kind: "problem", message: text },
      { kind: "alert-needs-login", deadToken, message: text },
    ],
  };
}

/** The file holds a login the server refused before a restart: its refresh token is never sent. */
export function refusedBefore(l: Lifecycle, oauth: ClaudeOAuth, message: string): Step {
  return enterNeedsLogin({ ...l, oauth, lastError: { code: "needs_login", message } }, oauth.refreshToken, message);
}

/** The file could not be read. A token we already hold stays in service: a broken or vanished file must not take it away. */
export function fileUnreadable(l: Lifecycle, failure: Failure): Step {
  const withError: Lifecycle = { ...l, lastError: { code: failure.code, message: failure.message } };
  if (failure.code === "needs_login") return enterNeedsLogin(withError, l.oauth?.refreshToken, failure.message);
  const state = l.oauth ? l.state : failure.code === "credentials_missing" ? "no-credentials" : "invalid-credentials";
  return { next: { ...withError, state }, effects: [{ kind: "problem", message: failure.message }] };
}

// ---- a refresh ended ----------------------------------------------------------------------------

export interface RefreshStep extends Step {
  /** The report's sentence. */
  message: string;
  /** The access token changed: publish it and tell the usage monitor. */
  tokenChanged: boolean;
  /** The server issued new tokens (saved or not): counted as a refresh that worked. */
  refreshed: boolean;
  /** Said after the token was published: the log line never claims more than has happened. */
  afterPublish: Effect[];
}

/**
 * A refresh transaction returned (saved first, inside refresh.ts). `configuredMarginMs` is the
 * margin before the token's lifetime is applied; `random` feeds the back-off's jitter.
 */
export function refreshReturned(l: Lifecycle, result: RefreshResult, now: number, configuredMarginMs: number, random: () => number): RefreshStep {
  const tokenChanged = l.oauth?.accessToken !== result.oauth.accessToken;
  // A write that keeps failing must back off like any other retry.
  let next: Lifecycle = { ...l, oauth: result.oauth, state: "ok", attempt: result.kind === "refreshed-unsaved" ? l.attempt : 0, retryAt: undefined, lastError: undefined };
  const effects: Effect[] = [];
  const afterPublish: Effect[] = [];
  let message: string;
  switch (result.kind) {
    case "not-due":
      message = notDueMessage(result.oauth.expiresAt, now);
      break;
    case "refreshed-elsewhere":
      message = refreshedElsewhereMessage(result.oauth.expiresAt, now);
      afterPublish.push({ kind: "log", level: "info", message });
      break;
    case "refreshed": {
      next = { ...next, lifetimeMs: result.oauth.expiresAt - now, unsaved: undefined, lastRefresh: { at: now, result: "ok" } };
      message = refreshedMessage(result.oauth.expiresAt, refreshDueAt(result.oauth.expiresAt, marginMs(next, configuredMarginMs)), now);
      effects.push({ kind: "event", event: "refreshed", message });
      afterPublish.push({ kind: "log", level: "info", message });
      break;
    }
    case "refreshed-unsaved": {
      const attempt = next.attempt + 1;
      const retryAt = now + retryDelay(attempt, random);
      next = { ...next, unsaved: result.unsaved, lastRefresh: { at: now, result: "ok", message: "saved in memory only" }, attempt, retryAt, lastError: { code: result.error.code, message: result.error.message } };
      message = refreshedUnsavedMessage(result.error.message, retryAt - now);
      effects.push({ kind: "log", level: "error", message }, { kind: "event", event: "refreshed", message });
      break;
    }
  }
  const refreshed = result.kind === "refreshed" || result.kind === "refreshed-unsaved";
  return { next, effects, afterPublish, message, tokenChanged, refreshed };
}

/** A refresh transaction failed with `failure`; `previous` is the state before it started. */
export function refreshFailed(l: Lifecycle, failure: Failure, previous: ServiceState, now: number, random: () => number): Step & { message: string } {
  const { code } = failure;
  const base: Lifecycle = { ...l, lastError: { code, message: failure.message }, lastRefresh: { at: now, result: "failed", message: failure.message } };
  const effects: Effect[] = code === "needs_login" ? [] : [{ kind: "event", event: "refresh-failed", message: refreshFailedEvent(failure.message) }];
  const expiresAt = l.oauth?.expiresAt;

  if (code === "needs_login") {
    const message = refreshFailedMessage(failure.message);
    const step = enterNeedsLogin(base, l.oauth?.refreshToken, failure.message, message);
    return { next: step.next, effects: [...effects, ...step.effects], message };
  }
  if (code === "outcome_unknown" || code === "token_maybe_spent") {
    // No retry with this token while its access token is good: a second use of a spent one revokes
    // the login everywhere. A last resort that also ended like this was the one probe.
    const maybeSpentToken = l.oauth?.refreshToken;
    const probedToken = lastResortDue(l, now) ? maybeSpentToken : l.probedToken;
    const message = maybeSpentMessage(failure.message, expiresAt, now);
    const next: Lifecycle = { ...base, maybeSpentToken, probedToken, state: "outcome-unknown", attempt: 0, retryAt: undefined };
    return { next, effects: [...effects, { kind: "problem", message }, { kind: "alert-maybe-spent", refreshToken: maybeSpentToken, message }], message };
  }
  if (code === "credentials_missing" || code === "credentials_invalid") {
    const attempt = l.attempt + 1;
    const state: ServiceState = l.oauth ? previous : code === "credentials_missing" ? "no-credentials" : "invalid-credentials";
    const message = refreshFailedMessage(failure.message);
    return { next: { ...base, state, attempt, retryAt: now + retryDelay(attempt, random) }, effects: [...effects, { kind: "problem", message }], message };
  }
  const attempt = l.attempt + 1;
  const delay = retryDelay(attempt, random, undefined, failure.retryAfterMs);
  const left = expiresAt !== undefined ? expiresAt - now : 0;
  const message = retryingMessage(failure.message, delay, expiresAt, now, isRetryable(code));
  return {
    next: { ...base, state: "retrying", attempt, retryAt: now + delay },
    effects: [...effects, { kind: "log", level: left > 0 ? "warn" : "error", message }, { kind: "alert-expiring", oauth: l.oauth, reason: failure.message }],
    message,
  };
}
