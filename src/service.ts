import { systemClock, type Clock, type TimerHandle } from "./core/clock.js";
import type { PluginConfig } from "./core/config.js";
import { LoginAlerts } from "./alerts/login-alerts.js";
import { asPluginError, errorMessage } from "./core/errors.js";
import type { ServiceState, ServiceStatus } from "./status/types.js";
import type { Logger } from "./core/logger.js";
import { redact } from "./core/redact.js";
import { EventLog } from "./alerts/event-log.js";
import { keepsCredentialsOnLogout, type LogoutOptions } from "./login/logout-policy.js";
import { deleteCredentials, recoverAtStart } from "./login/credentials-store.js";
import { defaultRefreshDeps, runRefresh, type RefreshDeps, type RefreshResult } from "./login/refresh.js";
import type { UsageMonitor } from "./accounts/usage-monitor.js";
import { usageMonitorFor } from "./lifecycle/usage-wiring.js";
import { MINUTE_MS, sharedFileMarginMs } from "./login/schedule.js";
import { EffectRunner } from "./lifecycle/effects.js";
import { statusOf } from "./lifecycle/status.js";
import { TokenPublishing } from "./lifecycle/publishing.js";
import { SkippedLocks } from "./lifecycle/skipped-locks.js";
import { WatchedCredentials } from "./lifecycle/watched-credentials.js";
import { SingleFlight, waitAtMost } from "./core/in-flight.js";
import { planTick, type TickInput } from "./lifecycle/tick.js";
import type { RefreshReport, ServiceDeps } from "./lifecycle/service-types.js";
import { fileRead, fileUnreadable, initialLifecycle, loggedOut, marginMs, offeredToken, refreshFailed, refreshOptions, refreshReturned, refreshing, refusedBefore, resume, shouldRefresh, started, stopped, usableToken, validity, wakeDelay, type Lifecycle, type Step } from "./lifecycle/decide.js";
import { bannerLines, loggedOutMessage, refusedBeforeMessage, stoppingUnsavedMessage } from "./lifecycle/messages.js";

// The status types live with the status model; re-exported for the code that reads them from here.
export type { ServiceState, ServiceStatus } from "./status/types.js";

export type { LogoutOptions } from "./login/logout-policy.js";
export { keepsCredentialsOnLogout } from "./login/logout-policy.js";

export type { RefreshReport, ServiceDeps } from "./lifecycle/service-types.js";

/**
 * The long-running part, as a thin shell: it owns the one timer, reads the file, runs the refresh,
 * publishes and alerts. What to do and what state follows are decided in lifecycle/decide.ts
 * (pure, tested with numbers for a clock), what a wake-up looks at in lifecycle/tick.ts; when to
 * act in login/schedule.ts; the words in lifecycle/messages.ts; the status in lifecycle/status.ts.
 */
export class RefreshService {
  private readonly config: PluginConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly refreshDeps: RefreshDeps;
  private readonly alerts: LoginAlerts;
  private readonly effects: EffectRunner;
  private readonly usage: UsageMonitor | undefined;
  private readonly events = new EventLog();
  /** Optional locks that could not be created (Claude Code's legacy lock): told once each. */
  private readonly skippedLocks: SkippedLocks;
  private readonly publishing: TokenPublishing;
  private readonly file: WatchedCredentials;
  /** One refresh at a time (concurrent callers share it), one wake-up at a time; each re-arms the timer when it ends. */
  private readonly refreshes = new SingleFlight<RefreshReport>(() => this.settled());
  private readonly ticks = new SingleFlight<void>(() => this.settled());

  /** The login's state: replaced whole by the lifecycle's decisions, never edited field by field. */
  private l: Lifecycle = initialLifecycle;
  // The shell's own bookkeeping: the timer and the clocks.
  private nextCheckAt = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  private lastWall = 0;
  private lastMono = 0;

