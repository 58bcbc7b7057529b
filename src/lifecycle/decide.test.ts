import { describe, expect, it } from "vitest";
import { PluginError } from "../core/errors.js";
import type { ClaudeOAuth } from "../login/credentials.js";
import {
  enterNeedsLogin,
  fileRead,
  fileUnreadable,
  initialLifecycle,
  loggedOut,
  offeredToken,
  plannedRefreshAt,
  refreshFailed,
  refreshOptions,
  refreshReturned,
  refreshing as refreshingState,
  refusedBefore,
  resume,
  shouldRefresh,
  started,
  stopped,
  stuckOnMaybeSpent,
  usableToken,
  validity,
  wakeDelay,
  type Lifecycle,
} from "./decide.js";
import { CLOCK_PROBE_MS, MINUTE_MS, OPENCLAW_CUTOFF_MS } from "../login/schedule.js";

// Pure decisions: an injected clock is just numbers here; no file, timer or network.
const NOW = 1_767_225_600_000;
const HOUR = 60 * MINUTE_MS;
const MARGIN = 60 * MINUTE_MS;
const half = (): number => 0.5; // retryDelay's jitter: cap/2 + cap/4
const never = (): number => {
  throw new Error("no random number expected");
};

const token = (n: number, expiresIn = 8 * HOUR): ClaudeOAuth => ({ accessToken: `FAKE-access-${n}`, refreshToken: `FAKE-refresh-${n}`, expiresAt: NOW + expiresIn });
const running = (over: Partial<Lifecycle> = {}): Lifecycle => ({ ...initialLifecycle, state: "ok", oauth: token(1), ...over });
const kinds = (effects: ReadonlyArray<{ kind: string }>): string[] => effects.map((e) => e.kind);

