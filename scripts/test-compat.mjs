#!/usr/bin/env node
// `npm run test:compat`: the core end-to-end check on every supported OpenClaw release and the
// refusal on a too-old one (test/compat/, releases listed in test/compat/versions.json). Prepares
// what it needs first: scripts/setup.mjs (deps, Node 24, build), then each release that is not the
// devDependency into .cache/openclaw-<version>/ (cached; about 45 s and 650 MB each the first time).
// Extra arguments go to vitest.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureOpenClawRelease } from "./openclaw-releases.mjs";
import { setup } from "./setup.mjs";

const repo = join(import.meta.dirname, "..");
const figures = join(repo, ".cache", "figures.jsonl");
const started = Date.now();
await setup({ testPeers: false });
const { supported, tooOld } = JSON.parse(readFileSync(join(repo, "test", "compat", "versions.json"), "utf8"));
const devVersion = JSON.parse(readFileSync(join(repo, "node_modules", "openclaw", "package.json"), "utf8")).version;
try {
  for (const version of [...supported, tooOld]) if (version !== devVersion) ensureOpenClawRelease(version);
} catch (error) {
  process.stderr.write(`[setup] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
rmSync(figures, { force: true });
const vitest = join(repo, "node_modules", "vitest", "vitest.mjs");
const result = spawnSync(process.execPath, [vitest, "run", "--config", "vitest.compat.config.ts", ...process.argv.slice(2)], { cwd: repo, stdio: "inherit" });
if (existsSync(figures)) {
  process.stdout.write("\nFigures measured by this run:\n");
  for (const line of readFileSync(figures, "utf8").trim().split("\n")) {
    const { suite, name, ...value } = JSON.parse(line);
    process.stdout.write(`  ${String(suite).padEnd(10)} ${String(name).padEnd(28)} ${Object.entries(value).map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
  }
}
process.stdout.write(`\ntest:compat took ${((Date.now() - started) / 1000).toFixed(0)} s in all (setup included)\n`);
process.exit(result.status ?? 1);
