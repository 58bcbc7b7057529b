/**
 * The one duration formatter every surface uses (CLI, chat, dashboard, alerts), and the lengths
 * of a minute, an hour and a day, written once.
 *
 * Self-contained on purpose: no imports, no Node APIs. The dashboard inlines this file's compiled
 * code into its page (see surfaces/dashboard-script.ts), so it runs in the browser too.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Whole days to one decimal, rounded down: a login that ends in 2.96 days never reads "3.0 days". */
export function days(ms: number): number {
  // The epsilon keeps 29.9 days (29.899999… in floating point) from reading 29.8.
  return Math.floor((Math.max(0, ms) / DAY_MS) * 10 + 1e-9) / 10;
}

/** "45 min", "6 h 12 min", "2.5 days": a length of time for people, rounded down; negative reads 0. */
export function duration(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs >= DAY_MS) return `${days(abs).toFixed(1)} days`;
  if (abs >= HOUR_MS) return `${Math.floor(abs / HOUR_MS)} h ${Math.floor((abs % HOUR_MS) / MINUTE_MS)} min`;
  return `${Math.floor(abs / MINUTE_MS)} min`;
}

/** "in 7 h 59 min", "5 min ago", "in 29.9 days"; under a minute "just now" or "in less than a minute". */
export function relative(targetMs: number, now: number): string {
  const delta = targetMs - now;
  if (Math.abs(delta) < MINUTE_MS) return delta > 0 ? "in less than a minute" : "just now";
  return delta > 0 ? `in ${duration(delta)}` : `${duration(-delta)} ago`;
}
