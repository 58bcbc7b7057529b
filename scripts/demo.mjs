#!/usr/bin/env node
// `npm run demo`: prepares only what it uses (dependencies, a Node for OpenClaw, the build; no Claude
// Code, no Chromium), then runs scripts/demo.ts on that Node 24 as it is (type stripping;
// bench/loader.mjs maps the repo's "./x.js" imports to "./x.ts"), with no compile step.
// Arguments go to the demo (--rounds N).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setup } from "./setup.mjs";

const repo = join(import.meta.dirname, "..");
await setup({ testPeers: false });
const { node24 } = JSON.parse(readFileSync(join(repo, ".cache", "env.json"), "utf8"));
const run = spawnSync(node24, ["--disable-warning=ExperimentalWarning", "--import", "./bench/loader.mjs", "scripts/demo.ts", ...process.argv.slice(2)], { cwd: repo, stdio: "inherit" });
process.exit(run.status ?? 1);
