import { promises as fs } from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { allNearlyUsedUp, decideBlocks, decideGiveBack, decideLending, decideOrder, whyNotFirst, standingOf, type AccountStanding } from "./account-order.js";
import { DEFAULT_ACCOUNT, accountConfig, listAccounts } from "./accounts.js";
import { orderRecordPath, readOrderRecord, type PoolRecord } from "./order-record.js";
import type { AlertChannel } from "../alerts/alerts.js";
import { allNearlyUsedUpMessage, lendingEndedMessage, lendingStartedMessage } from "../alerts/pool-alerts.js";
import { systemClock, type Clock, type TimerHandle } from "../core/clock.js";
import type { PluginConfig } from "../core/config.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ProfileRanking, PublishedToken } from "../openclaw/publish.js";
import { redact } from "../core/redact.js";
import { CLOCK_PROBE_MS } from "../login/schedule.js";
import type { RefreshService, ServiceStatus } from "../service.js";
import type { AccountStatus } from "../status/types.js";

/**
 * Every account the gateway keeps alive, one RefreshService each (its own file, lock, schedule,
 * back-off and alerts: one login's trouble never touches another's), and the one thing they
 * share: the order agents try them in. The pool ranks the accounts (account-order.ts) whenever a
 * service reports a change, and writes the ranking into OpenClaw's stores only when it changed.
 */

/** What the pool needs of an account's service (RefreshService; tests pass their own). */
export type AccountService = Pick<RefreshService, "start" | "stop" | "status" | "reload" | "refreshNow" | "logout" | "checkUsage">;

export interface PooledAccount {
  service: AccountService;
  /** The access token agents get from this account now (absent: it cannot lend its profile a token). */
  token?(): PublishedToken | undefined;
}

export interface AccountPoolDeps {
  config: PluginConfig;
  stateDir: string;
  logger: Logger;
  clock?: Clock;
  /** Builds one account's service, wired to the pool's ranking and change signal. */
  createAccount(name: string, config: PluginConfig, hooks: { ranking: () => ProfileRanking; onChange: () => void; logger: Logger; accountCount: () => number }): PooledAccount;
  /** Writes the pool's current ranking (order, blocks, lent tokens) into OpenClaw's stores. */
  applyRanking(ranking: ProfileRanking): Promise<void>;
  /** Where the pool's own alert (every account nearly used up) goes. */
  alert?: AlertChannel;
  /** Told after each ranking pass, once the places are current (usage alerts look then). */
  afterRerank?: () => void;
  /** The OpenClaw sessions pinned to a profile (openclaw/pinned-sessions.ts), named when they move. */
  pinnedSessions?: (profileId: string) => Promise<string[]>;
}

/** An account giving way: whose token its profile carries, why, and the sessions that moved with it. */
export interface Lending {
  to: string;
  why: string;
  sessions: string[];
}

export type { AccountStatus } from "../status/types.js";

export class AccountPool {
  private readonly deps: AccountPoolDeps;
  private readonly clock: Clock;
  private readonly accounts = new Map<string, PooledAccount>();
  private readonly recordFile: string;
  private record: PoolRecord = { order: [] };
  private applied = "";
  private timer: TimerHandle | undefined;
  private running = false;
  private ranking: ProfileRanking = { order: [], blockedUntil: {} };
  /** Accounts giving way -> the account whose token their profile carries (see ProfileRanking.carry). */
  private lentTo = new Map<string, Lending>();
  /** What OpenClaw's stores hold as lent, by profile: the carry last written, and any not yet given back. */
  private lastCarry: Record<string, PublishedToken> = {};
  private reranking: Promise<void> | undefined;
  private rerankAgain = false;

  constructor(deps: AccountPoolDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.recordFile = orderRecordPath(deps.stateDir);
  }

  names(): string[] {
    return [...this.accounts.keys()];
  }

