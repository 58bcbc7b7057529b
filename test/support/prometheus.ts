// Reads a Prometheus text-format answer with a real parser from npm (parse-prometheus-text-format),
// not our own: a body it cannot read is a body Prometheus may not read either.
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";

export type { ParsedFamily };

export function parseMetrics(text: string): Map<string, ParsedFamily> {
  return new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
}

/** The value of one series (family + exact labels), or undefined when absent. */
export function sample(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string>): number | undefined {
  const family = families.get(name);
  const want = JSON.stringify(Object.entries(labels).sort());
  const hit = family?.metrics.find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === want);
  return hit === undefined ? undefined : Number(hit.value);
}
