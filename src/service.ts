import { promises as fs } from "node:fs";
import path from "node:path";
import { systemClock, type Clock, type TimerHandle } from "./core/clock.js";
import type { PluginConfig } from "./core/config.js";
import type { AlertChannel, AlertLedger } from "./alerts/alerts.js";
import { LoginAlerts } from "./alerts/login-alerts.js";
import { howToLogInAgain, readCredentialsFile, tightenMode, type ClaudeOAuth } from "./login/credentials.js";
import { PluginError, errorMessage, isRetryable } from "./core/errors.js";
import type { ServiceState, ServiceStatus } from "./status/types.js";
import type { Logger } from "./core/logger.js";
import type { Publisher } from "./openclaw/publish.js";
import { redact } from "./core/redact.js";
import { EventLog } from "./alerts/event-log.js";
import { keepsCredentialsOnLogout, type LogoutOptions } from "./login/logout-policy.js";
import { deleteCredentials, recoverAtStart } from "./login/credentials-store.js";
import { defaultRefreshDeps, runRefresh, type RefreshDeps, type RefreshResult, type UnsavedTokens } from "./login/refresh.js";
import { UsageMonitor } from "./accounts/usage-monitor.js";
import type { RawAnswer } from "./login/token-endpoint.js";
import type { UsageRequest } from "./accounts/usage.js";
import type { RefreshCounting, UsageCounting } from "./monitoring/counters.js";
import { MINUTE_MS, clockJumped, effectiveMarginMs, sharedFileMarginMs, isRefreshDue, minutesLeft, nextWakeDelay, refreshDueAt, retryDelay } from "./login/schedule.js";

// The status types live with the status model; re-exported for the code that reads them from here.
export type { ServiceState, ServiceStatus } from "./status/types.js";

export type { LogoutOptions } from "./login/logout-policy.js";
export { keepsCredentialsOnLogout } from "./login/logout-policy.js";

export interface RefreshReport {
  refreshed: boolean;
  kind: RefreshResult["kind"] | "failed";
  message: string;
  status: ServiceStatus;
}

export interface ServiceDeps {
  config: PluginConfig;
  logger: Logger;
  publisher: Publisher;
  clock?: Clock;
  refresh?: Partial<RefreshDeps>;
  /** How long `stop()` waits for a refresh in flight to save its tokens. */
  stopGraceMs?: number;
  /** Where alerts go besides the log (chat, alertCommand); and where sent ones are remembered. */
  alert?: AlertChannel;
  alertLedger?: AlertLedger;
  agents?: string[];
  /** The usage endpoint's GET, for tests; the real one otherwise. */
  usageGet?: (request: UsageRequest) => Promise<RawAnswer>;
  /** Told whenever the state, the token or the usage may have changed (the account pool re-ranks). */
  onChange?: () => void;
  /** The seed's start-up lines; only the first account prints them. Default true. */
  banner?: boolean;
  /** Counts refreshes and usage-check failures for the metrics route. */
  counting?: RefreshCounting & UsageCounting;
}

/**
 * The long-running part: keeps the token valid, tells the operator what is happening. Policy
 * lives in schedule.ts and refresh.ts; this class owns the one timer and the state for status.
 */
export class RefreshService {
  private readonly config: PluginConfig;
  private readonly log: Logger;
  private readonly publisher: Publisher;
  private readonly clock: Clock;
  private readonly refreshDeps: RefreshDeps;
  private readonly stopGraceMs: number;
  private readonly alerts: LoginAlerts;
  private readonly agents: string[] | undefined;
  private readonly usage: UsageMonitor | undefined;
  private readonly onChange: () => void;
  private readonly banner: boolean;
  private readonly counting: (RefreshCounting & UsageCounting) | undefined;

