/**
 * Prometheus text exposition format 0.0.4, written directly: the route serves a handful of gauges
 * and counters built from one status snapshot per scrape, which needs no registry, no collectors
 * and no client library. prom-client did this before; with its dependencies it was 514 of the
 * package's 745 files (4.7 MB), and OpenClaw 2026.9.6 copies and hashes every file of a plugin
 * package and its dependencies each time it loads the plugin (twice per gateway start): side by
 * side, the gateway's first line -> ready went from 11.6 s to 8.8 s without it (8.6 s with no
 * plugin; docs/performance.md). The tests read this output with an independent parser from npm.
 */

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface Sample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: readonly Sample[];
}

/** HELP text: backslash and line feed escaped (the format's rule for docstrings). */
const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** Label values: backslash, double quote and line feed escaped. */
const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Go's float syntax as Prometheus reads it: NaN, +Inf, -Inf, otherwise the shortest decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatSample(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${labels.length > 0 ? `{${labels.join(",")}}` : ""} ${formatValue(sample.value)}`;
}

/** Every family with its HELP and TYPE lines (also when it has no sample yet), then its samples. */
export function exposition(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(formatSample(family.name, sample));
  }
  return `${lines.join("\n")}\n`;
}