describe("questions about a snapshot", () => {
  it("plans the refresh at expiry minus the margin, or at the retry moment, and none while a human must act", () => {
    expect(plannedRefreshAt(running(), MARGIN)).toBe(NOW + 8 * HOUR - MARGIN);
    expect(plannedRefreshAt(running({ retryAt: NOW + 5_000 }), MARGIN)).toBe(NOW + 5_000);
    expect(plannedRefreshAt(running({ state: "needs-login" }), MARGIN)).toBeUndefined();
    expect(plannedRefreshAt({ ...initialLifecycle, state: "ok" }, MARGIN)).toBeUndefined();
    // A maybe-spent token: only its one last resort, at OpenClaw's cut-off (below).
    expect(plannedRefreshAt(running({ maybeSpentToken: "FAKE-refresh-1" }), MARGIN)).toBe(NOW + 8 * HOUR - OPENCLAW_CUTOFF_MS);
    expect(plannedRefreshAt(running({ maybeSpentToken: "FAKE-refresh-1", probedToken: "FAKE-refresh-1" }), MARGIN)).toBeUndefined();
  });

  it("sends a maybe-spent refresh token once more only when OpenClaw stops using its access token, and says so to the transaction", () => {
    const stuck = running({ state: "outcome-unknown", maybeSpentToken: "FAKE-refresh-1" });
    const cutOff = NOW + 8 * HOUR - OPENCLAW_CUTOFF_MS;
    expect(shouldRefresh(stuck, NOW + 7 * HOUR, MARGIN), "due by the margin, but the access token is still good").toBe(false);
    expect(shouldRefresh(stuck, cutOff - 1, MARGIN)).toBe(false);
    expect(shouldRefresh(stuck, cutOff, MARGIN)).toBe(true);
    expect(refreshOptions(stuck, false, MARGIN, cutOff).lastResort).toBe(true);
    expect(refreshOptions(stuck, true, MARGIN, NOW).lastResort, "a forced refresh before the cut-off is no last resort").toBeUndefined();
    // Another token in the file is no longer stuck: the normal schedule applies.
    expect(shouldRefresh(running({ maybeSpentToken: "FAKE-refresh-0" }), NOW + 7 * HOUR, MARGIN)).toBe(true);
  });

  it("is stuck on a maybe-spent token only while the file still holds it and nothing is unsaved", () => {
    expect(stuckOnMaybeSpent(running({ maybeSpentToken: "FAKE-refresh-1" }))).toBe(true);
    expect(stuckOnMaybeSpent(running({ maybeSpentToken: "FAKE-refresh-0" }))).toBe(false);
    const unsaved = { document: {}, indent: "", oauth: token(2) };
    expect(stuckOnMaybeSpent(running({ maybeSpentToken: "FAKE-refresh-1", unsaved }))).toBe(false);
  });

  it("refreshes when due, when a retry is due, or to save unsaved tokens", () => {
    expect(shouldRefresh(running(), NOW, MARGIN)).toBe(false);
    expect(shouldRefresh(running(), NOW + 7 * HOUR, MARGIN)).toBe(true);
    expect(shouldRefresh(running({ retryAt: NOW + 1 }), NOW, MARGIN)).toBe(false);
    expect(shouldRefresh(running({ retryAt: NOW + 1 }), NOW + 1, MARGIN)).toBe(true);
    expect(shouldRefresh(running({ unsaved: { document: {}, indent: "", oauth: token(2) } }), NOW, MARGIN)).toBe(true);
    expect(shouldRefresh(running({ state: "needs-login" }), NOW + 9 * HOUR, MARGIN)).toBe(false);
  });

  it("offers the access token only while it is valid and the login alive", () => {
    expect(usableToken(running(), NOW)).toEqual({ accessToken: "FAKE-access-1", expiresAt: NOW + 8 * HOUR });
    expect(usableToken(running(), NOW + 8 * HOUR)).toBeUndefined();
    expect(usableToken(running({ state: "needs-login" }), NOW)).toBeUndefined();
  });

  it("offers the usable token with the login's email for another account's profile, and nothing once it is unusable", () => {
    expect(offeredToken(running({ oauth: { ...token(1), accountEmail: "owner@example.test" } }), NOW)).toEqual({ accessToken: "FAKE-access-1", expiresAt: NOW + 8 * HOUR, email: "owner@example.test" });
    expect(offeredToken(running(), NOW)).toEqual({ accessToken: "FAKE-access-1", expiresAt: NOW + 8 * HOUR });
    expect(offeredToken(running({ state: "needs-login" }), NOW)).toBeUndefined();
  });

  it("says how long the token has left at the periodic check, nothing while a new login is needed or none is held", () => {
    expect(validity(running(), NOW)).toEqual([{ kind: "log", level: "info", message: "Token still valid for 480 minutes" }]);
    expect(validity(running(), NOW + 9 * HOUR)).toEqual([{ kind: "log", level: "warn", message: "Token expired 60 minutes ago; refreshing now" }]);
    expect(validity(running({ state: "needs-login" }), NOW)).toEqual([]);
    expect(validity({ ...initialLifecycle, state: "ok" }, NOW)).toEqual([]);
  });

  it("wakes at the earliest of the periodic check and the planned refresh, at most a clock probe away", () => {
    expect(wakeDelay(running({ retryAt: NOW + 5_000 }), NOW, NOW + HOUR, MARGIN)).toBe(5_000);
    expect(wakeDelay(running(), NOW, NOW + 10_000, MARGIN)).toBe(10_000);
    expect(wakeDelay(running(), NOW, NOW + HOUR, MARGIN)).toBe(CLOCK_PROBE_MS);
  });
});

