#!/usr/bin/env node
// `npm test`: prepares what the tests need (dependencies, Node 24 for OpenClaw, the build), then
// runs every test: unit tests, the crash/race suites and the end-to-end suites on a real gateway.
// Extra arguments go to vitest, e.g. `npm test -- src/` for the unit tests alone.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setup } from "./setup.mjs";

const repo = join(import.meta.dirname, "..");
const figures = join(repo, ".cache", "figures.jsonl");
await setup({ testPeers: true });
rmSync(figures, { force: true });
const vitest = join(repo, "node_modules", "vitest", "vitest.mjs");
const result = spawnSync(process.execPath, [vitest, "run", ...process.argv.slice(2)], { cwd: repo, stdio: "inherit" });
if (existsSync(figures)) {
  process.stdout.write("\nFigures measured by this run:\n");
  for (const line of readFileSync(figures, "utf8").trim().split("\n")) {
    const { suite, name, ...value } = JSON.parse(line);
    const figures = Object.entries(value).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ");
    process.stdout.write(`  ${String(suite).padEnd(10)} ${String(name).padEnd(28)} ${figures}\n`);
  }
}
process.exit(result.status ?? 1);
