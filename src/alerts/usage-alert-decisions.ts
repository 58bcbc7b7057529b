import type { Usage } from "../accounts/usage.js";
import { windowLabel, windowsInOrder } from "../accounts/usage-windows.js";
import { relative } from "../status/durations.js";
import type { AccountStatus, AccountStatusJson } from "../status/types.js";
import { formatUsageWindows } from "../surfaces/status-view.js";

/**
 * The usage alerts' decisions, all pure (usage-alerts.ts carries them out): which marks a new
 * reading crosses and what is still remembered, the words of each message, and when the daily
 * summary is due and what it says. Inputs are the previous memory, the readings and the clock.
 */

/** One usage window of one account, as the last check read it. */
export interface WindowReading {
  /** The window's key in `status --json` (`fiveHour`, `sevenDay`, ...). */
  key: string;
  /** How people call it: "5-hour", "week". */
  label: string;
  utilization: number;
  /** ms since the epoch; absent for a window the server gave no reset for. */
  resetsAt?: number;
}

export interface AccountUsage {
  name: string;
  /** 1 = agents use it now; 0 = not in the order. */
  place: number;
  /** False when its token cannot be used (expired, needs a login). */
  serving: boolean;
  windows: WindowReading[];
}

/** Per window key: the period's reset moment and the marks already told in it. */
export type UsageMemory = Record<string, { resetsAt?: number; sent: number[] }>;

export interface UsageAlertMessage {
  window: string;
  /** The mark this message is for (100 = used up). */
  percent: number;
  message: string;
}

/** A later reset than the one remembered, by more than this, means a new period began (jitter aside). */
const NEW_PERIOD_SLACK_MS = 5 * 60_000;

export function parseUsageMemory(v: unknown): UsageMemory | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const out: UsageMemory = {};
  for (const [key, entry] of Object.entries(v as Record<string, unknown>)) {
    if (typeof entry !== "object" || entry === null) continue;
    const e = entry as { resetsAt?: unknown; sent?: unknown };
    const sent = Array.isArray(e.sent) ? e.sent.filter((n): n is number => typeof n === "number") : [];
    out[key] = { ...(typeof e.resetsAt === "number" ? { resetsAt: e.resetsAt } : {}), sent };
  }
  return out;
}

/** Pure: the marks to watch: the configured ones plus 100 (used up); none when alerts are off. */
export function alertLevels(percents: readonly number[]): number[] {
  return percents.length === 0 ? [] : [...new Set([...percents, 100])].sort((a, b) => a - b);
}

/** Pure: every window an answer holds (known or not), in reading order. */
export function readingsOf(usage: Pick<Usage, "windows"> | undefined): WindowReading[] {
  return windowsInOrder(usage?.windows).map(([key, w]) => ({ key, label: windowLabel(key), utilization: w.utilization, ...(w.resetsAt !== undefined ? { resetsAt: w.resetsAt } : {}) }));
}

/** A reading whose reset has passed is old news: its count has started over. */
function live(w: WindowReading, now: number): boolean {
  return w.resetsAt === undefined || w.resetsAt > now;
}

/** Pure: whether the remembered period of a window is over, given a new reading of it. */
export function periodOver(remembered: { resetsAt?: number; sent: readonly number[] }, reading: WindowReading | undefined, now: number): boolean {
  if (remembered.resetsAt !== undefined) {
    if (remembered.resetsAt <= now) return true;
    return reading?.resetsAt !== undefined && reading.resetsAt - remembered.resetsAt > NEW_PERIOD_SLACK_MS;
  }
  // No reset known: the period is over once the window is back under the lowest mark told.
  return reading !== undefined && reading.utilization < Math.min(...remembered.sent);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "14:10" (local time), with the date when it is not within the next day. */
export function clockTime(ms: number, now: number): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return ms - now < 20 * 3600_000 ? hm : `${d.toLocaleDateString("en-US", { month: "short", day: "numeric" })} ${hm}`;
}

function fullest(a: AccountUsage, now: number): number {
  return Math.max(0, ...a.windows.filter((w) => live(w, now)).map((w) => w.utilization));
}

function usable(a: AccountUsage, now: number): boolean {
  return a.serving && fullest(a, now) < 100;
}

function title(account: AccountUsage, all: readonly AccountUsage[]): string {
  return all.length < 2 ? "Claude" : account.name;
}

/** Pure: what the owner should know about where agents go, from this account's point of view. */
function whereAgentsGo(account: AccountUsage, all: readonly AccountUsage[], now: number): string {
  const others = all.filter((a) => a.name !== account.name && a.place > 0).sort((a, b) => a.place - b.place);
  if (others.length === 0 && all.length < 2) return "";
  const first = all.find((a) => a.place === 1);
  if (first && first.name !== account.name) return `; agents use ${first.name} now (${Math.round(fullest(first, now))} %)`;
  const next = others.find((a) => usable(a, now));
  return next ? `; ${next.name} is next with ${Math.round(fullest(next, now))} %` : "; no other account has room left";
}

function resetWords(resetsAt: number | undefined, now: number): string {
  return resetsAt === undefined ? "" : `, resets ${clockTime(resetsAt, now)} (${relative(resetsAt, now)})`;
}

