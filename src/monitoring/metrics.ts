import { exitCodeFor } from "../status/health.js";
import type { AccountStatusJson } from "../status/types.js";
import type { AccountCounters } from "./counters.js";

/**
 * The metrics route's body: Prometheus text format, made by prom-client (Node's standard client)
 * in a fresh Registry per scrape, so the process-wide default registry (which OpenClaw or another
 * plugin may use) is never touched and an account that is gone leaves no stale series. This file
 * is imported only when the route is read: prom-client costs nothing at gateway start or in a CLI
 * command. Every value comes from the same status model as `status --json` (health, place, usage)
 * plus the counters; labels carry account names, window keys and error codes, never a token or an
 * email address.
 */

type Prom = typeof import("prom-client");

let prom: Promise<Prom> | undefined;

async function loadProm(): Promise<Prom> {
  // prom-client is CommonJS: its named exports come through Node's interop, or on `default`.
  prom ??= import("prom-client").then((m) => ((m as Prom & { default?: Prom }).Registry ? m : ((m as { default: Prom }).default)));
  return prom;
}

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

/** The scrape's answer for every account the gateway keeps. */
export async function renderMetrics(accounts: readonly AccountStatusJson[], counters: (account: string) => AccountCounters | undefined, now: number): Promise<MetricsText> {
  const { Registry, Gauge, Counter } = await loadProm();
  const registry = new Registry();
  const registers = [registry];
  const byAccount = ["account"] as const;
  const byWindow = ["account", "window"] as const;
  const byReason = ["account", "reason"] as const;
  const tokenLeft = new Gauge({ name: SERIES.accessTokenSecondsLeft, help: "Seconds until the access token agents use expires (negative: expired).", labelNames: byAccount, registers });
  const loginLeft = new Gauge({ name: SERIES.loginSecondsLeft, help: "Seconds until the login ends and a human must log in again (refreshing cannot extend it).", labelNames: byAccount, registers });
  const health = new Gauge({ name: SERIES.health, help: "0 ok, 1 needs attention soon, 2 broken (as status --json health).", labelNames: byAccount, registers });
  const place = new Gauge({ name: SERIES.orderPlace, help: "Place in the order agents try the accounts in (1 = in use now, 0 = not in the order).", labelNames: byAccount, registers });
  const utilization = new Gauge({ name: SERIES.usageUtilization, help: "Share of the usage window used, 0-1 (1 = used up; the server may report a little more).", labelNames: byWindow, registers });
  const resetIn = new Gauge({ name: SERIES.usageResetSeconds, help: "Seconds until the usage window resets.", labelNames: byWindow, registers });
  const attempts = new Counter({ name: SERIES.refreshAttempts, help: "Refresh transactions run since the gateway started (including ones that found the token fresh).", labelNames: byAccount, registers });
  const successes = new Counter({ name: SERIES.refreshSuccesses, help: "Refreshes that got a new token since the gateway started.", labelNames: byAccount, registers });
  const failures = new Counter({ name: SERIES.refreshFailures, help: "Failed refreshes since the gateway started, by error code.", labelNames: byReason, registers });
  const usageFailures = new Counter({ name: SERIES.usageCheckFailures, help: "Failed usage checks since the gateway started, by error code.", labelNames: byReason, registers });
  const sent = new Counter({ name: SERIES.alertsSent, help: "Alerts delivered to an owner chat since the gateway started (one per chat).", labelNames: byAccount, registers });
  const gaveUp = new Counter({ name: SERIES.alertsFailed, help: "Alerts given up on after every retry since the gateway started (one per chat).", labelNames: byAccount, registers });
  const undelivered = new Gauge({ name: SERIES.alertsUndelivered, help: "1 while the latest alert has not reached every owner chat.", labelNames: byAccount, registers });

  for (const a of accounts) {
    const account = { account: a.name };
    if (a.accessToken) tokenLeft.set(account, seconds(a.accessToken.expiresAt, now));
    if (a.login) loginLeft.set(account, seconds(a.login.endsAt, now));
    health.set(account, HEALTH_VALUE(a.health));
    place.set(account, a.place);
    for (const [window, w] of Object.entries(a.usage?.windows ?? {})) {
      if (!w) continue;
      utilization.set({ ...account, window }, w.utilization / 100);
      if (w.resetsAt) resetIn.set({ ...account, window }, seconds(w.resetsAt, now));
    }
    undelivered.set(account, a.lastAlert && a.lastAlert.targets.length > 0 && !a.lastAlert.delivered ? 1 : 0);
    const c = counters(a.name);
    // Counters start at 0 for every account, so rate() works from the first scrape.
    attempts.inc(account, c?.refreshAttempts ?? 0);
    successes.inc(account, c?.refreshSuccesses ?? 0);
    sent.inc(account, c?.alertsSent ?? 0);
    gaveUp.inc(account, c?.alertsFailed ?? 0);
    for (const [reason, n] of c?.refreshFailures ?? []) failures.inc({ ...account, reason }, n);
    for (const [reason, n] of c?.usageCheckFailures ?? []) usageFailures.inc({ ...account, reason }, n);
  }
  return { contentType: registry.contentType, body: await registry.metrics() };
}