  get(name: string): AccountService | undefined {
    return this.accounts.get(name)?.service;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.record = await readOrderRecord(this.recordFile);
    await this.discover();
    this.arm();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.accounts.values()].map((a) => a.service.stop()));
    // A ranking pass in flight may be writing order.json: nothing of ours writes after stop().
    await this.reranking;
    this.accounts.clear();
  }

  /** Starts the account if its file appeared since (import/login --account while the gateway runs). */
  async ensure(name: string): Promise<AccountService> {
    const existing = this.accounts.get(name);
    if (existing) return existing.service;
    const config = accountConfig(this.deps.config, name, this.deps.stateDir);
    const prefix = name === DEFAULT_ACCOUNT ? "" : `[${name}] `;
    const logger: Logger = { info: (m) => this.deps.logger.info(prefix + m), warn: (m) => this.deps.logger.warn(prefix + m), error: (m) => this.deps.logger.error(prefix + m) };
    const account = this.deps.createAccount(name, config, { ranking: () => this.ranking, onChange: () => this.scheduleRerank(), logger, accountCount: () => this.accounts.size });
    this.accounts.set(name, account);
    if (name !== DEFAULT_ACCOUNT) logger.info(`Account ${name} added (credentials ${config.credentialsPath}, OpenClaw profile ${config.profileId}).`);
    this.ranking = this.computeRanking().ranking;
    if (this.running) await account.service.start();
    return account.service;
  }

  /** An account logged out for good: stop keeping it, and rank the rest. */
  async remove(name: string): Promise<void> {
    const account = this.accounts.get(name);
    if (!account || name === DEFAULT_ACCOUNT) return;
    this.accounts.delete(name);
    await account.service.stop();
    this.record = { ...this.record, order: this.record.order.filter((n) => n !== name) };
    this.scheduleRerank();
  }

  /** Every account with its place in the order. */
  statuses(): AccountStatus[] {
    return this.names().map((name) => {
      const status = (this.accounts.get(name) as PooledAccount).service.status();
      const lent = this.lentTo.get(name);
      return { ...status, name, place: this.ranking.order.indexOf(status.profileId) + 1, ...(lent ? { lentTo: lent.to, lentBecause: lent.why, movedSessions: lent.sessions } : {}) };
    });
  }

  private arm(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      void this.discover()
        .catch((err: unknown) => this.deps.logger.warn(`Could not look for new accounts: ${redact(errorMessage(err))}`))
        .finally(() => this.arm());
    }, CLOCK_PROBE_MS);
  }

  private readonly refusedNames = new Set<string>();

  /** An account that cannot run (its profile collides with the config's): said once, not every minute. */
  private refused(name: string, err: unknown): void {
    if (this.refusedNames.has(name)) return;
    this.refusedNames.add(name);
    this.deps.logger.error(`Not starting account ${name}: ${redact(errorMessage(err))}`);
  }

  /** Accounts whose file was added by hand (or by a command while the gateway was down). */
  private async discover(): Promise<void> {
    const found = (await listAccounts(this.deps.stateDir)).filter((name) => !this.accounts.has(name));
    if (!this.running) return;
    // Side by side, not one after another: OpenClaw is not ready until plugin services have started,
    // and each account's start is mostly waiting on the gateway's busy start-up (bench part 7).
    await Promise.all(found.map((name) => this.ensure(name).catch((err: unknown) => this.refused(name, err))));
    this.scheduleRerank();
  }

  private computeRanking(): { ranking: ProfileRanking; lending: Map<string, string>; stillLent: Record<string, PublishedToken>; reason?: string; standings: AccountStanding[]; order: string[] } {
    const now = this.clock.now();
    // One snapshot per account for the whole pass: a status is built afresh on every call.
    const statuses = new Map(this.names().map((name) => [name, (this.accounts.get(name) as PooledAccount).service.status()] as const));
    const standings = [...statuses].map(([name, s]) => standingOf(name, s, now));
    const decision = decideOrder(standings, this.record.order, this.switchAt, now);
    const profileOf = (name: string) => (statuses.get(name) as ServiceStatus).profileId;
    const blocks = decideBlocks(standings, decision.order[0], (name) => statuses.get(name)?.accessTokenExpiresAt, this.switchAt, now);
    const blockedUntil = Object.fromEntries(Object.entries(blocks).map(([name, until]) => [profileOf(name), until]));
    // Sessions OpenClaw keeps pinned to a blocked profile (the Claude CLI runtime) move with the
    // profile itself: it carries the first account's token until the block ends.
    const first = decision.order[0];
    // moveClaudeCliSessions off: no token to lend, so decideLending lends nothing (and what was lent is given back).
    const lenderToken = this.deps.config.moveClaudeCliSessions && first !== undefined ? this.accounts.get(first)?.token?.() : undefined;
    const tokenOf = (name: string) => this.accounts.get(name)?.token?.();
    const nameOf = new Map(this.names().map((name) => [profileOf(name), name] as const));
    // A profile lent a token whose account has none of its own to take back stays lent.
    const nothingToTakeBack = Object.keys(this.lastCarry).flatMap((id) => {
      const name = nameOf.get(id);
      return name !== undefined && tokenOf(name) === undefined ? [name] : [];
    });
    const lending = decideLending(blocks, first, lenderToken !== undefined, nothingToTakeBack);
    const carry: Record<string, PublishedToken> = {};
    if (lenderToken) for (const name of lending.keys()) carry[profileOf(name)] = lenderToken;
    // Lending over: the profile gets its own account's token back, in the same write.
    const { giveBack, stillLent } = decideGiveBack(this.lastCarry, carry, (id) => {
      const name = nameOf.get(id);
      if (name === undefined) return undefined;
      const token = tokenOf(name);
      return token ? { token } : {};
    });
    const ranking: ProfileRanking = { order: decision.order.map(profileOf), blockedUntil, ...(lending.size ? { carry } : {}), ...(Object.keys(giveBack).length ? { giveBack } : {}) };
    return { ranking, lending, stillLent, ...(decision.reason ? { reason: decision.reason } : {}), standings, order: decision.order };
  }

  private get switchAt(): number {
    return this.deps.config.switchAtPercent;
  }

  /** Coalesces bursts of changes (every service ticks each minute) into one ranking pass. */
  private scheduleRerank(): void {
    if (this.reranking) {
      this.rerankAgain = true;
      return;
    }
    this.reranking = this.rerank()
      .catch((err: unknown) => this.deps.logger.warn(`Could not update the account order in OpenClaw: ${redact(errorMessage(err))} Will retry within a minute.`))
      .finally(() => {
        this.reranking = undefined;
        if (this.rerankAgain) {
          this.rerankAgain = false;
          this.scheduleRerank();
        }
      });
  }

  private async rerank(): Promise<void> {
    if (!this.running || this.accounts.size === 0) return;
    const { ranking, lending, stillLent, reason, standings, order } = this.computeRanking();
    this.ranking = ranking;
    // OpenClaw's stores first, the words after: when the log says an account is first (or lent, or
    // carries its own token again), the next agent turn already finds it so.
    const key = JSON.stringify(ranking);
    if (key !== this.applied) {
      await this.deps.applyRanking(ranking);
      this.applied = key;
    }
    this.lastCarry = stillLent;
    if (reason) this.deps.logger.info(reason);
    await this.noteLending(lending, standings);
    if (order.join(",") !== this.record.order.join(",")) {
      this.record = { ...this.record, order };
      await this.writeRecord();
    }
    await this.alertIfAllNearlyFull(standings);
    this.deps.afterRerank?.();
  }

  /** Logs which accounts' sessions moved and which came back. */
  private async noteLending(lending: ReadonlyMap<string, string>, standings: readonly AccountStanding[]): Promise<void> {
    const next = new Map<string, Lending>();
    const now = this.clock.now();
    for (const [name, to] of lending) {
      const known = this.lentTo.get(name);
      if (known?.to === to) {
        next.set(name, known);
        continue;
      }
      const profile = this.accounts.get(name)?.service.status().profileId ?? name;
      const standing = standings.find((a) => a.name === name);
      const why = (standing && whyNotFirst(standing, this.switchAt, now)) ?? `${name} must give way`;
      const sessions = (await this.deps.pinnedSessions?.(profile).catch(() => [])) ?? [];
      next.set(name, { to, why, sessions });
      this.deps.logger.info(lendingStartedMessage(name, to, profile, why, sessions));
    }
    for (const [name, lent] of this.lentTo) {
      if (lending.has(name)) continue;
      this.deps.logger.info(lendingEndedMessage(name, lent.to));
    }
    this.lentTo = next;
  }

  private async alertIfAllNearlyFull(standings: AccountStanding[]): Promise<void> {
    if (standings.length < 2) return;
    const now = this.clock.now();
    const full = allNearlyUsedUp(standings, this.switchAt, now);
    if (!full) return;
    const key = full.firstResetAt ?? 0;
    if (this.record.allFullAlertFor === key) return;
    this.record = { ...this.record, allFullAlertFor: key };
    await this.writeRecord();
    const message = allNearlyUsedUpMessage(this.switchAt, full.firstResetAt);
    this.deps.logger.warn(message);
    await this.deps.alert?.({ kind: "all-nearly-used-up", message, credentialsPath: this.deps.config.credentialsPath, profileId: this.deps.config.profileId });
  }

  /** Atomic (temp file, fsync, rename): a crash mid-write must not leave a torn order behind. */
  private async writeRecord(): Promise<void> {
    await fs.mkdir(path.dirname(this.recordFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.recordFile, JSON.stringify(this.record), { mode: 0o600 });
  }
}