  private state: ServiceState = "stopped";
  private oauth: ClaudeOAuth | undefined;
  private unsaved: UnsavedTokens | undefined;
  private fileSignature: string | undefined;
  /** The refresh token the server rejected; a file holding another one means a new login. */
  private deadRefreshToken: string | undefined;
  /**
   * The refresh token whose last POST had an unknown outcome: the server may have spent it, so it
   * is never sent again (see maybe-spent.ts); a file holding another one resumes refreshing.
   */
  private maybeSpentToken: string | undefined;
  private lastProblem: string | undefined;
  private lastError: ServiceStatus["lastError"];
  private lastRefresh: ServiceStatus["lastRefresh"];
  private attempt = 0;
  private retryAt: number | undefined;
  private nextCheckAt = 0;
  private publishPending = false;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<RefreshReport> | undefined;
  private currentTick: Promise<void> | undefined;
  private running = false;
  private lastWall = 0;
  /** How long the current access token lived when it was issued, if we saw it issued. */
  private lifetimeMs: number | undefined;
  private lastMono = 0;
  private readonly events = new EventLog();
  /** Optional locks that could not be created (Claude Code's legacy lock), by path: told once each. */
  private readonly skippedLocks = new Map<string, { path: string; code: "lock_unavailable"; message: string }>();

  constructor(deps: ServiceDeps) {
    this.config = deps.config;
    this.log = deps.logger;
    this.publisher = deps.publisher;
    this.clock = deps.clock ?? systemClock;
    this.refreshDeps = defaultRefreshDeps(deps.config, { now: () => this.clock.now(), onLockSkipped: (lockPath, err) => this.lockSkipped(lockPath, err), ...deps.refresh });
    this.stopGraceMs = deps.stopGraceMs ?? 20_000;
    this.alerts = new LoginAlerts({ alert: deps.alert, ledger: deps.alertLedger, credentialsPath: deps.config.credentialsPath, profileId: deps.config.profileId, log: this.log, clock: this.clock, events: this.events });
    this.agents = deps.agents;
    this.onChange = deps.onChange ?? (() => undefined);
    this.banner = deps.banner ?? true;
    this.counting = deps.counting;
    this.usage =
      deps.config.usageCheckMinutes > 0
        ? new UsageMonitor({
            usageUrl: deps.config.usageUrl,
            userAgent: deps.config.userAgent,
            checkEveryMinutes: deps.config.usageCheckMinutes,
            clock: this.clock,
            log: this.log,
            currentToken: () => this.usableToken(),
            onReport: () => this.onChange(),
            ...(deps.counting ? { counting: deps.counting } : {}),
            ...(deps.usageGet ? { get: deps.usageGet } : {}),
          })
        : undefined;
  }

  /** The token this account publishes now (with the email), for another account's profile to carry. */
  currentToken(): { accessToken: string; expiresAt: number; email?: string } | undefined {
    const t = this.usableToken();
    const email = this.oauth?.accountEmail;
    return t && (email ? { ...t, email } : t);
  }

  /** The access token agents are using now, while it is valid and the login is alive. */
  private usableToken(): { accessToken: string; expiresAt: number } | undefined {
    const o = this.oauth;
    if (!o || this.state === "needs-login" || o.expiresAt <= this.clock.now()) return undefined;
    return { accessToken: o.accessToken, expiresAt: o.expiresAt };
  }

  private get intervalMs(): number {
    return this.config.refreshIntervalMinutes * MINUTE_MS;
  }

