import { promises as fs } from "node:fs";
import type { ServiceStatus } from "../service.js";
import { MINUTE_MS } from "../login/schedule.js";
import { USAGE_WINDOWS, type UsageWindowName } from "../accounts/usage.js";

/**
 * What `status` shows, as pure functions of a status snapshot and the clock. The JSON shape is
 * the documented, stable interface (README "status --json"); it never carries token material.
 */

export const LOGIN_WARNING_DAYS = [3, 1] as const;
const DAY_MS = 24 * 60 * MINUTE_MS;

export type StatusState = ServiceStatus["state"] | "expired";

export interface StatusJson {
  state: StatusState;
  health: "healthy" | "attention" | "broken";
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
  /** `skipped`: an optional lock (Claude Code's legacy one) that cannot be created, with what to do. */
  locks?: { refresh: string[]; write?: string; skipped?: Array<{ path: string; code: string; message: string }> };
  /** The latest alert: its kind, when, where it was sent and whether every target got it. */
  lastAlert?: { kind: string; at: string; delivered: boolean; targets: string[] };
  usage?: UsageJson;
  /** Every account the gateway keeps (from the running gateway). */
  accounts?: AccountStatusJson[];
}

/** One account in `status --json`'s `accounts` list: the same fields, plus its name and place in the order. */
export type AccountStatusJson = StatusJson & { name: string; place: number };

