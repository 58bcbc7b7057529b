import type { Clock, TimerHandle } from "../core/clock.js";
import { asPluginError, type ErrorCode } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { SingleFlight } from "../core/in-flight.js";
import { redact } from "../core/redact.js";
import { MINUTE_MS } from "../login/schedule.js";
import type { RawAnswer } from "../login/token-endpoint.js";
import type { UsageCounting } from "../monitoring/counters.js";
import { buildUsageRequest, getUsage, nextUsageCheckDelay, parseUsageAnswer, type Usage, type UsageRequest } from "./usage.js";

/**
 * Keeps one login's usage windows current: every `usageCheckMinutes`, right after each refresh
 * and on demand. It only ever reads: whatever the usage endpoint does, the refresh side is never
 * touched, and a failure is one log line and an `error` in the report.
 */

export interface UsageReport {
  /** The last successful answer (kept while later checks fail: old numbers beat none). */
  usage?: Usage;
  /** Why the latest check failed; absent after a success. */
  error?: { code: ErrorCode | "no-token"; message: string; at: number };
  nextCheckAt?: number;
}

export interface UsageMonitorDeps {
  usageUrl: string;
  /** config `userAgent`; the default one when absent. */
  userAgent?: string;
  checkEveryMinutes: number;
  clock: Clock;
  log: Logger;
  /** The access token in service now, if it is still valid. */
  currentToken(): { accessToken: string; expiresAt: number } | undefined;
  get?: (request: UsageRequest) => Promise<RawAnswer>;
  /** Told after every check, so whoever ranks accounts can look again. */
  onReport?: () => void;
  /** Counts failed checks for the metrics route. */
  counting?: UsageCounting;
}

/** After a refresh the new token is checked at once, but never more often than this. */
const MIN_SPACING_MS = MINUTE_MS;

export class UsageMonitor {
  private readonly deps: UsageMonitorDeps;
  private readonly get: (request: UsageRequest) => Promise<RawAnswer>;
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly inFlight = new SingleFlight<UsageReport>();
  private last: UsageReport = {};
  private lastCheckAt = 0;
  private rateLimitedInARow = 0;
  private retryAfterMs: number | undefined;
  private loggedProblem: string | undefined;

  constructor(deps: UsageMonitorDeps) {
    this.deps = deps;
    this.get = deps.get ?? ((request) => getUsage(request));
  }

  private get intervalMs(): number {
    return this.deps.checkEveryMinutes * MINUTE_MS;
  }

  start(): void {
    if (this.running || this.deps.checkEveryMinutes <= 0) return;
    this.running = true;
    this.arm(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  report(): UsageReport {
    return { ...this.last, ...(this.last.error ? { error: { ...this.last.error } } : {}) };
  }

  /** A new access token: check it now, unless we are backing off a 429 or just checked. */
  afterTokenChange(): void {
    if (!this.running || this.rateLimitedInARow > 0) return;
    const since = this.deps.clock.now() - this.lastCheckAt;
    this.arm(Math.max(0, MIN_SPACING_MS - since));
  }

  /** Checks now; concurrent callers share one request. */
  checkNow(): Promise<UsageReport> {
    return this.inFlight.run(() => this.check());
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.last.nextCheckAt = this.deps.clock.now() + delayMs;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.checkNow().then((r) => this.arm(nextUsageCheckDelay(this.intervalMs, this.rateLimitedInARow, r.error?.code === "rate_limited" ? this.retryAfterMs : undefined)));
    }, delayMs);
  }

  private async check(): Promise<UsageReport> {
    const now = this.deps.clock.now();
    const token = this.deps.currentToken();
    if (!token || token.expiresAt <= now) {
      this.last = { ...this.last, error: { code: "no-token", message: "no valid access token to check usage with.", at: now } };
      return this.report();
    }
    this.lastCheckAt = now;
    try {
      const answer = await this.get(buildUsageRequest(this.deps.usageUrl, token.accessToken, this.deps.userAgent));
      const usage = parseUsageAnswer(answer, this.deps.clock.now());
      this.rateLimitedInARow = 0;
      this.retryAfterMs = undefined;
      if (this.loggedProblem) this.deps.log.info("Usage available again.");
      this.loggedProblem = undefined;
      this.last = { usage, ...(this.last.nextCheckAt !== undefined ? { nextCheckAt: this.last.nextCheckAt } : {}) };
    } catch (err) {
      const e = asPluginError(err, "network");
      this.rateLimitedInARow = e.code === "rate_limited" ? this.rateLimitedInARow + 1 : 0;
      this.retryAfterMs = e.retryAfterMs;
      this.last = { ...this.last, error: { code: e.code, message: e.message, at: now } };
      this.deps.counting?.usageCheckFailed(e.code);
      // Once per kind of trouble, not at every check: usage is a nicety, the log is for the login.
      if (this.loggedProblem !== e.code) this.deps.log.warn(`Usage unavailable: ${redact(e.message)} Refreshing is not affected.`);
      this.loggedProblem = e.code;
    }
    this.deps.onReport?.();
    return this.report();
  }
}
