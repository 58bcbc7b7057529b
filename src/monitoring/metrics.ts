import { exitCodeFor } from "../status/health.js";
import type { AccountStatusJson } from "../status/types.js";
import type { AccountCounters } from "./counters.js";
import { EXPOSITION_CONTENT_TYPE, exposition, type Family, type Sample } from "./exposition.js";

/**
 * The metrics route's body: every value comes from the same status model as `status --json`
 * (health, place, usage) plus the counters, rendered fresh per scrape, so an account that is gone
 * leaves no stale series and no process-wide registry (which OpenClaw or another plugin may use)
 * is touched. Labels carry account names, window keys and error codes, never a token or an email
 * address. This file is imported only when the route is read.
 */

export const METRIC_PREFIX = "claude_oauth_";

/** The documented series; `docs/monitoring.md` lists the same. */
export const SERIES = {
  accessTokenSecondsLeft: `${METRIC_PREFIX}access_token_seconds_left`,
  loginSecondsLeft: `${METRIC_PREFIX}login_seconds_left`,
  health: `${METRIC_PREFIX}health`,
  orderPlace: `${METRIC_PREFIX}order_place`,
  usageUtilization: `${METRIC_PREFIX}usage_utilization_ratio`,
  usageResetSeconds: `${METRIC_PREFIX}usage_reset_seconds`,
  refreshAttempts: `${METRIC_PREFIX}refresh_attempts_total`,
  refreshSuccesses: `${METRIC_PREFIX}refresh_successes_total`,
  refreshFailures: `${METRIC_PREFIX}refresh_failures_total`,
  usageCheckFailures: `${METRIC_PREFIX}usage_check_failures_total`,
  alertsSent: `${METRIC_PREFIX}alerts_sent_total`,
  alertsFailed: `${METRIC_PREFIX}alert_delivery_failures_total`,
  alertsUndelivered: `${METRIC_PREFIX}alerts_undelivered`,
} as const;

/** Health as a number, so an alert rule can compare it: 0 ok, 1 attention, 2 broken (as plain `status` exits). */
export const HEALTH_VALUE = (health: AccountStatusJson["health"]): number => exitCodeFor(health);

const seconds = (iso: string, now: number) => Math.round((Date.parse(iso) - now) / 1000);

export interface MetricsText {
  contentType: string;
  body: string;
}

type Help = Record<keyof typeof SERIES, string>;

const HELP: Help = {
  accessTokenSecondsLeft: "Seconds until the access token agents use expires (negative: expired).",
  loginSecondsLeft: "Seconds until the login ends and a human must log in again (refreshing cannot extend it).",
  health: "0 ok, 1 needs attention soon, 2 broken (as status --json health).",
  orderPlace: "Place in the order agents try the accounts in (1 = in use now, 0 = not in the order).",
  usageUtilization: "Share of the usage window used, 0-1 (1 = used up; the server may report a little more).",
  usageResetSeconds: "Seconds until the usage window resets.",
  refreshAttempts: "Refresh transactions run since the gateway started (including ones that found the token fresh).",
  refreshSuccesses: "Refreshes that got a new token since the gateway started.",
  refreshFailures: "Failed refreshes since the gateway started, by error code.",
  usageCheckFailures: "Failed usage checks since the gateway started, by error code.",
  alertsSent: "Alerts delivered to an owner chat since the gateway started (one per chat).",
  alertsFailed: "Alerts given up on after every retry since the gateway started (one per chat).",
  alertsUndelivered: "1 while the latest alert has not reached every owner chat.",
};

/** One account's samples of every series (a series it has no value for gets none). */
function accountSamples(a: AccountStatusJson, c: AccountCounters | undefined, now: number): Record<keyof typeof SERIES, Sample[]> {
  const account = { account: a.name };
  const windows = Object.entries(a.usage?.windows ?? {}).flatMap(([window, w]) => (w ? [{ window, w }] : []));
  return {
    accessTokenSecondsLeft: a.accessToken ? [{ labels: account, value: seconds(a.accessToken.expiresAt, now) }] : [],
    loginSecondsLeft: a.login ? [{ labels: account, value: seconds(a.login.endsAt, now) }] : [],
    health: [{ labels: account, value: HEALTH_VALUE(a.health) }],
    orderPlace: [{ labels: account, value: a.place }],
    usageUtilization: windows.map(({ window, w }) => ({ labels: { ...account, window }, value: w.utilization / 100 })),
    usageResetSeconds: windows.flatMap(({ window, w }) => (w.resetsAt ? [{ labels: { ...account, window }, value: seconds(w.resetsAt, now) }] : [])),
    // Counters start at 0 for every account, so rate() works from the first scrape.
    refreshAttempts: [{ labels: account, value: c?.refreshAttempts ?? 0 }],
    refreshSuccesses: [{ labels: account, value: c?.refreshSuccesses ?? 0 }],
    refreshFailures: [...(c?.refreshFailures ?? [])].map(([reason, n]) => ({ labels: { ...account, reason }, value: n })),
    usageCheckFailures: [...(c?.usageCheckFailures ?? [])].map(([reason, n]) => ({ labels: { ...account, reason }, value: n })),
    alertsSent: [{ labels: account, value: c?.alertsSent ?? 0 }],
    alertsFailed: [{ labels: account, value: c?.alertsFailed ?? 0 }],
    alertsUndelivered: [{ labels: account, value: a.lastAlert && a.lastAlert.targets.length > 0 && !a.lastAlert.delivered ? 1 : 0 }],
  };
}

/** The scrape's answer for every account the gateway keeps. */
export function renderMetrics(accounts: readonly AccountStatusJson[], counters: (account: string) => AccountCounters | undefined, now: number): MetricsText {
  const perAccount = accounts.map((a) => accountSamples(a, counters(a.name), now));
  const families: Family[] = (Object.keys(SERIES) as Array<keyof typeof SERIES>).map((key) => ({
    name: SERIES[key],
    help: HELP[key],
    type: SERIES[key].endsWith("_total") ? "counter" : "gauge",
    samples: perAccount.flatMap((samples) => samples[key]),
  }));
  return { contentType: EXPOSITION_CONTENT_TYPE, body: exposition(families) };
}
