#!/usr/bin/env node
// `npm run screenshot`: makes docs/dashboard.png, the README's picture of the "Claude" tab
// (test/screenshot/dashboard-shot.ts: a real gateway, the fakes, two accounts with usage windows,
// Debian's chromium). It starts a gateway: on a shared machine run it through the e2e slot wrapper.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setup } from "./setup.mjs";

const repo = join(import.meta.dirname, "..");
const target = join(repo, "docs", "dashboard.png");
const fresh = `${target}.new`;
await setup();
mkdirSync(join(repo, "docs"), { recursive: true });
rmSync(fresh, { force: true });
const { node24 } = JSON.parse(readFileSync(join(repo, ".cache", "env.json"), "utf8"));
const result = spawnSync(node24, ["--disable-warning=ExperimentalWarning", "--import", "./bench/loader.mjs", "test/screenshot/dashboard-shot.ts", fresh], {
  cwd: repo,
  stdio: "inherit",
});
if (result.status !== 0 || !existsSync(fresh)) {
  process.stderr.write(`[screenshot] failed; ${target} was not (re)made\n`);
  process.exit(result.status || 1);
}
renameSync(fresh, target);
process.stdout.write(`[screenshot] wrote ${target}\n`);