export interface UsageJson {
  /** When the windows below were read; absent when no check has succeeded yet. */
  checkedAt?: string;
  windows?: Partial<Record<UsageWindowName, { utilization: number; resetsAt?: string }>>;
  /** Why the latest check failed. */
  error?: { code: string; message: string; at: string };
  nextCheckAt?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function healthOf(status: ServiceStatus, now: number): StatusJson["health"] {
  const expired = status.accessTokenExpiresAt !== undefined && status.accessTokenExpiresAt <= now;
  if (status.state === "needs-login" || status.state === "no-credentials" || status.state === "invalid-credentials") return "broken";
  if (expired && status.state !== "refreshing") return "broken";
  if (status.state === "retrying" || status.state === "outcome-unknown" || status.unsavedTokens) return "attention";
  if (status.loginEndsAt !== undefined && status.loginEndsAt - now <= LOGIN_WARNING_DAYS[0] * DAY_MS) return "attention";
  return "healthy";
}

export function exitCodeFor(health: StatusJson["health"]): 0 | 1 | 2 {
  return health === "healthy" ? 0 : health === "attention" ? 1 : 2;
}

export function toStatusJson(status: ServiceStatus, now: number, extra: { source: StatusJson["source"]; mode?: number; agents?: string[] }): StatusJson {
  const expired = status.accessTokenExpiresAt !== undefined && status.accessTokenExpiresAt <= now;
  const state: StatusState = extra.source === "file" && status.state === "ok" && expired ? "expired" : status.state;
  const out: StatusJson = {
    state,
    health: healthOf(status, now),
    source: extra.source,
    credentials: { path: status.credentialsPath, ...(extra.mode !== undefined ? { mode: extra.mode.toString(8).padStart(3, "0") } : {}) },
    profileId: status.profileId,
    unsavedTokens: status.unsavedTokens,
  };
  const agents = extra.agents ?? status.agents;
  if (agents) out.agents = agents;
  if (status.account) out.account = status.account;
  if (status.accessTokenExpiresAt !== undefined) {
    out.accessToken = { expiresAt: iso(status.accessTokenExpiresAt), validForMinutes: Math.max(0, Math.floor((status.accessTokenExpiresAt - now) / MINUTE_MS)), expired };
  }
  if (status.loginEndsAt !== undefined) out.login = { endsAt: iso(status.loginEndsAt), endsInDays: Math.max(0, Math.floor(((status.loginEndsAt - now) / DAY_MS) * 10) / 10) };
  if (status.lastRefresh) out.lastRefresh = { at: iso(status.lastRefresh.at), result: status.lastRefresh.result, ...(status.lastRefresh.message ? { message: status.lastRefresh.message } : {}) };
  if (status.nextRefreshAt !== undefined) out.nextRefreshAt = iso(status.nextRefreshAt);
  if (status.retryAt !== undefined) out.retryAt = iso(status.retryAt);
  if (status.lastError) out.lastError = status.lastError;
  // Events are what the running service saw; a status read from the file has none to tell.
  if (status.events && extra.source === "gateway") out.events = status.events.map((e) => ({ at: iso(e.at), kind: e.kind, message: e.message }));
  if (status.lockProtocol) out.lockProtocol = status.lockProtocol;
  if (status.locks) out.locks = { refresh: [...status.locks.refresh], ...(status.locks.write ? { write: status.locks.write } : {}), ...(status.locks.skipped?.length ? { skipped: status.locks.skipped.map((l) => ({ ...l })) } : {}) };
  if (status.lastAlert) out.lastAlert = { kind: status.lastAlert.kind, at: iso(status.lastAlert.at), delivered: status.lastAlert.delivered, targets: status.lastAlert.targets };
  if (status.usage) out.usage = toUsageJson(status.usage);
  return out;
}

function toUsageJson(report: NonNullable<ServiceStatus["usage"]>): UsageJson {
  const out: UsageJson = {};
  if (report.usage) {
    out.checkedAt = iso(report.usage.checkedAt);
    const windows: NonNullable<UsageJson["windows"]> = {};
    for (const [name, w] of Object.entries(report.usage.windows) as Array<[UsageWindowName, { utilization: number; resetsAt?: number }]>) {
      windows[name] = { utilization: w.utilization, ...(w.resetsAt !== undefined ? { resetsAt: iso(w.resetsAt) } : {}) };
    }
    out.windows = windows;
  }
  if (report.error) out.error = { code: report.error.code, message: report.error.message, at: iso(report.error.at) };
  if (report.nextCheckAt !== undefined) out.nextCheckAt = iso(report.nextCheckAt);
  return out;
}

function inWords(ms: number): string {
  const abs = Math.abs(ms);
  const text = abs >= DAY_MS ? `${(abs / DAY_MS).toFixed(1)} days` : abs >= 60 * MINUTE_MS ? `${Math.floor(abs / (60 * MINUTE_MS))} h ${Math.floor((abs % (60 * MINUTE_MS)) / MINUTE_MS)} min` : `${Math.floor(abs / MINUTE_MS)} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** Pure: "5-hour 43 %, resets in 2 h 10 min; week 12 %, resets in 3.1 days" (every window the answer has). */
export function formatUsageWindows(usage: UsageJson, now: number): string | undefined {
  if (!usage.windows) return undefined;
  const parts = USAGE_WINDOWS.flatMap(({ name, label }) => {
    const w = usage.windows?.[name];
    if (!w) return [];
    const resets = w.resetsAt ? `, resets ${inWords(Date.parse(w.resetsAt) - now)}` : "";
    return [`${label} ${Math.round(w.utilization)} %${resets}`];
  });
  return parts.length ? parts.join("; ") : "no usage recorded yet";
}

/** A short aligned table for people. */
export function formatStatusTable(s: StatusJson, now: number): string {
  const rows: Array<[string, string]> = [["State", `${s.state} (${s.health})`]];
  if (s.account) rows.push(["Account", [s.account.email, s.account.subscriptionType].filter(Boolean).join(", ")]);
  if (s.accessToken) {
    const at = Date.parse(s.accessToken.expiresAt);
    rows.push(["Access token", s.accessToken.expired ? `expired ${inWords(at - now).replace("in ", "")}` : `valid, expires ${inWords(at - now)} (${s.accessToken.expiresAt})`]);
  }
  if (s.login) rows.push(["Login ends", `${inWords(Date.parse(s.login.endsAt) - now)} (${s.login.endsAt})`]);
  if (s.lastRefresh) rows.push(["Last refresh", `${s.lastRefresh.result} ${inWords(Date.parse(s.lastRefresh.at) - now)}${s.lastRefresh.message ? `: ${s.lastRefresh.message}` : ""}`]);
  if (s.retryAt) rows.push(["Retry", inWords(Date.parse(s.retryAt) - now)]);
  else if (s.nextRefreshAt) rows.push(["Next refresh", `${inWords(Date.parse(s.nextRefreshAt) - now)}`]);
  rows.push(["Credentials", `${s.credentials.path}${s.credentials.mode ? ` (mode ${s.credentials.mode})` : ""}`]);
  if (s.lockProtocol && s.locks) {
    const paths = [...s.locks.refresh, ...(s.locks.write ? [s.locks.write] : [])].join(", ");
    rows.push(["Locks", s.lockProtocol === "claude-code" ? `Claude Code's, shared with it (${paths})` : `the plugin's own (${paths})`]);
    for (const skipped of s.locks.skipped ?? []) rows.push(["Lock skipped", skipped.message]);
  }
  rows.push(["OpenClaw profile", `${s.profileId}${s.agents?.length ? ` (agents: ${s.agents.join(", ")})` : ""}`]);
  rows.push(["Source", s.source === "gateway" ? "running gateway (live)" : "credentials file (no gateway reachable)"]);
  if (s.unsavedTokens) rows.push(["WARNING", "refreshed tokens are held in memory only: the credentials file cannot be written"]);
  if (s.lastError) rows.push(["Last error", s.lastError.message]);
  if (s.lastAlert) {
    const where = s.lastAlert.targets.length === 0 ? "no owner chat configured (log and system event only)" : `${s.lastAlert.delivered ? "delivered to" : "NOT yet delivered to"} ${s.lastAlert.targets.join(", ")}`;
    rows.push(["Last alert", `${s.lastAlert.kind} ${inWords(Date.parse(s.lastAlert.at) - now)}, ${where}`]);
  }
  if (s.usage) {
    const windows = formatUsageWindows(s.usage, now);
    if (windows) rows.push(["Usage", `${windows} (checked ${inWords(Date.parse(s.usage.checkedAt ?? "") - now)})`]);
    if (s.usage.error) rows.push([windows ? "Usage check" : "Usage", `unavailable: ${s.usage.error.message}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

/** Several accounts: one block each, in the order agents use them. */
export function formatAccountBlocks(s: StatusJson, now: number): string {
  const accounts = s.accounts ?? [];
  if (accounts.length < 2) return formatStatusTable(s, now);
  return [...accounts]
    .sort((a, b) => a.place - b.place)
    .map((a) => `Account ${a.name}${a.place === 1 ? " (agents use it first)" : ` (${ordinal(a.place)} in line)`}\n${indent(formatStatusTable(a, now))}`)
    .join("\n\n");
}

function ordinal(n: number): string {
  return n === 2 ? "2nd" : n === 3 ? "3rd" : `${n}th`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

/** Permission bits of the credentials file, for the status's "mode" field. */
export async function fileMode(path: string): Promise<number | undefined> {
  try {
    return (await fs.stat(path)).mode & 0o777;
  } catch {
    return undefined;
  }
}
