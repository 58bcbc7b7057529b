/**
 * The usage windows' names and labels, for the parser and every surface. Anthropic adds windows
 * without notice (`seven_day_oauth_apps`, model-scoped ones), so a window is any
 * `{utilization, resets_at}` object in the answer: the four known ones keep the camelCase keys the
 * status JSON has always had, every other one is keyed by its field name as Anthropic sent it.
 *
 * Self-contained (no imports): the dashboard page runs it too.
 */

export type UsageWindowName = "fiveHour" | "sevenDay" | "sevenDayOpus" | "sevenDaySonnet";

/** The known windows; the order here is the order people read them in. */
export const USAGE_WINDOWS: ReadonlyArray<{ name: UsageWindowName; field: string; label: string }> = [
  { name: "fiveHour", field: "five_hour", label: "5-hour" },
  { name: "sevenDay", field: "seven_day", label: "week" },
  { name: "sevenDayOpus", field: "seven_day_opus", label: "week Opus" },
  { name: "sevenDaySonnet", field: "seven_day_sonnet", label: "week Sonnet" },
];

/** The key a window has in `usage.windows`: the known name, or the field name itself. */
export function windowKey(field: string): string {
  return USAGE_WINDOWS.find((w) => w.field === field)?.name ?? field;
}

const SPAN_LABELS: ReadonlyArray<[string, string]> = [
  ["five_hour_", "5-hour"],
  ["seven_day_", "week"],
];
const WORDS: Readonly<Record<string, string>> = { oauth: "OAuth", api: "API" };

/**
 * For people: "5-hour", "week Opus"; an unknown window on a known span reads as the span and the
 * rest of its name ("seven_day_oauth_apps" → "week OAuth apps"); anything else is its field name.
 */
export function windowLabel(key: string): string {
  const known = USAGE_WINDOWS.find((w) => w.name === key);
  if (known) return known.label;
  for (const [prefix, span] of SPAN_LABELS) {
    if (!key.startsWith(prefix) || !/^[a-z0-9_]+$/.test(key)) continue;
    const words = key.slice(prefix.length).split("_").filter(Boolean);
    if (words.length === 0) break;
    const text = words.map((w, i) => WORDS[w] ?? (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w));
    return `${span} ${text.join(" ")}`;
  }
  return key;
}

/** The windows in reading order: the known ones first as listed above, then the others by name. */
export function windowsInOrder<W>(windows: Readonly<Record<string, W>> | undefined): Array<[string, W]> {
  if (!windows) return [];
  const rank = (key: string) => {
    const i = USAGE_WINDOWS.findIndex((w) => w.name === key);
    return i < 0 ? USAGE_WINDOWS.length : i;
  };
  return Object.entries(windows).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}
