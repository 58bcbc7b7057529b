import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";

/**
 * Figures the suites measure (crashes survived, POSTs per race, bad inputs tried) are appended to
 * .cache/figures.jsonl; scripts/test.mjs prints them as a summary after the run.
 */
const FILE = path.join(import.meta.dirname, "../../.cache/figures.jsonl");

export function recordFigure(suite: string, name: string, value: Record<string, number | string>): void {
  mkdirSync(path.dirname(FILE), { recursive: true });
  appendFileSync(FILE, `${JSON.stringify({ suite, name, ...value })}\n`);
}
