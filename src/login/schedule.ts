/**
 * When to act: pure functions of the clock, no timers. The service turns these into one timer;
 * the benchmark replays a month against them.
 */

export const MINUTE_MS = 60_000;
/** setTimeout's ceiling (2^31-1 ms, about 24.8 days); longer delays fire at once in Node. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * Longest sleep between two looks at the wall clock. Timers run on a monotonic clock that stops
 * while a VM is suspended, so a long sleep can wake far past its wall-clock moment; waking every
 * minute bounds how late we notice a suspend or a clock jump.
 */
export const CLOCK_PROBE_MS = 60_000;
/** A wall-clock step larger than this, relative to the monotonic clock, is a jump or a suspend. */
export const CLOCK_JUMP_TOLERANCE_MS = 30_000;

/**
 * OpenClaw stops using an OAuth profile's access token this long before it expires (its
 * DEFAULT_OAUTH_REFRESH_MARGIN_MS; the plugin publishes an `oauth` profile, see publish.ts). For
 * agents the token ends here, so the refresh must land before it.
 */
export const OPENCLAW_CUTOFF_MS = 5 * MINUTE_MS;

/**
 * How long before expiry to refresh: the configured margin ahead of OpenClaw's cut-off. A margin
 * longer than the token is usable (say 12 h for 8-hour tokens) would make every fresh token due at
 * once and refresh back to back; once the lifetime is known, at most half the usable part is used.
 */
export function effectiveMarginMs(configuredMs: number, lifetimeMs?: number): number {
  if (lifetimeMs === undefined || lifetimeMs <= 0) return OPENCLAW_CUTOFF_MS + configuredMs;
  const usableMs = lifetimeMs - OPENCLAW_CUTOFF_MS;
  // A token OpenClaw never uses (a server handing out minutes-long tokens): refreshing "before the
  // cut-off" would be due at once, every time, back to back; half its life keeps a sane pace.
  if (usableMs <= 0) return Math.floor(lifetimeMs / 2);
  return OPENCLAW_CUTOFF_MS + Math.min(configuredMs, Math.floor(usableMs / 2));
}

/** Claude Code refreshes when under 5 minutes remain (2.1.328). */
export const CLAUDE_CODE_MARGIN_MS = 5 * MINUTE_MS;
/**
 * On a file shared with Claude Code we refresh at least this early: then Claude Code, which only
 * takes its refresh lock inside its own 5-minute margin, has no reason to want the lock while we
 * hold it, however slowly the token endpoint answers (our POST may take up to its full deadline).
 */
export const SHARED_FILE_MIN_MARGIN_MS = 3 * CLAUDE_CODE_MARGIN_MS;

/** Pure: the configured margin, raised to `SHARED_FILE_MIN_MARGIN_MS` on a file Claude Code shares. */
export function sharedFileMarginMs(configuredMs: number, sharedWithClaudeCode: boolean): number {
  return sharedWithClaudeCode ? Math.max(configuredMs, SHARED_FILE_MIN_MARGIN_MS) : configuredMs;
}

export function refreshDueAt(expiresAt: number, refreshBeforeMs: number): number {
  return expiresAt - refreshBeforeMs;
}

export function isRefreshDue(expiresAt: number, now: number, refreshBeforeMs: number): boolean {
  return now >= refreshDueAt(expiresAt, refreshBeforeMs);
}

export function minutesLeft(expiresAt: number, now: number): number {
  return Math.max(0, Math.floor((expiresAt - now) / MINUTE_MS));
}

/** Delay until the next wake-up: the earliest of the given moments, bounded by the clock probe. */
export function nextWakeDelay(now: number, moments: ReadonlyArray<number | undefined>): number {
  let delay = CLOCK_PROBE_MS;
  for (const m of moments) {
    if (m !== undefined) delay = Math.min(delay, m - now);
  }
  return Math.min(Math.max(0, Math.ceil(delay)), MAX_TIMER_MS);
}

/** True when wall time moved differently from monotonic time by more than the tolerance. */
export function clockJumped(wallElapsedMs: number, monotonicElapsedMs: number): boolean {
  return Math.abs(wallElapsedMs - monotonicElapsedMs) > CLOCK_JUMP_TOLERANCE_MS;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 5 * MINUTE_MS };

/**
 * Exponential back-off with full jitter (so many gateways behind one NAT do not retry in step),
 * never shorter than what the server asked for with Retry-After.
 */
export function retryDelay(attempt: number, random: () => number, policy: BackoffPolicy = RETRY_BACKOFF, retryAfterMs?: number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
  const jittered = Math.round(cap / 2 + (random() * cap) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
