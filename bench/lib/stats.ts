/** Small statistics and formatting helpers for the benchmark report. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank quantile (q in [0, 1]); with few samples p99 is the maximum. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/**
 * The sign test's confidence interval for the median: from the k-th smallest to the k-th largest
 * value, with k as large as keeps the coverage, 1 - 2·P(Binomial(n, 1/2) < k), at `confidence` or
 * above. It assumes nothing about the distribution, so one wild start widens it by one rank, not by
 * its size. Below 6 values no interval reaches 95 %: then it is the whole range, and `coverage`
 * says how sure that is.
 */
export function medianInterval(values: readonly number[], confidence = 0.95): { lo: number; hi: number; coverage: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { lo: Number.NaN, hi: Number.NaN, coverage: 0 };
  // tail = P(Binomial(n, 1/2) < k) · 2^n, the sum of C(n, i) for i < k.
  let k = 1;
  let tail = 1;
  let coefficient = 1;
  while (k + 1 <= (n + 1) / 2) {
    coefficient = (coefficient * (n - k + 1)) / k;
    if (1 - (2 * (tail + coefficient)) / 2 ** n < confidence) break;
    tail += coefficient;
    k += 1;
  }
  const coverage = 1 - (2 * tail) / 2 ** n;
  return { lo: sorted[k - 1] ?? Number.NaN, hi: sorted[n - k] ?? Number.NaN, coverage };
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    min: values.length ? Math.min(...values) : Number.NaN,
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: mean(values),
  };
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "n/a";
  return n.toFixed(digits);
}

/** Milliseconds for humans: "12 ms", "1.25 s". */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) >= 1_000) return `${(ms / 1000).toFixed(2)} s`;
  if (Math.abs(ms) >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export function fmtSummaryMs(s: Summary): string {
  return `p50 ${fmtMs(s.p50)} / p99 ${fmtMs(s.p99)} / max ${fmtMs(s.max)} (n=${s.n})`;
}

/** A Markdown table; the same text is printed to the terminal. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** Deterministic PRNG (mulberry32) so the month's fault schedule is the same in every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