  private get marginMs(): number {
    const configured = sharedFileMarginMs(this.config.refreshBeforeExpiryMinutes * MINUTE_MS, this.refreshDeps.lockPlan.protocol === "claude-code");
    return effectiveMarginMs(configured, this.lifetimeMs);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.state = "ok";
    if (this.banner) {
      this.log.info("🔄 Claude OAuth Auto-Refresh plugin loading...");
      this.log.info("✅ Plugin loaded successfully");
      this.log.info(`   Credentials: ${this.config.credentialsPath}`);
      this.log.info(`   Refresh interval: ${this.config.refreshIntervalMinutes} min`);
      if (!this.config.publishProfile) this.log.info("   Native-login mode (publishProfile off): no OpenClaw auth profile is published; agents use Claude Code's own login.");
    }
    this.lastWall = this.clock.now();
    this.lastMono = this.clock.monotonic();
    await this.alerts.load(); // status shows the last alert from the start
    await recoverAtStart(this.refreshDeps).catch((err: unknown) => this.log.warn(`Could not check for an interrupted credentials write: ${errorMessage(err)}`));
    await this.loadFromDisk();
    this.reportValidity();
    this.nextCheckAt = this.clock.now() + this.intervalMs;
    this.usage?.start();
    // The first refresh (if due) runs in the background: gateway start-up must not wait on the network.
    void this.tick("start");
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.usage?.stop();
    // A refresh in flight may hold the only copy of a rotated token: let it reach the disk.
    if (this.inFlight || this.currentTick) {
      const pending = Promise.all([this.inFlight?.catch(() => undefined), this.currentTick?.catch(() => undefined)]);
      let timeout: TimerHandle | undefined;
      await Promise.race([pending, new Promise<void>((r) => (timeout = this.clock.setTimeout(r, this.stopGraceMs)))]);
      if (timeout) this.clock.clearTimeout(timeout);
    }
    if (this.unsaved) this.log.error(`Stopping with refreshed tokens that could not be saved to ${this.config.credentialsPath}; the login will be lost unless the file can be written. ${this.lastError?.message ?? ""}`);
    this.state = "stopped";
  }

