import type { UsageReport } from "../accounts/usage-monitor.js";
import type { ServiceEvent } from "../alerts/event-log.js";
import type { ErrorCode } from "../core/errors.js";
import type { LockProtocol } from "../login/lock-plan.js";

/**
 * The status types, in one place. `ServiceStatus` is what one account's service knows (times in
 * ms); `StatusJson` is the status value every surface renders: the documented `status --json`
 * shape (README "status --json"), built once per request by status/build.ts. Neither ever carries
 * token material.
 */

export type ServiceState = "stopped" | "ok" | "refreshing" | "retrying" | "outcome-unknown" | "needs-login" | "no-credentials" | "invalid-credentials";

export interface ServiceStatus {
  state: ServiceState;
  credentialsPath: string;
  profileId: string;
  /** The configured agents, all of which read the profile (the shared store, or their own copy). */
  agents?: string[];
  account?: { email?: string; subscriptionType?: string };
  accessTokenExpiresAt?: number;
  loginEndsAt?: number;
  lastRefresh?: { at: number; result: "ok" | "failed"; message?: string };
  nextRefreshAt?: number;
  retryAt?: number;
  unsavedTokens: boolean;
  lastError?: { code: ErrorCode | "unknown"; message: string };
  /** The subscription's usage windows; absent when usage checks are off. */
  usage?: UsageReport;
  /** The latest alert and whether every owner target got it (from the alert ledger). */
  lastAlert?: { kind: string; at: number; delivered: boolean; targets: string[] };
  /** Whose locks guard the file: Claude Code's (the file is its `.credentials.json`) or ours. */
  lockProtocol?: LockProtocol;
  locks?: { refresh: string[]; write?: string; skipped?: Array<{ path: string; code: "lock_unavailable"; message: string }> };
  /** The last few refreshes, failures and alerts, newest first (see event-log.ts). */
  events?: ServiceEvent[];
}

/** One account's status with its name and its place in the order agents use (1 = first). */
export interface AccountStatus extends ServiceStatus {
  name: string;
  /** 1 = agents use it first. */
  place: number;
  /** Giving way: its OpenClaw profile carries this account's token, so sessions pinned to it moved there. */
  lentTo?: string;
  /** Why it gives way ("default reached 96 % of its 5-hour window, resets 15:00 UTC"). */
  lentBecause?: string;
  /** The OpenClaw sessions pinned to its profile when it began giving way (they moved). */
  movedSessions?: string[];
}

export type Health = "healthy" | "attention" | "broken";

export type StatusState = ServiceState | "expired";

export interface StatusJson {
  state: StatusState;
  /**
   * With several accounts and none asked for, the worst account's health (what `status` exits
   * with); otherwise this account's own. Each entry of `accounts` has its own.
   */
  health: Health;
  source: "gateway" | "file";
  credentials: { path: string; mode?: string };
  profileId: string;
  agents?: string[];
  account?: { email?: string; subscriptionType?: string };
  accessToken?: { expiresAt: string; validForMinutes: number; expired: boolean };
  login?: { endsAt: string; endsInDays: number };
  lastRefresh?: { at: string; result: "ok" | "failed"; message?: string };
  nextRefreshAt?: string;
  retryAt?: string;
  unsavedTokens: boolean;
  lastError?: { code: string; message: string };
  /** The last ten refreshes, failures and alerts seen by the running gateway, newest first. */
  events?: Array<{ at: string; kind: string; message: string }>;
  /** "claude-code": the file is Claude Code's and its locks are taken; "plugin": our own lock. */
  lockProtocol?: "claude-code" | "plugin";
  locks?: { refresh: string[]; write?: string; skipped?: Array<{ path: string; code: "lock_unavailable"; message: string }> };
  /** The latest alert: its kind, when, where it was sent and whether every target got it. */
  lastAlert?: { kind: string; at: string; delivered: boolean; targets: string[] };
  usage?: UsageJson;
  /** Every account (from the running gateway, or from the files with no gateway), each with its place. */
  accounts?: AccountStatusJson[];
}

/**
 * One account in `status --json`'s `accounts` list: the same fields, plus its name and place in the
 * order, and `lentTo` while it gives way (its OpenClaw profile carries that account's token, so the
 * sessions pinned to it moved there).
 */
export type AccountStatusJson = StatusJson & { name: string; place: number; lentTo?: string; lentBecause?: string; movedSessions?: string[] };

export interface UsageWindowJson {
  utilization: number;
  resetsAt?: string;
}

export interface UsageJson {
  /** When the windows below were read; absent when no check has succeeded yet. */
  checkedAt?: string;
  /**
   * Every window the answer had: `fiveHour`, `sevenDay`, `sevenDayOpus`, `sevenDaySonnet` when
   * present, and any other window under the field name Anthropic sent (e.g. `seven_day_oauth_apps`).
   */
  windows?: Record<string, UsageWindowJson>;
  /** Paid usage beyond the windows, present only when the account has it enabled. */
  extraUsage?: { enabled: true; utilization?: number; usedCredits?: number; monthlyLimit?: number };
  /** Why the latest check failed. */
  error?: { code: string; message: string; at: string };
  nextCheckAt?: string;
}