  constructor(private readonly deps: ServiceDeps) {
    this.config = deps.config;
    this.log = deps.logger;
    this.clock = deps.clock ?? systemClock;
    this.skippedLocks = new SkippedLocks(this.log);
    this.file = new WatchedCredentials(deps.config.credentialsPath, this.log);
    this.refreshDeps = defaultRefreshDeps(deps.config, { now: () => this.clock.now(), onLockSkipped: (lockPath, err) => this.skippedLocks.skipped(lockPath, err, this.refreshDeps.lockPlan.refreshLocks[0]), ...deps.refresh });
    this.publishing = new TokenPublishing({ publisher: deps.publisher, profileId: deps.config.profileId, log: this.log, clock: this.clock });
    this.alerts = new LoginAlerts({ alert: deps.alert, ledger: deps.alertLedger, credentialsPath: deps.config.credentialsPath, profileId: deps.config.profileId, log: this.log, clock: this.clock, events: this.events });
    this.effects = new EffectRunner({ log: this.log, events: this.events, alerts: this.alerts, clock: this.clock });
    this.usage = usageMonitorFor(deps, { clock: this.clock, log: this.log, currentToken: () => usableToken(this.l, this.clock.now()), onReport: () => this.changed() });
  }

  /** Tells the account pool that the state, the token or the usage may have changed (it re-ranks). */
  private changed(): void {
    this.deps.onChange?.();
  }

  /** A refresh or a wake-up ended: the next wake-up is planned again, and the pool re-ranks. */
  private settled(): void {
    this.schedule();
    this.changed();
  }

  /** The token this account publishes now (with the email), for another account's profile to carry. */
  currentToken(): { accessToken: string; expiresAt: number; email?: string } | undefined {
    return offeredToken(this.l, this.clock.now());
  }

  private get intervalMs(): number {
    return this.config.refreshIntervalMinutes * MINUTE_MS;
  }

  /** The configured margin, raised on a file shared with Claude Code (before the token's lifetime caps it). */
  private get configuredMarginMs(): number {
    return sharedFileMarginMs(this.config.refreshBeforeExpiryMinutes * MINUTE_MS, this.refreshDeps.lockPlan.protocol === "claude-code");
  }

  private get marginMs(): number {
    return marginMs(this.l, this.configuredMarginMs);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.l = started(this.l);
    if (this.deps.banner ?? true) for (const line of bannerLines(this.config.credentialsPath, this.config.refreshIntervalMinutes, this.config.publishProfile)) this.log.info(line);
    this.lastWall = this.clock.now();
    this.lastMono = this.clock.monotonic();
    await this.alerts.load(); // status shows the last alert from the start
    await recoverAtStart(this.refreshDeps).catch((err: unknown) => this.log.warn(`Could not check for an interrupted credentials write: ${errorMessage(err)}`));
    await this.loadFromDisk();
    this.effects.run(validity(this.l, this.clock.now()));
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
    await waitAtMost(this.clock, this.deps.stopGraceMs ?? 20_000, [this.refreshes.running, this.ticks.running]);
    if (this.l.unsaved) this.log.error(stoppingUnsavedMessage(this.config.credentialsPath, this.l.lastError?.message));
    this.l = stopped(this.l);
  }

  /** Refresh now if due (or always with `force`); concurrent callers share one refresh. */
  refreshNow(options: { force?: boolean } = {}): Promise<RefreshReport> {
    return this.refreshes.run(() => this.doRefresh(options.force ?? false));
  }

  /** Re-read the credentials file and publish it (after `import`/`login` wrote a new one). */
  async reload(): Promise<ServiceStatus> {
    this.file.forget();
    await this.loadFromDisk();
    this.effects.run(validity(this.l, this.clock.now()));
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
    await this.refreshes.running?.catch(() => undefined);
    const keep = keepsCredentialsOnLogout(this.refreshDeps.lockPlan.protocol, options);
    if (!keep) await deleteCredentials(this.refreshDeps);
    await this.deps.publisher.unpublish();
    this.l = loggedOut(this.l);
    await this.file.wroteIt();
    this.log.info(loggedOutMessage(this.config.profileId, this.config.credentialsPath, keep));
    return this.status();
  }

  status(): ServiceStatus {
    const lastAlert = this.alerts.lastAlert();
    return statusOf(this.l, {
      credentialsPath: this.config.credentialsPath,
      profileId: this.config.profileId,
      agents: this.deps.agents,
      lockPlan: this.refreshDeps.lockPlan,
      skippedLocks: this.skippedLocks.list(),
      marginMs: this.marginMs,
      ...(this.usage ? { usage: this.usage.report() } : {}),
      ...(lastAlert ? { lastAlert } : {}),
      events: this.events.list(),
    });
  }

