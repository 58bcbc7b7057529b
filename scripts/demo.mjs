#!/usr/bin/env node
// `npm run demo`: prepares only what it uses (dependencies, a Node for OpenClaw, the build; no Claude
// Code, no Chromium), compiles
// the demo and the test harness it reuses, then runs it. Arguments go to the demo (--rounds N).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { setup } from "./setup.mjs";

const repo = join(import.meta.dirname, "..");
await setup({ testPeers: false });
const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
const built = spawnSync(process.execPath, [tsc, "-p", join(repo, "tsconfig.demo.json")], { cwd: repo, stdio: "inherit" });
if (built.status !== 0) process.exit(built.status ?? 1);
const run = spawnSync(process.execPath, [join(repo, ".cache", "demo", "scripts", "demo.js"), ...process.argv.slice(2)], { cwd: repo, stdio: "inherit" });
process.exit(run.status ?? 1);
