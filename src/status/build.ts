import { promises as fs } from "node:fs";
import type { UsageReport } from "../accounts/usage-monitor.js";
import { days, MINUTE_MS } from "./durations.js";
import { healthOf, worstHealth } from "./health.js";
import type { AccountStatus, AccountStatusJson, ServiceStatus, StatusJson, StatusState, UsageJson } from "./types.js";

/**
 * Builds the status value every surface renders (the documented `status --json` object) from what
 * the services know: once per request, from the running pool's accounts, or from the files when
 * no gateway runs (status/local.ts). Pure apart from `fileModes`, which reads permission bits.
 */

const iso = (ms: number) => new Date(ms).toISOString();

export interface BuildOptions {
  source: StatusJson["source"];
  /** Permission bits of the credentials file, for `credentials.mode`. */
  mode?: number;
  agents?: string[];
}

/** One account's fields. */
export function toStatusJson(status: ServiceStatus, now: number, extra: BuildOptions): StatusJson {
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
  if (status.loginEndsAt !== undefined) out.login = { endsAt: iso(status.loginEndsAt), endsInDays: days(status.loginEndsAt - now) };
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

export function toUsageJson(report: UsageReport): UsageJson {
  const out: UsageJson = {};
  if (report.usage) {
    out.checkedAt = iso(report.usage.checkedAt);
    const windows: NonNullable<UsageJson["windows"]> = {};
    for (const [key, w] of Object.entries(report.usage.windows)) windows[key] = { utilization: w.utilization, ...(w.resetsAt !== undefined ? { resetsAt: iso(w.resetsAt) } : {}) };
    out.windows = windows;
    if (report.usage.extraUsage) out.extraUsage = { ...report.usage.extraUsage };
  }
  if (report.error) out.error = { code: report.error.code, message: report.error.message, at: iso(report.error.at) };
  if (report.nextCheckAt !== undefined) out.nextCheckAt = iso(report.nextCheckAt);
  return out;
}

/**
 * The whole status value: one account's fields at the top level (`account`, or `default`), and
 * every account with its place in `accounts`. With no account asked for, the top-level `health`
 * is the worst account's, so the route, the gateway method and `status`'s exit code agree.
 */
export function statusFromAccounts(accounts: readonly AccountStatus[], now: number, o: { source: StatusJson["source"]; account?: string; modes?: ReadonlyMap<string, number> }): StatusJson {
  const entries: AccountStatusJson[] = accounts.map((s) => {
    const mode = o.modes?.get(s.name);
    return { name: s.name, place: s.place, ...(s.lentTo ? { lentTo: s.lentTo, ...(s.lentBecause ? { lentBecause: s.lentBecause } : {}), movedSessions: s.movedSessions ?? [] } : {}), ...toStatusJson(s, now, { source: o.source, ...(mode === undefined ? {} : { mode }) }) };
  });
  const wanted = o.account ?? "default";
  const entry = entries.find((a) => a.name === wanted);
  if (!entry) throw new Error(`No Claude account named "${wanted}" in this gateway (accounts: ${accounts.map((a) => a.name).join(", ")}). Add it with: openclaw claude-oauth login --account ${wanted}`);
  const { name: _name, place: _place, lentTo: _lentTo, lentBecause: _lentBecause, movedSessions: _moved, ...fields } = entry;
  const health = o.account === undefined ? worstHealth(entries.map((a) => a.health)) : fields.health;
  return { ...fields, health, accounts: entries };
}

/** Permission bits of each account's credentials file, for `credentials.mode`. */
export async function fileModes(accounts: readonly Pick<AccountStatus, "name" | "credentialsPath">[]): Promise<Map<string, number>> {
  const modes = new Map<string, number>();
  await Promise.all(
    accounts.map(async (a) => {
      const mode = await fileMode(a.credentialsPath);
      if (mode !== undefined) modes.set(a.name, mode);
    }),
  );
  return modes;
}

export async function fileMode(path: string): Promise<number | undefined> {
  try {
    return (await fs.stat(path)).mode & 0o777;
  } catch {
    return undefined;
  }
}
