import { DEFAULTS } from "../core/config.js";
import { PluginError } from "../core/errors.js";
import { redact } from "../core/redact.js";
import { parseRetryAfter, type RawAnswer } from "../login/token-endpoint.js";
import { USAGE_WINDOWS, windowKey } from "./usage-windows.js";

/**
 * The subscription's usage windows, as Claude Code's `/usage` shows them. The endpoint is not a
 * documented API, so, as with the token endpoint, building the request and parsing the answer are
 * pure and strict about the windows it knows: a changed shape of one of them becomes a clear
 * `bad_response`, never a wrong number. Windows it does not know are taken as they come (see
 * usage-windows.ts); a missing or null window is simply not there.
 */

export interface UsageWindow {
  /** Percent of the window used, 0-100 (the server may report a little over 100). */
  utilization: number;
  /** ms since epoch; absent when the server gave none (an unused window). */
  resetsAt?: number;
}

/** Paid usage beyond the subscription's windows; only kept when the account has it enabled. */
export interface ExtraUsage {
  enabled: true;
  /** Percent of the monthly limit used, when the server says. */
  utilization?: number;
  /** As the server reports them (its unit, not converted). */
  usedCredits?: number;
  monthlyLimit?: number;
}

export interface Usage {
  checkedAt: number;
  /** Every window the answer had, keyed by usage-windows.ts's windowKey (known name or field name). */
  windows: Record<string, UsageWindow>;
  extraUsage?: ExtraUsage;
}

export { USAGE_WINDOWS, type UsageWindowName } from "./usage-windows.js";

export const USAGE_BETA_HEADER = "oauth-2025-04-20";

export interface UsageRequest {
  url: string;
  headers: Record<string, string>;
}

export function buildUsageRequest(usageUrl: string, accessToken: string, userAgent: string = DEFAULTS.userAgent): UsageRequest {
  return {
    url: usageUrl,
    headers: { authorization: `Bearer ${accessToken}`, "anthropic-beta": USAGE_BETA_HEADER, accept: "application/json", "user-agent": userAgent },
  };
}

function snippet(body: string): string {
  const oneLine = redact(body.replace(/\s+/g, " ").trim());
  return oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine;
}

function parseWindow(field: string, value: unknown): UsageWindow | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw new PluginError("bad_response", `usage answer's ${field} is not an object; the answer's shape has changed.`);
  const { utilization, resets_at: resetsAt } = value as Record<string, unknown>;
  if (typeof utilization !== "number" || !Number.isFinite(utilization) || utilization < 0 || utilization > 1000) {
    throw new PluginError("bad_response", `usage answer's ${field}.utilization is not a percentage (${JSON.stringify(utilization) ?? "missing"}); the answer's shape has changed.`);
  }
  const window: UsageWindow = { utilization };
  if (resetsAt !== null && resetsAt !== undefined) {
    const ms = typeof resetsAt === "string" ? Date.parse(resetsAt) : Number.NaN;
    if (Number.isNaN(ms)) throw new PluginError("bad_response", `usage answer's ${field}.resets_at is not a date (${snippet(JSON.stringify(resetsAt))}).`);
    window.resetsAt = ms;
  }
  return window;
}