describe("the service starts, stops, refreshes, logs out", () => {
  it("start, stop and the start of a refresh change the state and nothing else", () => {
    const l = running({ state: "retrying", attempt: 2, retryAt: NOW });
    expect(started(l)).toEqual({ ...l, state: "ok" });
    expect(stopped(l)).toEqual({ ...l, state: "stopped" });
    expect(refreshingState(l)).toEqual({ ...l, state: "refreshing" });
  });

  it("logging out drops the login, anything unsaved and the planned retry, and remembers the dead and maybe-spent tokens", () => {
    const unsaved = { document: {}, indent: "", oauth: token(2) };
    const l = running({ unsaved, retryAt: NOW, attempt: 2, deadRefreshToken: "FAKE-refresh-0", maybeSpentToken: "FAKE-refresh-9" });
    expect(loggedOut(l)).toEqual({ ...l, state: "no-credentials", oauth: undefined, unsaved: undefined, retryAt: undefined });
  });

  it("a refresh is told the refresh token we hold (to tell another refresher's work), anything unsaved, and the margin", () => {
    expect(refreshOptions(running(), false, MARGIN, NOW)).toEqual({ force: false, knownRefreshToken: "FAKE-refresh-1", marginMs: MARGIN });
    const unsaved = { document: {}, indent: "", oauth: token(2) };
    expect(refreshOptions(running({ unsaved }), true, MARGIN, NOW)).toEqual({ force: true, knownRefreshToken: "FAKE-refresh-1", unsaved, marginMs: MARGIN });
    expect(refreshOptions({ ...initialLifecycle, state: "ok" }, true, MARGIN, NOW)).toEqual({ force: true, marginMs: MARGIN });
  });
});

describe("the credentials file was read", () => {
  it("tells same tokens, the dead login again, and a new login apart", () => {
    expect(fileRead(running(), token(1))).toEqual({ kind: "same" });
    expect(fileRead(running(), token(2))).toEqual({ kind: "new", checkRefused: true });
    const dead = running({ state: "needs-login", deadRefreshToken: "FAKE-refresh-1", oauth: token(1) });
    expect(fileRead(dead, { ...token(1), accessToken: "FAKE-access-other" })).toEqual({ kind: "still-dead" });
    expect(fileRead(dead, token(2))).toEqual({ kind: "new", checkRefused: false });
  });

  it("a new login after needs-login resumes from scratch and says so", () => {
    const before = running({ state: "needs-login", deadRefreshToken: "FAKE-refresh-1", attempt: 3, lifetimeMs: HOUR, lastError: { code: "needs_login", message: "x" } });
    const step = resume(before, token(2), "/creds.json");
    expect(step.next).toMatchObject({ state: "ok", oauth: token(2), attempt: 0, retryAt: undefined, deadRefreshToken: undefined, lifetimeMs: undefined, lastError: undefined });
    expect(kinds(step.effects)).toEqual(["log", "event"]);
  });

  it("new tokens while running (a refresh by another process) resume silently", () => {
    expect(resume(running(), token(2), "/creds.json").effects).toEqual([]);
  });

  it("a login refused before a restart enters needs-login once: event, problem, alert", () => {
    const step = refusedBefore(running(), token(2), "refused before");
    expect(step.next).toMatchObject({ state: "needs-login", deadRefreshToken: "FAKE-refresh-2", lastError: { code: "needs_login", message: "refused before" } });
    expect(kinds(step.effects)).toEqual(["event", "problem", "alert-needs-login"]);
    expect(enterNeedsLogin(step.next, "FAKE-refresh-2", "again").effects).toEqual([]);
  });

  it("an unreadable file keeps a token we hold, and sets the state from the code when we hold none", () => {
    const missing = { code: "credentials_missing" as const, message: "missing" };
    expect(fileUnreadable(running({ state: "retrying" }), missing).next.state).toBe("retrying");
    expect(fileUnreadable({ ...initialLifecycle, state: "ok" }, missing).next.state).toBe("no-credentials");
    expect(fileUnreadable({ ...initialLifecycle, state: "ok" }, { code: "credentials_invalid", message: "bad" }).next.state).toBe("invalid-credentials");
    const blanked = fileUnreadable(running(), { code: "needs_login", message: "blanked" });
    expect(blanked.next.state).toBe("needs-login");
    expect(kinds(blanked.effects)).toEqual(["event", "problem", "alert-needs-login"]);
  });
});