/** Pure: the message for a window that crossed `percent` (below 100). */
export function thresholdMessage(account: AccountUsage, w: WindowReading, all: readonly AccountUsage[], now: number): string {
  return `${title(account, all)}: ${w.label} window at ${Math.floor(w.utilization)} %${resetWords(w.resetsAt, now)}${whereAgentsGo(account, all, now)}.`;
}

/** Pure: the message for a used-up window: who serves now, or when the first full window resets. */
export function usedUpMessage(account: AccountUsage, w: WindowReading, all: readonly AccountUsage[], now: number): string {
  const head = `${title(account, all)}: ${w.label} window used up (${Math.floor(w.utilization)} %)${resetWords(w.resetsAt, now)}`;
  const serving = all.filter((a) => a.name !== account.name && usable(a, now)).sort((a, b) => (a.place || 99) - (b.place || 99))[0];
  if (serving) return `${head}; agents use ${serving.name} now (${Math.round(fullest(serving, now))} %).`;
  const resets = all.flatMap((a) => a.windows.filter((x) => live(x, now) && x.utilization >= 100 && x.resetsAt !== undefined).map((x) => x.resetsAt as number));
  const first = resets.length ? Math.min(...resets) : undefined;
  const when = first !== undefined ? `: the first window resets ${clockTime(first, now)} (${relative(first, now)})` : "";
  return `${head}; no account is left${when}. Agents get "rate limited" answers until then.`;
}

/**
 * Pure: the messages one account's new reading calls for, and the memory to keep. At most one
 * message per window and reading (the highest mark crossed; lower ones are marked too), and none
 * for a mark already told in the same window period.
 */
export function decideUsageAlerts(input: { account: string; accounts: readonly AccountUsage[]; percents: readonly number[]; memory: UsageMemory; now: number }): { memory: UsageMemory; alerts: UsageAlertMessage[] } {
  const { now } = input;
  const levels = alertLevels(input.percents);
  const account = input.accounts.find((a) => a.name === input.account);
  const memory: UsageMemory = {};
  const alerts: UsageAlertMessage[] = [];
  const readings = new Map((account?.windows ?? []).map((w) => [w.key, w]));
  // Keep what still counts; drop periods that are over.
  for (const [key, remembered] of Object.entries(input.memory)) {
    if (!periodOver(remembered, readings.get(key), now)) memory[key] = { ...remembered, sent: [...remembered.sent] };
  }
  if (!account || levels.length === 0) return { memory, alerts };
  for (const w of account.windows) {
    if (!live(w, now)) continue;
    const crossed = levels.filter((l) => w.utilization >= l);
    const top = crossed[crossed.length - 1];
    if (top === undefined) continue;
    const sent = memory[w.key]?.sent ?? [];
    if (!sent.includes(top)) {
      alerts.push({ window: w.key, percent: top, message: top >= 100 ? usedUpMessage(account, w, input.accounts, now) : thresholdMessage(account, w, input.accounts, now) });
    }
    memory[w.key] = { ...(w.resetsAt !== undefined ? { resetsAt: w.resetsAt } : memory[w.key]?.resetsAt !== undefined ? { resetsAt: memory[w.key]?.resetsAt as number } : {}), sent: [...new Set([...sent, ...crossed])].sort((a, b) => a - b) };
  }
  return { memory, alerts };
}

/** Pure: the usage readings of every account the pool keeps, with their places. */
export function accountUsages(statuses: readonly AccountStatus[], now: number): AccountUsage[] {
  return statuses.map((s) => ({
    name: s.name,
    place: s.place,
    serving: s.accessTokenExpiresAt !== undefined && s.accessTokenExpiresAt > now && s.state !== "needs-login" && s.state !== "no-credentials",
    windows: readingsOf(s.usage?.usage),
  }));
}

// ---- the daily summary ----------------------------------------------------------------------

/** The local calendar day of a moment, "YYYY-MM-DD". */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A summary later than this after its time is skipped: news from the morning is stale at night. */
export const DIGEST_GRACE_MS = 60 * 60_000;

/**
 * Pure: the day whose summary is due now, if any: from `at` ("HH:MM", local) for an hour, once
 * per day (a gateway that was down at that time skips the day rather than send it late).
 */
export function digestDue(now: number, at: string, sentOn: string | undefined): string | undefined {
  const [h, m] = at.split(":").map(Number);
  const due = new Date(now);
  due.setHours(h ?? 0, m ?? 0, 0, 0);
  const day = localDay(now);
  if (sentOn === day || now < due.getTime() || now - due.getTime() >= DIGEST_GRACE_MS) return undefined;
  return day;
}

/** Pure: the summary: every account's windows and login end, one line each. */
export function digestMessage(accounts: readonly AccountStatusJson[], now: number): string {
  const lines = accounts.map((a) => {
    const windows = a.usage ? (formatUsageWindows(a.usage, now) ?? (a.usage.error ? `usage unknown (${a.usage.error.message})` : "usage not checked yet")) : "usage checks off";
    const login = a.login ? `login ends ${relative(Date.parse(a.login.endsAt), now)}` : "login end unknown";
    const inUse = a.place === 1 && accounts.length > 1 ? " (in use)" : "";
    return `${accounts.length > 1 ? a.name : "Claude"}${inUse}: ${windows}; ${login}; ${a.health}.`;
  });
  return [`Claude usage today (${clockTime(now, now)}):`, ...lines].join("\n");
}
