import type { LockPlan } from "../login/lock-plan.js";
import type { ServiceStatus } from "../status/types.js";
import { plannedRefreshAt, type Lifecycle } from "./decide.js";

/**
 * One account's `ServiceStatus`, built from its lifecycle snapshot and what the shell holds
 * beside it. Pure: the same inputs give the same status, whoever asks (gateway, CLI, pool).
 */
export interface StatusParts {
  credentialsPath: string;
  profileId: string;
  agents: readonly string[] | undefined;
  lockPlan: LockPlan;
  skippedLocks: ReadonlyArray<{ path: string; code: "lock_unavailable"; message: string }>;
  /** The refresh margin now in force (see decide.ts, marginMs). */
  marginMs: number;
  usage?: ServiceStatus["usage"];
  lastAlert?: ServiceStatus["lastAlert"];
  events: NonNullable<ServiceStatus["events"]>;
}

export function statusOf(l: Lifecycle, p: StatusParts): ServiceStatus {
  const o = l.oauth;
  // doRefresh sets "refreshing" while it runs, so reports built inside it show the outcome.
  const s: ServiceStatus = { state: l.state, credentialsPath: p.credentialsPath, profileId: p.profileId, unsavedTokens: l.unsaved !== undefined };
  if (p.agents) s.agents = [...p.agents];
  const plan = p.lockPlan;
  s.lockProtocol = plan.protocol;
  s.locks = { refresh: [...plan.refreshLocks], ...(plan.writeLock ? { write: plan.writeLock } : {}), ...(p.skippedLocks.length ? { skipped: [...p.skippedLocks] } : {}) };
  if (o) {
    s.accessTokenExpiresAt = o.expiresAt;
    if (o.refreshTokenExpiresAt !== undefined) s.loginEndsAt = o.refreshTokenExpiresAt;
    if (o.accountEmail || o.subscriptionType) s.account = { ...(o.accountEmail ? { email: o.accountEmail } : {}), ...(o.subscriptionType ? { subscriptionType: o.subscriptionType } : {}) };
    const next = plannedRefreshAt(l, p.marginMs);
    if (next !== undefined) s.nextRefreshAt = next;
  }
  if (l.retryAt !== undefined) s.retryAt = l.retryAt;
  if (l.lastRefresh) s.lastRefresh = { ...l.lastRefresh };
  if (l.lastError) s.lastError = { ...l.lastError };
  if (p.usage) s.usage = p.usage;
  if (p.lastAlert) s.lastAlert = p.lastAlert;
  s.events = p.events;
  return s;
}
