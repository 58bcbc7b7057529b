#!/usr/bin/env node
// `npm run screenshot`: makes docs/dashboard.png, the README's picture of the "Claude" tab. It runs
// the dashboard suite (a real gateway, the fakes, Debian's chromium), which saves the tab after a
// refresh there, so the committed picture is one the suite's assertions held for.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { setup } from "./setup.mjs";

const repo = join(import.meta.dirname, "..");
const target = join(repo, "docs", "dashboard.png");
await setup();
mkdirSync(join(repo, "docs"), { recursive: true });
const vitest = join(repo, "node_modules", "vitest", "vitest.mjs");
const result = spawnSync(process.execPath, [vitest, "run", "test/e2e/dashboard.e2e.test.ts"], {
  cwd: repo,
  stdio: "inherit",
  env: { ...process.env, DASHBOARD_README_SHOT: target },
});
if (result.status !== 0 || !existsSync(target)) {
  process.stderr.write(`[screenshot] the dashboard suite failed; ${target} was not (re)made\n`);
  process.exit(result.status || 1);
}
process.stdout.write(`[screenshot] wrote ${target}\n`);
