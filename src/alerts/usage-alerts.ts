import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { redact } from "../core/redact.js";
import type { AccountStatus, AccountStatusJson } from "../status/types.js";
import type { AlertChannel, AlertLedger } from "./alerts.js";
import { accountUsages, alertLevels, decideUsageAlerts, digestDue, digestMessage, type UsageAlertMessage } from "./usage-alert-decisions.js";

/**
 * Telling the owner before an account runs out: one chat message when any of its usage windows
 * crosses one of `usageAlertPercents`, one when a window is used up (which account agents use
 * now, or when the first window resets if none is left), and an optional daily summary. Each mark
 * is told once per account, window and window period, remembered in the account's alert ledger
 * (so a restart does not repeat it). The decisions are pure functions of the previous memory, the
 * new reading and the clock, in usage-alert-decisions.ts; the class here only reads, decides,
 * records and sends.
 */

export interface UsageAlertsDeps {
  percents: readonly number[];
  digestAt?: string;
  clock: Clock;
  log: Logger;
  /** Every account with its place (after the pool has ranked them). */
  statuses(): AccountStatus[];
  /** The documented status of every account, for the summary. */
  statusJson(): Promise<AccountStatusJson[]>;
  /** An account's ledger (memory) and its owner channel. */
  channelOf(account: string): { ledger: AlertLedger; alert: AlertChannel } | undefined;
  /** Where the summary goes and its day is remembered (the default account's). */
  digest(): { ledger: AlertLedger; alert: AlertChannel } | undefined;
}

/** How often the summary's time is looked at. */
const DIGEST_TICK_MS = 60_000;

export class UsageAlerts {
  private queue: Promise<void> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private running = false;
  /** The readings and places the last pass decided on: the pool re-ranks every minute, mostly with nothing new. */
  private lastSeen = "";

  constructor(private readonly deps: UsageAlertsDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.deps.digestAt) this.arm();
  }

  stop(): void {
    this.running = false;
    this.lastSeen = "";
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** After each ranking pass: tell what crossed a mark. Passes run one at a time, so nothing is told twice. */
  check(): Promise<void> {
    if (!this.running || alertLevels(this.deps.percents).length === 0) return this.queue;
    const run = this.queue.then(() => this.checkAll()).catch((err: unknown) => this.deps.log.warn(`Could not check usage alerts: ${redact(errorMessage(err))}`));
    this.queue = run;
    return run;
  }

  private async checkAll(): Promise<void> {
    const now = this.deps.clock.now();
    const statuses = this.deps.statuses();
    const all = accountUsages(statuses, now);
    const seen = JSON.stringify(all);
    if (seen === this.lastSeen) return;
    this.lastSeen = seen;
    for (const status of statuses) {
      const target = this.deps.channelOf(status.name);
      if (!target) continue;
      // Most passes change nothing: decide on what was read, and write the ledger only when they do.
      const before = await target.ledger.read();
      const preview = decideUsageAlerts({ account: status.name, accounts: all, percents: this.deps.percents, memory: before.usage ?? {}, now });
      if (preview.alerts.length === 0 && JSON.stringify(preview.memory) === JSON.stringify(before.usage ?? {})) continue;
      let alerts: UsageAlertMessage[] = [];
      // Decided and marked inside one ledger update: a mark is recorded before its message goes out.
      await target.ledger.update((r) => {
        const decision = decideUsageAlerts({ account: status.name, accounts: all, percents: this.deps.percents, memory: r.usage ?? {}, now });
        alerts = decision.alerts;
        return { ...r, usage: decision.memory };
      });
      for (const a of alerts) {
        this.deps.log.info(`Usage alert: ${a.message}`);
        await target.alert({ kind: "usage", message: a.message, credentialsPath: status.credentialsPath, profileId: status.profileId, account: status.name });
      }
    }
  }

  private arm(): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.sendDigestIfDue().finally(() => this.arm());
    }, DIGEST_TICK_MS);
  }

  /** Sends today's summary when its time has come (once per day, remembered across restarts). */
  async sendDigestIfDue(): Promise<boolean> {
    const at = this.deps.digestAt;
    const target = this.deps.digest();
    if (!at || !target) return false;
    try {
      const now = this.deps.clock.now();
      let day: string | undefined;
      await target.ledger.update((r) => {
        day = digestDue(now, at, r.digestSentOn);
        return day ? { ...r, digestSentOn: day } : r;
      });
      if (!day) return false;
      const accounts = await this.deps.statusJson();
      const first = accounts[0];
      if (!first) return false;
      await target.alert({ kind: "usage-digest", message: digestMessage(accounts, now), credentialsPath: first.credentials.path, profileId: first.profileId });
      return true;
    } catch (err) {
      this.deps.log.warn(`Could not send the daily usage summary: ${redact(errorMessage(err))}`);
      return false;
    }
  }
}
