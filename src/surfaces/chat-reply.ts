import type { RefreshResult } from "../login/refresh.js";
import { adviceFor } from "../status/advice.js";
import { duration, MINUTE_MS, relative } from "../status/durations.js";
import { placeWords } from "../status/place.js";
import type { AccountStatusJson, StatusJson } from "../status/types.js";
import { formatUsageWindows } from "./status-view.js";

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

/** What the owner should do, in chat words, or nothing when all is well. */
export function whatToDo(s: StatusJson, now: number): string | undefined {
  const advice = adviceFor(s, now);
  switch (advice?.kind) {
    case undefined:
      return undefined;
    case "log-in":
      return advice.why === "login-ended"
        ? "The login has ended and cannot be refreshed. Log in again: send /claude login here (or run \"openclaw claude-oauth login\" on the server)."
        : "There is no Claude login on the server yet. Send /claude login to log in.";
    case "replace-file":
      return `The credentials file cannot be used${advice.problem ? ` (${advice.problem})` : ""}. Send /claude login to replace it with a new login.`;
    case "check-gateway-log":
      return "The plugin is not running in this gateway; check the gateway log.";
    case "fix-disk":
      return "The credentials file cannot be written (see the gateway log): fix the disk on the server and do not restart the gateway before that.";
    case "refresh-now":
      return "The token has expired and agents cannot use Claude. Send /claude refresh; if that fails, /claude login.";
    case "wait-for-retry": {
      const retry = advice.retryAt !== undefined ? ` The plugin retries by itself ${relative(advice.retryAt, now)}.` : "";
      return `Refreshes are failing${advice.problem ? ` (${advice.problem.split(". ")[0]})` : ""}.${retry} If it lasts, check the server's network, or send /claude refresh.`;
    }
    case "log-in-before-end":
      return `The login ends ${relative(advice.endsAt, now)}; refreshing cannot extend it. Send /claude login before then.`;
  }
}

/** The reply to `/claude` and `/claude status`. */
export function formatChatStatus(s: StatusJson, now: number): string {
  const lines = [`Claude login: ${STATE_WORDS[s.health]} ${STATE_MARK[s.health]}`];
  if (s.account) lines.push(`Account: ${[s.account.email, s.account.subscriptionType].filter(Boolean).join(", ")}`);
  if (s.accessToken) {
    const left = Date.parse(s.accessToken.expiresAt) - now;
    lines.push(s.accessToken.expired ? `Token expired ${relative(now + left, now)}` : `Token valid for ${duration(left)}`);
  }
  if (s.login) lines.push(`Login ends ${relative(Date.parse(s.login.endsAt), now)} (${s.login.endsAt.slice(0, 10)})`);
  if (s.lastRefresh) lines.push(`Last refresh: ${s.lastRefresh.result === "ok" ? "ok" : "failed"}, ${relative(Math.min(Date.parse(s.lastRefresh.at), now), now)}`);
  if (s.retryAt) lines.push(`Next try ${relative(Date.parse(s.retryAt), now)}`);
  else if (s.nextRefreshAt) lines.push(`Next refresh ${relative(Date.parse(s.nextRefreshAt), now)}`);
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
    .map((a) => `Account ${a.name} (${placeWords(a.place, a)})\n${formatChatStatus(a, now)}`)
    .join("\n\n");
}

/** The first line of the reply to `/claude refresh`, before the state. */
export function formatRefreshOutcome(report: { kind: RefreshResult["kind"] | "failed"; message: string }): string {
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
