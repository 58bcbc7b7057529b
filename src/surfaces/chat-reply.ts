import type { RefreshReport } from "../service.js";
import { MINUTE_MS } from "../login/schedule.js";
import { formatUsageWindows, type AccountStatusJson, type StatusJson } from "./status-view.js";

/**
 * What `/claude` answers in the owner's chat, as pure functions of a status snapshot and the
 * clock: short lines a phone shows without wrapping, the state in words, and what to do.
 * Worded "Token valid for N min", never "Access token: valid ...": OpenClaw's web chat masks
 * text of that shape. Never carries token material (the status JSON has none).
 */

export type ChatCommand =
  | { kind: "status" }
  | { kind: "refresh" }
  | { kind: "login-start" }
  | { kind: "login-finish"; pasted: string }
  | { kind: "help" }
  | { kind: "unknown"; word: string };

/** `/claude [status|refresh|login [code#state]|help]`; the subcommand is case-insensitive. */
export function parseChatCommand(args: string | undefined): ChatCommand {
  const text = (args ?? "").trim();
  if (text === "") return { kind: "status" };
  const [first = "", ...rest] = text.split(/\s+/);
  const word = first.toLowerCase();
  const remainder = rest.join(" ").trim();
  switch (word) {
    case "status":
      return { kind: "status" };
    case "refresh":
      return { kind: "refresh" };
    case "login":
      return remainder === "" ? { kind: "login-start" } : { kind: "login-finish", pasted: remainder };
    case "help":
      return { kind: "help" };
    default:
      return { kind: "unknown", word: first };
  }
}

export const CHAT_HELP = [
  "/claude: the Claude login's state (same as /claude status)",
  "/claude refresh: refresh the token now, then the state",
  "/claude login: start a new login; open the link, approve, then send /claude login <code>",
  "/claude help: this list",
].join("\n");

const STATE_WORDS: Record<StatusJson["health"], string> = { healthy: "healthy", attention: "needs attention", broken: "broken" };
const STATE_MARK: Record<StatusJson["health"], string> = { healthy: "✅", attention: "⚠️", broken: "❌" };
const DAY_MS = 24 * 60 * MINUTE_MS;

/** "6 h 12 min", "45 min", "2.5 days": a duration for people. */
export function duration(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs >= DAY_MS) return `${Math.floor((abs / DAY_MS) * 10) / 10} days`;
  if (abs >= 60 * MINUTE_MS) return `${Math.floor(abs / (60 * MINUTE_MS))} h ${Math.floor((abs % (60 * MINUTE_MS)) / MINUTE_MS)} min`;
  return `${Math.floor(abs / MINUTE_MS)} min`;
}

function ago(at: number, now: number): string {
  return now - at < MINUTE_MS ? "just now" : `${duration(now - at)} ago`;
}

/** What the owner should do, or nothing when all is well. */
export function whatToDo(s: StatusJson, now: number): string | undefined {
  switch (s.state) {
    case "needs-login":
      return "The login has ended and cannot be refreshed. Log in again: send /claude login here (or run \"openclaw claude-oauth login\" on the server).";
    case "no-credentials":
      return "There is no Claude login on the server yet. Send /claude login to log in.";
    case "invalid-credentials":
      return `The credentials file cannot be used${s.lastError ? ` (${s.lastError.message})` : ""}. Send /claude login to replace it with a new login.`;
    case "stopped":
      return "The plugin is not running in this gateway; check the gateway log.";
    default:
      break;
  }
  if (s.unsavedTokens) return "The credentials file cannot be written (see the gateway log): fix the disk on the server and do not restart the gateway before that.";
  if (s.accessToken?.expired && s.state !== "refreshing") return "The token has expired and agents cannot use Claude. Send /claude refresh; if that fails, /claude login.";
  if (s.state === "retrying" || s.state === "outcome-unknown") {
    const retry = s.retryAt ? ` The plugin retries by itself in ${duration(Date.parse(s.retryAt) - now)}.` : "";
    return `Refreshes are failing${s.lastError ? ` (${s.lastError.message.split(". ")[0]})` : ""}.${retry} If it lasts, check the server's network, or send /claude refresh.`;
  }
  if (s.login && Date.parse(s.login.endsAt) - now <= 3 * DAY_MS) return `The login ends in ${duration(Date.parse(s.login.endsAt) - now)}; refreshing cannot extend it. Send /claude login before then.`;
  return undefined;
}

/** The reply to `/claude` and `/claude status`. */
export function formatChatStatus(s: StatusJson, now: number): string {
  const lines = [`Claude login: ${STATE_WORDS[s.health]} ${STATE_MARK[s.health]}`];
  if (s.account) lines.push(`Account: ${[s.account.email, s.account.subscriptionType].filter(Boolean).join(", ")}`);
  if (s.accessToken) {
    const left = Date.parse(s.accessToken.expiresAt) - now;
    lines.push(s.accessToken.expired ? `Token expired ${duration(-left)} ago` : `Token valid for ${duration(left)}`);
  }
  if (s.login) lines.push(`Login ends in ${duration(Date.parse(s.login.endsAt) - now)} (${s.login.endsAt.slice(0, 10)})`);
  if (s.lastRefresh) lines.push(`Last refresh: ${s.lastRefresh.result === "ok" ? "ok" : "failed"}, ${ago(Date.parse(s.lastRefresh.at), now)}`);
  if (s.retryAt) lines.push(`Next try in ${duration(Date.parse(s.retryAt) - now)}`);
  else if (s.nextRefreshAt) lines.push(`Next refresh in ${duration(Date.parse(s.nextRefreshAt) - now)}`);
  const usage = s.usage ? formatUsageWindows(s.usage, now) : undefined;
  if (usage) lines.push(`Usage: ${usage}`);
  else if (s.usage?.error) lines.push(`Usage unavailable: ${s.usage.error.message}`);
  const todo = whatToDo(s, now);
  if (todo) lines.push(`What to do: ${todo}`);
  return lines.join("\n");
}

/** Several accounts: one block each, in the order agents use them; one account: its block alone. */
export function formatChatAccounts(accounts: readonly AccountStatusJson[], now: number): string {
  return [...accounts]
    .sort((a, b) => a.place - b.place)
    .map((a) => `Account ${a.name} (${a.place === 1 ? "agents use it first" : `number ${a.place} in line`})\n${formatChatStatus(a, now)}`)
    .join("\n\n");
}

/** The first line of the reply to `/claude refresh`, before the state. */
export function formatRefreshOutcome(report: Pick<RefreshReport, "kind" | "message">): string {
  switch (report.kind) {
    case "refreshed":
      return "Refreshed just now.";
    case "refreshed-elsewhere":
      return "Another process had just refreshed; using its token.";
    case "not-due":
      return "Not refreshed: the token is not due.";
    case "refreshed-unsaved":
    case "failed":
      return report.message;
  }
}

/** The reply to `/claude login`: the link, and what to send back. */
export function formatLoginStarted(url: string, expiresAt: number, now: number): string {
  return [
    "Open this link, log in with your Claude account and approve:",
    url,
    "Then send here: /claude login <the code the page shows>",
    // Rounded: said right after the login started, "9 min" for a 10-minute link would mislead.
    `The link is good for ${Math.round((expiresAt - now) / MINUTE_MS)} min; a new /claude login replaces it.`,
  ].join("\n");
}

/** The reply after a successful code exchange. */
export function formatLoggedIn(account: string | undefined, expiresAt: number, now: number): string {
  return `Logged in${account ? ` as ${account}` : ""}, valid for ${duration(expiresAt - now)}. The agents use the new login from their next turn.`;
}
