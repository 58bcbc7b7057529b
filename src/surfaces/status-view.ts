import { windowLabel, windowsInOrder } from "../accounts/usage-windows.js";
import { adviceFor, type Advice } from "../status/advice.js";
import { relative } from "../status/durations.js";
import { placeWords } from "../status/place.js";
import type { StatusJson, UsageJson } from "../status/types.js";

/**
 * What `status` prints for people: a renderer of the status value (status/), pure functions of it
 * and the clock. `status --json` prints the value itself.
 */

/** Pure: "5-hour 43 %, resets in 2 h 10 min; week 12 %, resets in 3.1 days" (every window the answer has). */
export function formatUsageWindows(usage: UsageJson, now: number): string | undefined {
  if (!usage.windows) return undefined;
  const parts = windowsInOrder(usage.windows).map(([key, w]) => `${windowLabel(key)} ${Math.round(w.utilization)} %${w.resetsAt ? `, resets ${relative(Date.parse(w.resetsAt), now)}` : ""}`);
  const extra = usage.extraUsage ? [`extra usage on${usage.extraUsage.utilization !== undefined ? ` (${Math.round(usage.extraUsage.utilization)} % of its monthly limit)` : ""}`] : [];
  if (parts.length === 0) return ["no usage recorded yet", ...extra].join("; ");
  return [...parts, ...extra].join("; ");
}

/** Pure: the advice of the status model (status/advice.ts), as a shell user acts on it. */
export function adviceLine(advice: Advice, now: number): string {
  const login = 'run "openclaw claude-oauth login" here (or send /claude login in the chat), or import a login from a PC: "openclaw claude-oauth import -"';
  switch (advice.kind) {
    case "log-in":
      return advice.why === "no-login" ? `log in: ${login}` : `the login has ended; log in again: ${login}`;
    case "replace-file":
      return `fix or replace the credentials file, or ${login}`;
    case "check-gateway-log":
      return "the service is not running: check the gateway log for [claude-oauth-refresh] lines";
    case "fix-disk":
      return "make the credentials file writable by the gateway's user (mode 600) now: a restart would lose the login";
    case "refresh-now":
      return `run "openclaw claude-oauth refresh"; if that fails, ${login}`;
    case "wait-for-retry":
      return `nothing yet: the plugin retries by itself${advice.retryAt !== undefined ? ` (${relative(advice.retryAt, now)})` : ""}; if it keeps failing, read the gateway log, then "openclaw claude-oauth refresh"`;
    case "log-in-before-end":
      return `the login cannot be extended; before it ends, ${login}`;
  }
}

/** A short aligned table for people. */
export function formatStatusTable(s: StatusJson, now: number): string {
  const rows: Array<[string, string]> = [["State", `${s.state} (${s.health})`]];
  const advice = adviceFor(s, now);
  if (advice) rows.push(["To do", adviceLine(advice, now)]);
  if (s.account) rows.push(["Account", [s.account.email, s.account.subscriptionType].filter(Boolean).join(", ")]);
  if (s.accessToken) {
    const at = Date.parse(s.accessToken.expiresAt);
    rows.push(["Access token", s.accessToken.expired ? `expired ${relative(at, now)}` : `valid, expires ${relative(at, now)} (${s.accessToken.expiresAt})`]);
  }
  if (s.login) rows.push(["Login ends", `${relative(Date.parse(s.login.endsAt), now)} (${s.login.endsAt})`]);
  if (s.lastRefresh) rows.push(["Last refresh", `${s.lastRefresh.result} ${relative(Date.parse(s.lastRefresh.at), now)}${s.lastRefresh.message ? `: ${s.lastRefresh.message}` : ""}`]);
  if (s.retryAt) rows.push(["Retry", relative(Date.parse(s.retryAt), now)]);
  else if (s.nextRefreshAt) rows.push(["Next refresh", relative(Date.parse(s.nextRefreshAt), now)]);
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
    rows.push(["Last alert", `${s.lastAlert.kind} ${relative(Date.parse(s.lastAlert.at), now)}, ${where}`]);
  }
  if (s.usage) {
    const windows = formatUsageWindows(s.usage, now);
    if (windows) rows.push(["Usage", `${windows}${s.usage.checkedAt ? ` (checked ${relative(Date.parse(s.usage.checkedAt), now)})` : ""}`]);
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
    .map((a) => `Account ${a.name} (${placeWords(a.place, a)})\n${indent(formatStatusTable(a, now))}`)
    .join("\n\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
