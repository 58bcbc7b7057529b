import { dueLoginWarning, fingerprint, type AlertChannel, type AlertLedger, type AlertRecord } from "./alerts.js";
import type { Clock } from "../core/clock.js";
import type { ClaudeOAuth } from "../login/credentials.js";
import type { EventLog } from "./event-log.js";
import type { Logger } from "../core/logger.js";
import { MINUTE_MS, minutesLeft } from "../login/schedule.js";
import { days as daysIn } from "../status/durations.js";

/**
 * The alerts one login raises, each sent once per login and condition, across restarts: the
 * login has ended, it ends in 3 days / 1 day, refreshes keep failing while the token runs out.
 * The ledger is the memory (a condition is marked before its alert goes out, so two checks racing
 * send it once); the service decides when to ask.
 */

/** Alert when refreshes keep failing and the token has less than this left. */
export const EXPIRING_ALERT_MS = 30 * MINUTE_MS;

export interface LoginAlertsDeps {
  alert: AlertChannel | undefined;
  ledger: AlertLedger | undefined;
  credentialsPath: string;
  profileId: string;
  log: Logger;
  clock: Clock;
  events: EventLog;
}

export class LoginAlerts {
  constructor(private readonly deps: LoginAlertsDeps) {}

  /** Reads the ledger, so `lastAlert()` answers from the start. */
  async load(): Promise<void> {
    await this.deps.ledger?.read().catch(() => undefined);
  }

  lastAlert(): { kind: string; at: number; delivered: boolean; targets: string[] } | undefined {
    const last = this.deps.ledger?.peek()?.lastAlert;
    return last ? { kind: last.kind, at: last.at, delivered: last.delivered, targets: [...last.targets] } : undefined;
  }

  /** Whether the server already refused this refresh token (remembered across restarts). */
  async refusedBefore(refreshToken: string): Promise<boolean> {
    const record = await this.deps.ledger?.read().catch(() => undefined);
    return record?.needsLoginFor !== undefined && record.needsLoginFor === fingerprint(refreshToken);
  }

  /** The needs-login alert goes out once per dead login, not on every check or restart. */
  async needsLogin(deadToken: string | undefined, message: string): Promise<void> {
    if (!this.deps.alert || !this.deps.ledger) return;
    const id = deadToken ? fingerprint(deadToken) : "no-token";
    if (!(await this.markOnce((r) => r.needsLoginFor === id, (r) => ({ ...r, needsLoginFor: id })))) return;
    await this.send({ kind: "needs-login", message }, "Alert sent: the login has ended and needs a new login.");
  }

  /**
   * A refresh ended without an answer and its token may be spent, so the plugin will not send it
   * again while the access token is in use (only once, as a last resort, at OpenClaw's cut-off):
   * the owner hears it at once (not only near expiry), once per token.
   */
  async maybeSpent(refreshToken: string | undefined, message: string): Promise<void> {
    if (!this.deps.alert || !this.deps.ledger || !refreshToken) return;
    const id = fingerprint(refreshToken);
    if (!(await this.markOnce((r) => r.maybeSpentFor === id, (r) => ({ ...r, maybeSpentFor: id })))) return;
    await this.send({ kind: "refresh-outcome-unknown", message }, "Alert sent: a refresh ended without an answer; the login may need a new login.");
  }

  /** Refreshes keep failing and the token runs out within 30 minutes: once per access token. */
  async expiring(oauth: ClaudeOAuth | undefined, reason: string): Promise<void> {
    if (!oauth || !this.deps.alert) return;
    const now = this.deps.clock.now();
    if (oauth.expiresAt - now > EXPIRING_ALERT_MS) return;
    const id = fingerprint(oauth.accessToken);
    if (!(await this.markOnce((r) => r.expiringFor === id, (r) => ({ ...r, expiringFor: id })))) return;
    const when = oauth.expiresAt > now ? `expires in ${minutesLeft(oauth.expiresAt, now)} minutes (${new Date(oauth.expiresAt).toISOString()})` : `expired at ${new Date(oauth.expiresAt).toISOString()}`;
    const message =
      `Claude token refreshes keep failing (${reason.split(". ")[0]}) and the access token ${when}; agents cannot use Claude after that. ` +
      `The plugin keeps retrying. Check the server's network and the gateway log; send /claude refresh to try now, or /claude login if it does not recover.`;
    this.deps.log.warn(message);
    await this.deps.alert({ kind: "token-expiring", message, credentialsPath: this.deps.credentialsPath, profileId: this.deps.profileId });
  }

  /** Warnings 3 days and 1 day before the login's hard end, while the token still works. */
  async loginEnding(oauth: ClaudeOAuth | undefined): Promise<void> {
    const end = oauth?.refreshTokenExpiresAt;
    if (end === undefined || !this.deps.ledger) return;
    const now = this.deps.clock.now();
    const sentFor = (r: AlertRecord): number[] => (r.loginEndsAt === end ? r.warned : []);
    const days = dueLoginWarning(end, now, sentFor(await this.deps.ledger.read()));
    if (days === undefined) return;
    // The same rounding as every status surface (down): an alert never says more time than status.
    const daysLeft = daysIn(end - now);
    const message =
      `The Claude login ends in ${daysLeft} days (${new Date(end).toISOString()}); refreshing cannot extend it. ` +
      `Log in again before then: run "openclaw claude-oauth login" on this server, or import a new login from a PC ("claude /login", then "openclaw claude-oauth import -").`;
    if (!(await this.markOnce((r) => sentFor(r).includes(days), (r) => ({ ...r, loginEndsAt: end, warned: [...sentFor(r), days] })))) return;
    this.deps.log.warn(message);
    await this.send({ kind: "login-ending", message, loginEndsAt: new Date(end).toISOString(), daysLeft }, `Alert sent: the login ends in ${daysLeft} days.`);
  }

  private async send(alert: { kind: "needs-login" | "login-ending" | "refresh-outcome-unknown"; message: string; loginEndsAt?: string; daysLeft?: number }, event: string): Promise<void> {
    await this.deps.alert?.({ ...alert, credentialsPath: this.deps.credentialsPath, profileId: this.deps.profileId });
    this.deps.events.record(this.deps.clock.now(), "alert-sent", event);
  }

  /** Marks a condition in the ledger; true only for the caller that marked it first. */
  private async markOnce(isMarked: (r: AlertRecord) => boolean, mark: (r: AlertRecord) => AlertRecord): Promise<boolean> {
    if (!this.deps.ledger) return false;
    let first = false;
    await this.deps.ledger.update((r) => {
      if (isMarked(r)) return r;
      first = true;
      return mark(r);
    });
    return first;
  }
}