  /** Refresh now if due (or always with `force`); concurrent callers share one refresh. */
  refreshNow(options: { force?: boolean } = {}): Promise<RefreshReport> {
    if (this.inFlight) return this.inFlight;
    const run = this.doRefresh(options.force ?? false).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
      this.schedule();
      this.onChange();
    });
    this.inFlight = run;
    return run;
  }

  /** Re-read the credentials file and publish it (after `import`/`login` wrote a new one). */
  async reload(): Promise<ServiceStatus> {
    this.fileSignature = undefined;
    await this.loadFromDisk();
    this.reportValidity();
    await this.tick("reload");
    return this.status();
  }

  /** Reads the file for `status` without publishing anything (CLI with no gateway). */
  async inspect(options: { checkUsage?: boolean } = {}): Promise<ServiceStatus> {
    await this.alerts.load();
    await this.loadFromDisk({ publish: false });
    if (options.checkUsage) await this.checkUsage();
    return this.status();
  }

  /** Reads the usage windows now (on demand); the status carries the answer or the reason. */
  async checkUsage(): Promise<ServiceStatus> {
    await this.usage?.checkNow();
    return this.status();
  }

  /**
   * Removes our profile from OpenClaw and, unless kept, the credentials file. Claude Code's own
   * file (`.credentials.json`) is kept unless `deleteCredentials` says otherwise: it is Claude
   * Code's login too, and logging the plugin out must not log Claude Code out.
   */
  async logout(options: LogoutOptions = {}): Promise<ServiceStatus> {
    await this.inFlight?.catch(() => undefined);
    const keep = keepsCredentialsOnLogout(this.refreshDeps.lockPlan.protocol, options);
    if (!keep) {
      await deleteCredentials(this.refreshDeps);
    }
    await this.publisher.unpublish();
    this.oauth = undefined;
    this.unsaved = undefined;
    this.retryAt = undefined;
    this.state = "no-credentials";
    this.fileSignature = await this.signature();
    this.log.info(`Logged out: removed OpenClaw profile ${this.config.profileId}${keep ? `; kept ${this.config.credentialsPath}` : ` and ${this.config.credentialsPath}`}.`);
    return this.status();
  }

  /**
   * Claude Code's legacy lock cannot be created (its folder's parent is read-only for us): every
   * refresh would otherwise fail on it and retry forever. We refresh under Claude Code's main lock
   * alone, and say once what is wrong and what to do (log, and `locks.skipped` in status).
   */
  private lockSkipped(lockPath: string, err: NodeJS.ErrnoException): void {
    if (this.skippedLocks.has(lockPath)) return;
    const parent = path.dirname(lockPath);
    const main = this.refreshDeps.lockPlan.refreshLocks[0];
    const message =
      `Claude Code's legacy lock ${lockPath} cannot be created (${err.code ?? "error"}: ${parent} is not writable by the gateway's user). ` +
      `Refreshing under Claude Code's main lock ${main} alone, which current Claude Code releases take first. ` +
      `A Claude Code release that takes only the legacy lock could race with the plugin: make ${parent} writable by this user, or keep Claude Code up to date.`;
    this.skippedLocks.set(lockPath, { path: lockPath, code: "lock_unavailable", message });
    this.log.warn(message);
  }

  status(): ServiceStatus {
    const o = this.oauth;
    const s: ServiceStatus = {
      // doRefresh sets "refreshing" while it runs, so reports built inside it show the outcome.
      state: this.state,
      credentialsPath: this.config.credentialsPath,
      profileId: this.config.profileId,
      unsavedTokens: this.unsaved !== undefined,
    };
    if (this.agents) s.agents = [...this.agents];
    const plan = this.refreshDeps.lockPlan;
    s.lockProtocol = plan.protocol;
    s.locks = { refresh: [...plan.refreshLocks], ...(plan.writeLock ? { write: plan.writeLock } : {}), ...(this.skippedLocks.size ? { skipped: [...this.skippedLocks.values()] } : {}) };
    if (o) {
      s.accessTokenExpiresAt = o.expiresAt;
      if (o.refreshTokenExpiresAt !== undefined) s.loginEndsAt = o.refreshTokenExpiresAt;
      if (o.accountEmail || o.subscriptionType) s.account = { ...(o.accountEmail ? { email: o.accountEmail } : {}), ...(o.subscriptionType ? { subscriptionType: o.subscriptionType } : {}) };
      if (this.state !== "needs-login" && !this.stuckOnMaybeSpent()) s.nextRefreshAt = this.retryAt ?? refreshDueAt(o.expiresAt, this.marginMs);
    }
    if (this.retryAt !== undefined) s.retryAt = this.retryAt;
    if (this.lastRefresh) s.lastRefresh = { ...this.lastRefresh };
    if (this.lastError) s.lastError = { ...this.lastError };
    if (this.usage) s.usage = this.usage.report();
    const lastAlert = this.alerts.lastAlert();
    if (lastAlert) s.lastAlert = lastAlert;
    s.events = this.events.list();
    return s;
  }

  // ---- the loop ------------------------------------------------------------------------

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    const now = this.clock.now();
    const moments: Array<number | undefined> = [this.nextCheckAt];
    if (this.oauth && this.state !== "needs-login" && !this.stuckOnMaybeSpent()) moments.push(this.retryAt ?? refreshDueAt(this.oauth.expiresAt, this.marginMs));
    this.timer = this.clock.setTimeout(() => void this.tick("timer"), nextWakeDelay(now, moments));
  }

  private tick(reason: "start" | "timer" | "reload"): Promise<void> {
    if (!this.running || this.currentTick) return this.currentTick ?? Promise.resolve();
    const run = this.runTick(reason).finally(() => {
      this.currentTick = undefined;
      this.schedule();
      this.onChange();
    });
    this.currentTick = run;
    return run;
  }

  private async runTick(reason: "start" | "timer" | "reload"): Promise<void> {
    try {
      const now = this.clock.now();
      const mono = this.clock.monotonic();
      const jumped = reason === "timer" && clockJumped(now - this.lastWall, mono - this.lastMono);
      if (jumped) {
        this.log.warn(`Clock jumped or the machine was suspended (wall clock moved ${Math.round((now - this.lastWall) / 1000)} s while ${Math.round((mono - this.lastMono) / 1000)} s passed); checking the token now.`);
      }
      this.lastWall = now;
      this.lastMono = mono;

      // After the clock was set back, nextCheckAt may lie hours ahead: check now and start over.
      if (jumped) this.nextCheckAt = Math.min(this.nextCheckAt, now);
      const periodic = now >= this.nextCheckAt;
      if (periodic) this.nextCheckAt = now + this.intervalMs;
      if (periodic || jumped || (await this.fileChanged())) {
        await this.loadFromDisk();
        if (periodic) this.reportValidity();
      }
      if (this.publishPending) await this.publishCurrent();
      if (this.state !== "needs-login") await this.alerts.loginEnding(this.oauth);
      if (this.running && this.shouldRefresh(this.clock.now())) await this.refreshNow();
    } catch (err) {
      this.log.error(`Unexpected error: ${redact(errorMessage(err))}`);
    }
  }

  private stuckOnMaybeSpent(): boolean {
    return this.maybeSpentToken !== undefined && this.oauth?.refreshToken === this.maybeSpentToken && this.unsaved === undefined;
  }

  private shouldRefresh(now: number): boolean {
    if (!this.oauth || this.state === "needs-login" || this.stuckOnMaybeSpent()) return false;
    if (this.retryAt !== undefined) return now >= this.retryAt;
    return this.unsaved !== undefined || isRefreshDue(this.oauth.expiresAt, now, this.marginMs);
  }

  private async fileChanged(): Promise<boolean> {
    if (this.unsaved) return false;
    return (await this.signature()) !== this.fileSignature;
  }

  private async signature(): Promise<string> {
    try {
      const st = await fs.stat(this.config.credentialsPath);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return "absent";
    }
  }

  private reportValidity(): void {
    if (!this.oauth || this.state === "needs-login") return;
    const now = this.clock.now();
    if (this.oauth.expiresAt > now) this.log.info(`Token still valid for ${minutesLeft(this.oauth.expiresAt, now)} minutes`);
    else this.log.warn(`Token expired ${Math.floor((now - this.oauth.expiresAt) / MINUTE_MS)} minutes ago; refreshing now`);
  }

  /** Problems found while reading are logged once each, not on every check. */
  private problem(message: string, level: "warn" | "error" = "error"): void {
    if (this.lastProblem === message) return;
    this.lastProblem = message;
    this.log[level](message);
  }

  private async loadFromDisk(options: { publish?: boolean } = {}): Promise<void> {
    if (this.unsaved) return; // memory is newer than the file until the write succeeds
    const signature = await this.signature();
    try {
      const read = await readCredentialsFile(this.config.credentialsPath);
      this.fileSignature = signature;
      if (await tightenMode(this.config.credentialsPath, read.mode).catch(() => false)) {
        this.log.warn(`Credentials file ${this.config.credentialsPath} was readable by other users (mode ${read.mode.toString(8)}); changed it to 600.`);
      }
      this.lastProblem = undefined;
      const changed = !this.oauth || this.oauth.refreshToken !== read.oauth.refreshToken || this.oauth.accessToken !== read.oauth.accessToken;
      this.oauth = read.oauth;
      if (!changed) return;
      if (this.state === "needs-login" && read.oauth.refreshToken === this.deadRefreshToken) return;
      // Refused by the server before a restart: that refresh token is dead, so it is never sent again.
      if (this.state !== "needs-login" && (await this.alerts.refusedBefore(read.oauth.refreshToken))) {
        const message = `The Claude login in ${this.config.credentialsPath} was refused by the token server before this restart and cannot be refreshed. ${howToLogInAgain(this.config.credentialsPath)}`;
        this.lastError = { code: "needs_login", message };
        if (options.publish !== false) await this.publishCurrent(); // its access token works until it expires
        this.enterNeedsLogin(read.oauth.refreshToken, message);
        return;
      }
      if (this.state === "needs-login" || this.state === "no-credentials" || this.state === "invalid-credentials" || this.state === "outcome-unknown") {
        this.log.info(`Credentials file ${this.config.credentialsPath} has a new login; resuming.`);
        this.events.record(this.clock.now(), "new-login", "The credentials file has a new login; refreshing resumed.");
      }
      this.deadRefreshToken = undefined;
      this.maybeSpentToken = undefined;
      this.lifetimeMs = undefined; // another login: its tokens' lifetime is not known yet
      this.state = "ok";
      this.attempt = 0;
      this.retryAt = undefined;
      this.lastError = undefined;
      if (options.publish !== false) await this.publishCurrent();
      this.usage?.afterTokenChange();
    } catch (err) {
      this.fileSignature = signature;
      const e = err instanceof PluginError ? err : new PluginError("credentials_invalid", redact(errorMessage(err)));
      this.lastError = { code: e.code, message: e.message };
      if (e.code === "needs_login") {
        this.enterNeedsLogin(this.oauth?.refreshToken, e.message);
        return;
      }
      // A token we already hold stays in service: a broken or vanished file must not take it away.
      if (!this.oauth) this.state = e.code === "credentials_missing" ? "no-credentials" : "invalid-credentials";
      this.problem(e.message);
    }
  }

  /**
   * `message` is what happened (the event log's line); `text` the whole sentence for the log and
   * the owner, how to log in again included. Every `needs_login` error carries that advice
   * already (credentials.ts, refresh.ts): nothing here reads or patches its wording.
   */
  private enterNeedsLogin(deadToken: string | undefined, message: string, text = message): void {
    this.deadRefreshToken = deadToken;
    this.retryAt = undefined;
    this.attempt = 0;
    if (this.state === "needs-login") return;
    this.state = "needs-login";
    this.events.record(this.clock.now(), "needs-login", message);
    this.problem(text);
    void this.alerts.needsLogin(deadToken, text);
  }

  private async publishCurrent(): Promise<void> {
    const o = this.oauth;
    if (!o) return;
    if (o.expiresAt <= this.clock.now()) {
      this.publishPending = false; // an expired token is useless to agents; the refresh will publish
      return;
    }
    try {
      await this.publisher.publish({ accessToken: o.accessToken, expiresAt: o.expiresAt, ...(o.accountEmail ? { email: o.accountEmail } : {}) });
      if (this.publishPending) this.log.info(`Published the token to OpenClaw profile ${this.config.profileId} after an earlier failure.`);
      this.publishPending = false;
    } catch (err) {
      this.publishPending = true;
      this.log.warn(`Could not publish the token to OpenClaw (profile ${this.config.profileId}): ${redact(errorMessage(err))} Retrying within a minute.`);
    }
  }

  private async doRefresh(force: boolean): Promise<RefreshReport> {
    const previous = this.state;
    this.state = "refreshing";
    this.counting?.refreshAttempted();
    try {
      const result = await runRefresh(this.refreshDeps, {
        force,
        ...(this.oauth ? { knownRefreshToken: this.oauth.refreshToken } : {}),
        ...(this.unsaved ? { unsaved: this.unsaved } : {}),
        marginMs: this.marginMs,
      });
      return await this.applyResult(result);
    } catch (err) {
      return this.applyFailure(err, previous);
    }
  }

  private async applyResult(result: RefreshResult): Promise<RefreshReport> {
    const now = this.clock.now();
    const changed = this.oauth?.accessToken !== result.oauth.accessToken;
    this.oauth = result.oauth;
    this.fileSignature = await this.signature();
    this.state = "ok";
    // A write that keeps failing must back off like any other retry.
    if (result.kind !== "refreshed-unsaved") this.attempt = 0;
    this.retryAt = undefined;
    this.lastError = undefined;
    this.lastProblem = undefined;
    let message: string;
    switch (result.kind) {
      case "not-due":
        message = `Token not due for refresh; valid for ${minutesLeft(result.oauth.expiresAt, now)} minutes`;
        break;
      case "refreshed-elsewhere":
        message = `The credentials file already holds a newer token (refreshed by another process, or a new login); valid for ${minutesLeft(result.oauth.expiresAt, now)} minutes`;
        break;
      case "refreshed":
        this.counting?.refreshSucceeded();
        this.lifetimeMs = result.oauth.expiresAt - now;
        this.unsaved = undefined;
        this.lastRefresh = { at: now, result: "ok" };
        message = `Token refreshed; valid for ${minutesLeft(result.oauth.expiresAt, now)} minutes (next refresh in ${minutesLeft(refreshDueAt(result.oauth.expiresAt, this.marginMs), now)} minutes)`;
        this.events.record(now, "refreshed", message);
        break;
      case "refreshed-unsaved":
        this.counting?.refreshSucceeded();
        this.unsaved = result.unsaved;
        this.lastRefresh = { at: now, result: "ok", message: "saved in memory only" };
        this.attempt += 1;
        this.retryAt = now + retryDelay(this.attempt, () => this.clock.random());
        this.lastError = { code: result.error.code, message: result.error.message };
        message = `Token refreshed, but NOT saved: ${result.error.message} The new login exists only in this process's memory; retrying the write in ${Math.round((this.retryAt - now) / 1000)} s.`;
        this.log.error(message);
        this.events.record(now, "refreshed", message);
        break;
    }
    // Saved first (inside runRefresh), published next, reported last: the log line never claims
    // more than has happened.
    if (changed || this.publishPending) await this.publishCurrent();
    if (changed) this.usage?.afterTokenChange();
    if (result.kind === "refreshed" || result.kind === "refreshed-elsewhere") this.log.info(message);
    return { refreshed: result.kind === "refreshed" || result.kind === "refreshed-unsaved", kind: result.kind, message, status: this.status() };
  }

  private applyFailure(err: unknown, previous: ServiceState): RefreshReport {
    const now = this.clock.now();
    const e = err instanceof PluginError ? err : new PluginError("server_error", redact(errorMessage(err)), { cause: err });
    this.lastError = { code: e.code, message: e.message };
    this.lastRefresh = { at: now, result: "failed", message: e.message };
    this.counting?.refreshFailed(e.code);
    if (e.code !== "needs_login") this.events.record(now, "refresh-failed", `Refresh failed: ${e.message}`);
    let message: string;
    if (e.code === "needs_login") {
      message = `Token refresh failed: ${e.message}`;
      this.enterNeedsLogin(this.oauth?.refreshToken, e.message, message);
    } else if (e.code === "outcome_unknown" || e.code === "token_maybe_spent") {
      // No retry with this token: a second use of a spent one revokes the login everywhere.
      this.maybeSpentToken = this.oauth?.refreshToken;
      this.state = "outcome-unknown";
      this.attempt = 0;
      this.retryAt = undefined;
      const left = this.oauth ? this.oauth.expiresAt - now : 0;
      const urgency = this.oauth && left > 0 ? `The current access token stays in use for ${minutesLeft(this.oauth.expiresAt, now)} more minutes.` : "The current access token has expired: agents cannot use Claude until the file holds a new login.";
      message = `Token refresh failed: ${e.message} ${urgency}`;
      this.problem(message);
      void this.alerts.maybeSpent(this.maybeSpentToken, message).catch((err: unknown) => this.log.warn(`Could not send an alert: ${errorMessage(err)}`));
    } else if (e.code === "credentials_missing" || e.code === "credentials_invalid") {
      this.state = this.oauth ? previous : e.code === "credentials_missing" ? "no-credentials" : "invalid-credentials";
      this.attempt += 1;
      this.retryAt = now + retryDelay(this.attempt, () => this.clock.random());
      message = `Token refresh failed: ${e.message}`;
      this.problem(message);
    } else {
      this.attempt += 1;
      const delay = retryDelay(this.attempt, () => this.clock.random(), undefined, e.retryAfterMs);
      this.retryAt = now + delay;
      this.state = "retrying";
      const left = this.oauth ? this.oauth.expiresAt - now : 0;
      const urgency = this.oauth && left > 0 ? `The current token is valid for ${minutesLeft(this.oauth.expiresAt, now)} more minutes.` : "The current token has expired: agents cannot use Claude until a refresh succeeds.";
      const hint = isRetryable(e.code) ? "" : " This will not fix itself: check the plugin's tokenUrl and clientId.";
      message = `Token refresh failed: ${e.message} Retrying in ${Math.round(delay / 1000)} s. ${urgency}${hint}`;
      this.log[left > 0 ? "warn" : "error"](message);
      void this.alerts.expiring(this.oauth, e.message).catch((err: unknown) => this.log.warn(`Could not send an alert: ${errorMessage(err)}`));
    }
    return { refreshed: false, kind: "failed", message, status: this.status() };
  }
}