/** Pure: an HTTP answer to usage windows, or a PluginError whose message says why not. */
export function parseUsageAnswer(answer: RawAnswer, now: number): Usage {
  const { status } = answer;
  if (status === 401 || status === 403) {
    throw new PluginError("rejected", `the usage endpoint refused this login (HTTP ${status}); it needs the user:profile scope, which a login made by "openclaw claude-oauth login" or Claude Code has.`);
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), now);
    const wait = retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : "";
    throw new PluginError("rate_limited", `the usage endpoint is rate-limiting us (HTTP 429${wait}).`, retryAfterMs !== undefined ? { retryAfterMs } : undefined);
  }
  if (status >= 500) throw new PluginError("server_error", `the usage endpoint failed (HTTP ${status}).`);
  if (status !== 200) throw new PluginError("bad_response", `the usage endpoint answered HTTP ${status}, expected 200. Check usageUrl.`);
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new PluginError("bad_response", `the usage endpoint answered with something that is not JSON: ${snippet(answer.body)}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new PluginError("bad_response", "the usage endpoint's answer is not a JSON object.");
  const body = json as Record<string, unknown>;
  const windows: Usage["windows"] = {};
  // The known windows strictly: a changed shape of one of them is a clear error, never a wrong number.
  for (const { name, field } of USAGE_WINDOWS) {
    const window = parseWindow(field, body[field]);
    if (window) windows[name] = window;
  }
  // Any other `{utilization, resets_at}` object is a window Anthropic added; one that does not
  // read cleanly is left out rather than failing the reading.
  for (const [field, value] of Object.entries(body)) {
    if (KNOWN_FIELDS.has(field) || !looksLikeWindow(value)) continue;
    try {
      const window = parseWindow(field, value);
      if (window) windows[windowKey(field)] = window;
    } catch {
      // not a window after all
    }
  }
  const extraUsage = parseExtraUsage(body.extra_usage);
  // An answer with none of the known fields and no window at all is another endpoint or a new
  // format; an answer whose windows are all null (a fresh account) is fine.
  if (!USAGE_WINDOWS.some(({ field }) => field in body) && Object.keys(windows).length === 0 && !("extra_usage" in body)) {
    throw new PluginError("bad_response", "the usage endpoint's answer has none of the known windows (five_hour, seven_day); its shape has changed.");
  }
  return { checkedAt: now, windows, ...(extraUsage ? { extraUsage } : {}) };
}

/** Fields read on their own: the known windows, and extra usage (which has a utilization of its own). */
const KNOWN_FIELDS = new Set([...USAGE_WINDOWS.map((w) => w.field), "extra_usage"]);

function looksLikeWindow(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>).utilization === "number";
}

const finiteNumber = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** `extra_usage`, when the account has it enabled; anything else (off, absent, odd) is no extra usage. */
function parseExtraUsage(value: unknown): ExtraUsage | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (v.is_enabled !== true) return undefined;
  const utilization = finiteNumber(v.utilization);
  const usedCredits = finiteNumber(v.used_credits);
  const monthlyLimit = finiteNumber(v.monthly_limit);
  return { enabled: true, ...(utilization !== undefined ? { utilization } : {}), ...(usedCredits !== undefined ? { usedCredits } : {}), ...(monthlyLimit !== undefined ? { monthlyLimit } : {}) };
}

/** Monitors poll this endpoint every few minutes at most; after 429s we wait far longer. */
const MAX_USAGE_BACKOFF_MS = 6 * 3600 * 1000;

/**
 * Pure: how long until the next usage check. Each 429 in a row doubles the interval (capped at
 * 6 h), and never less than the server's Retry-After.
 */
export function nextUsageCheckDelay(intervalMs: number, rateLimitedInARow: number, retryAfterMs?: number): number {
  const backedOff = rateLimitedInARow > 0 ? Math.min(MAX_USAGE_BACKOFF_MS, intervalMs * 2 ** Math.min(rateLimitedInARow, 16)) : intervalMs;
  return Math.max(backedOff, retryAfterMs ?? 0);
}

export type GetLike = (url: string, init: { method: "GET"; headers: Record<string, string>; signal: AbortSignal; redirect: "manual" }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

const MAX_ANSWER_CHARS = 64 * 1024;

/** The one network call for usage: a GET with a deadline. A usage check spends nothing, so any failure is just "try later". */
export async function getUsage(request: UsageRequest, options: { timeoutMs?: number; fetch?: GetLike } = {}): Promise<RawAnswer> {
  const doFetch: GetLike = options.fetch ?? (globalThis.fetch as unknown as GetLike);
  const timeoutMs = options.timeoutMs ?? 15_000;
  try {
    const res = await doFetch(request.url, { method: "GET", headers: request.headers, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    const body = await res.text();
    return { status: res.status, headers: res.headers, body: body.length > MAX_ANSWER_CHARS ? body.slice(0, MAX_ANSWER_CHARS) : body };
  } catch (err) {
    const reason = err instanceof Error && err.name === "TimeoutError" ? `no answer within ${Math.round(timeoutMs / 1000)} s` : "the connection failed";
    throw new PluginError("network", `the usage endpoint could not be reached (${reason}).`, { cause: err });
  }
}