  // ---- the loop ------------------------------------------------------------------------

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => void this.tick("timer"), wakeDelay(this.l, this.clock.now(), this.nextCheckAt, this.marginMs));
  }

  private tick(reason: TickInput["reason"]): Promise<void> {
    if (!this.running) return this.ticks.running ?? Promise.resolve();
    return this.ticks.run(() => this.runTick(reason));
  }

  private async runTick(reason: TickInput["reason"]): Promise<void> {
    try {
      const now = this.clock.now();
      const monotonic = this.clock.monotonic();
      const plan = planTick({ reason, now, monotonic, lastWall: this.lastWall, lastMono: this.lastMono, nextCheckAt: this.nextCheckAt, intervalMs: this.intervalMs });
      this.effects.run(plan.effects);
      this.lastWall = now;
      this.lastMono = monotonic;
      this.nextCheckAt = plan.nextCheckAt;
      // With unsaved tokens memory is newer than the file: what the file says can wait.
      if (plan.periodic || plan.jumped || (!this.l.unsaved && (await this.file.changed()))) {
        await this.loadFromDisk();
        if (plan.periodic) this.effects.run(validity(this.l, this.clock.now()));
      }
      if (this.publishing.pending) await this.publishing.publish(this.l.oauth);
      if (this.l.state !== "needs-login") await this.alerts.loginEnding(this.l.oauth);
      if (this.running && shouldRefresh(this.l, this.clock.now(), this.marginMs)) await this.refreshNow();
    } catch (err) {
      this.log.error(`Unexpected error: ${redact(errorMessage(err))}`);
    }
  }

  /** Takes a decision: its snapshot becomes the state, its effects are carried out in order. */
  private take(step: Step): void {
    this.l = step.next;
    this.effects.run(step.effects);
  }

  private async loadFromDisk(options: { publish?: boolean } = {}): Promise<void> {
    if (this.l.unsaved) return; // memory is newer than the file until the write succeeds
    const publish = options.publish !== false;
    try {
      const oauth = await this.file.read();
      this.effects.clearProblem();
      const seen = fileRead(this.l, oauth);
      this.l = { ...this.l, oauth };
      if (seen.kind !== "new") return;
      // Refused by the server before a restart: that refresh token is dead, so it is never sent again.
      if (seen.checkRefused && (await this.alerts.refusedBefore(oauth.refreshToken))) {
        const step = refusedBefore(this.l, oauth, refusedBeforeMessage(this.config.credentialsPath));
        this.l = { ...this.l, lastError: step.next.lastError };
        if (publish) await this.publishing.publish(this.l.oauth); // its access token works until it expires
        this.take(step);
        return;
      }
      this.take(resume(this.l, oauth, this.config.credentialsPath));
      if (publish) await this.publishing.publish(this.l.oauth);
      this.usage?.afterTokenChange();
    } catch (err) {
      this.take(fileUnreadable(this.l, asPluginError(err, "credentials_invalid")));
    }
  }

  private async doRefresh(force: boolean): Promise<RefreshReport> {
    const previous = this.l.state;
    this.l = refreshing(this.l);
    this.deps.counting?.refreshAttempted();
    try {
      const result = await runRefresh(this.refreshDeps, refreshOptions(this.l, force, this.marginMs, this.clock.now()));
      return await this.applyResult(result);
    } catch (err) {
      return this.applyFailure(err, previous);
    }
  }

  private async applyResult(result: RefreshResult): Promise<RefreshReport> {
    const step = refreshReturned(this.l, result, this.clock.now(), this.configuredMarginMs, () => this.clock.random());
    this.l = step.next;
    await this.file.wroteIt();
    this.effects.clearProblem();
    if (step.refreshed) this.deps.counting?.refreshSucceeded();
    this.effects.run(step.effects);
    // Saved first (inside runRefresh), published next, reported last: the log line never claims
    // more than has happened.
    if (step.tokenChanged || this.publishing.pending) await this.publishing.publish(this.l.oauth);
    if (step.tokenChanged) this.usage?.afterTokenChange();
    this.effects.run(step.afterPublish);
    return { refreshed: step.refreshed, kind: result.kind, message: step.message, status: this.status() };
  }

  private applyFailure(err: unknown, previous: ServiceState): RefreshReport {
    const e = asPluginError(err, "server_error");
    this.deps.counting?.refreshFailed(e.code);
    const step = refreshFailed(this.l, e, previous, this.clock.now(), () => this.clock.random());
    this.take(step);
    return { refreshed: false, kind: "failed", message: step.message, status: this.status() };
  }
}