describe("a refresh ended", () => {
  const refreshing = (over: Partial<Lifecycle> = {}): Lifecycle => running({ state: "refreshing", oauth: token(1, 30 * MINUTE_MS), ...over });

  it("refreshed: ok, lifetime learnt, attempts reset, event now and the log line after publishing", () => {
    const step = refreshReturned(refreshing({ attempt: 2, retryAt: NOW }), { kind: "refreshed", oauth: token(2) }, NOW, MARGIN, never);
    expect(step.next).toMatchObject({ state: "ok", attempt: 0, retryAt: undefined, lifetimeMs: 8 * HOUR, lastRefresh: { at: NOW, result: "ok" } });
    expect(step.tokenChanged).toBe(true);
    // the margin runs ahead of OpenClaw's 5-minute cut-off: 480 - (60 + 5)
    expect(step.message).toBe("Token refreshed; valid for 480 minutes (next refresh in 415 minutes)");
    expect(kinds(step.effects)).toEqual(["event"]);
    expect(step.afterPublish).toEqual([{ kind: "log", level: "info", message: step.message }]);
  });

  it("the learnt lifetime caps the margin of the report's next refresh (a short token: half its usable life)", () => {
    const step = refreshReturned(refreshing(), { kind: "refreshed", oauth: token(2, 25 * MINUTE_MS) }, NOW, MARGIN, never);
    expect(step.message).toBe(`Token refreshed; valid for 25 minutes (next refresh in ${25 - (OPENCLAW_CUTOFF_MS / MINUTE_MS + 10)} minutes)`);
  });

  it("not due: nothing logged, the token unchanged", () => {
    const step = refreshReturned(refreshing(), { kind: "not-due", oauth: token(1, 30 * MINUTE_MS) }, NOW, MARGIN, never);
    expect(step).toMatchObject({ tokenChanged: false, effects: [], afterPublish: [], message: "Token not due for refresh; valid for 30 minutes" });
  });

  it("refreshed but not saved: keeps the tokens, backs off the write, says so loudly", () => {
    const unsaved = { document: {}, indent: "", oauth: token(2) };
    const error = new PluginError("persist_failed", "Disk full.");
    const step = refreshReturned(refreshing({ attempt: 1 }), { kind: "refreshed-unsaved", oauth: token(2), unsaved, error }, NOW, MARGIN, half);
    // attempt 2: cap 10 s, jittered to 7.5 s with random() = 0.5
    expect(step.next).toMatchObject({ state: "ok", unsaved, attempt: 2, retryAt: NOW + 7_500, lastError: { code: "persist_failed", message: "Disk full." } });
    expect(step.message).toContain("retrying the write in 8 s");
    expect(kinds(step.effects)).toEqual(["log", "event"]);
  });

  it("counts a refresh that worked only when the server issued tokens, saved or not", () => {
    const unsaved = { document: {}, indent: "", oauth: token(2) };
    const error = new PluginError("persist_failed", "Disk full.");
    expect(refreshReturned(refreshing(), { kind: "refreshed", oauth: token(2) }, NOW, MARGIN, never).refreshed).toBe(true);
    expect(refreshReturned(refreshing(), { kind: "refreshed-unsaved", oauth: token(2), unsaved, error }, NOW, MARGIN, half).refreshed).toBe(true);
    expect(refreshReturned(refreshing(), { kind: "refreshed-elsewhere", oauth: token(2) }, NOW, MARGIN, never).refreshed).toBe(false);
    expect(refreshReturned(refreshing(), { kind: "not-due", oauth: token(1) }, NOW, MARGIN, never).refreshed).toBe(false);
  });

  it("needs_login: needs-login with the refused token dead, no refresh-failed event, one alert", () => {
    const step = refreshFailed(refreshing(), { code: "needs_login", message: "Refused. Log in again." }, "ok", NOW, never);
    expect(step.next).toMatchObject({ state: "needs-login", deadRefreshToken: "FAKE-refresh-1", lastRefresh: { result: "failed" } });
    expect(kinds(step.effects)).toEqual(["event", "problem", "alert-needs-login"]);
    expect(step.message).toBe("Token refresh failed: Refused. Log in again.");
  });

  it.each(["outcome_unknown", "token_maybe_spent"] as const)("%s: never retried with that token, one alert", (code) => {
    const step = refreshFailed(refreshing({ attempt: 3 }), { code, message: "No answer." }, "ok", NOW, never);
    expect(step.next).toMatchObject({ state: "outcome-unknown", maybeSpentToken: "FAKE-refresh-1", probedToken: undefined, attempt: 0, retryAt: undefined });
    expect(plannedRefreshAt(step.next, MARGIN), "only the last resort, at the cut-off").toBe(NOW + 30 * MINUTE_MS - OPENCLAW_CUTOFF_MS);
    expect(kinds(step.effects)).toEqual(["event", "problem", "alert-maybe-spent"]);
    expect(step.message).toContain("stays in use for 30 more minutes");
  });

  it.each(["outcome_unknown", "token_maybe_spent"] as const)("%s of the last resort itself: that was the one probe, nothing more is planned", (code) => {
    const cutOff = NOW + 30 * MINUTE_MS - OPENCLAW_CUTOFF_MS;
    const step = refreshFailed(refreshing({ maybeSpentToken: "FAKE-refresh-1" }), { code, message: "No answer." }, "outcome-unknown", cutOff, never);
    expect(step.next).toMatchObject({ state: "outcome-unknown", maybeSpentToken: "FAKE-refresh-1", probedToken: "FAKE-refresh-1" });
    expect(plannedRefreshAt(step.next, MARGIN)).toBeUndefined();
    expect(shouldRefresh(step.next, cutOff + MINUTE_MS, MARGIN)).toBe(false);
  });

  it("a last resort answered with a server error (nothing spent) is tried again after the back-off, not every minute", () => {
    const cutOff = NOW + 30 * MINUTE_MS - OPENCLAW_CUTOFF_MS;
    const step = refreshFailed(refreshing({ maybeSpentToken: "FAKE-refresh-1" }), { code: "server_error", message: "HTTP 503." }, "outcome-unknown", cutOff, half);
    expect(step.next).toMatchObject({ state: "retrying", probedToken: undefined, retryAt: cutOff + 3_750 });
    expect(shouldRefresh(step.next, cutOff + 1_000, MARGIN)).toBe(false);
    expect(shouldRefresh(step.next, cutOff + 3_750, MARGIN)).toBe(true);
    expect(refreshOptions(step.next, false, MARGIN, cutOff + 3_750).lastResort).toBe(true);
  });

  it("a missing file keeps the state before the refresh when a token is held, and retries", () => {
    const step = refreshFailed(refreshing(), { code: "credentials_missing", message: "Gone." }, "retrying", NOW, half);
    expect(step.next).toMatchObject({ state: "retrying", attempt: 1, retryAt: NOW + 3_750 });
    const none = refreshFailed({ ...initialLifecycle, state: "refreshing" }, { code: "credentials_invalid", message: "Bad." }, "ok", NOW, half);
    expect(none.next.state).toBe("invalid-credentials");
  });

  it("a server error retries with back-off, honouring Retry-After, warns while the token lives and errs once it is gone", () => {
    const step = refreshFailed(refreshing(), { code: "rate_limited", message: "Slow down.", retryAfterMs: 60_000 }, "ok", NOW, half);
    expect(step.next).toMatchObject({ state: "retrying", attempt: 1, retryAt: NOW + 60_000 });
    expect(step.effects[1]).toMatchObject({ kind: "log", level: "warn" });
    expect(step.effects[2]).toMatchObject({ kind: "alert-expiring", reason: "Slow down." });
    const expired = refreshFailed(refreshing({ oauth: token(1, -MINUTE_MS) }), { code: "server_error", message: "500." }, "ok", NOW, half);
    expect(expired.effects[1]).toMatchObject({ kind: "log", level: "error" });
    expect(expired.message).toContain("The current token has expired");
  });

  it("a client error (rejected) is retried but says it will not fix itself; the hint comes from the code", () => {
    const step = refreshFailed(refreshing(), { code: "rejected", message: "400." }, "ok", NOW, half);
    expect(step.message).toContain("This will not fix itself");
    const network = refreshFailed(refreshing(), { code: "network", message: "400." }, "ok", NOW, half);
    expect(network.message).not.toContain("This will not fix itself");
  });
});
