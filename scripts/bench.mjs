#!/usr/bin/env node
// `npm run bench`: prepares what the benchmark needs (dependencies, Node 24 for OpenClaw, the
// build) like scripts/test.mjs does for the tests, then runs bench/main.ts on Node 24 (type
// stripping; bench/loader.mjs maps the repo's "./x.js" imports to "./x.ts"). Prints a table and
// writes bench/results.md. Extra arguments go to bench/main.ts: --quick, --only=1,2,...
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setup } from "./setup.mjs";

const startedAt = Date.now();
const repo = join(import.meta.dirname, "..");
await setup({ testPeers: false });

// System calls per refresh (part 5) need strace; install it only when it is missing, and go on
// without it when that is not possible (part 5 then says it skipped the count).
if (spawnSync("strace", ["-V"], { stdio: "ignore" }).status !== 0) {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const aptGet = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (root && aptGet) {
    process.stdout.write("[bench] strace is missing: apt-get install -y strace\n");
    let r = spawnSync("apt-get", ["install", "-y", "strace"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) {
      spawnSync("apt-get", ["update"], { stdio: "inherit" });
      r = spawnSync("apt-get", ["install", "-y", "strace"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    }
    if (r.status !== 0) process.stdout.write("[bench] could not install strace; system calls will not be counted\n");
  } else {
    process.stdout.write("[bench] strace is missing and cannot be installed here; system calls will not be counted\n");
  }
}

const { node24 } = JSON.parse(readFileSync(join(repo, ".cache", "env.json"), "utf8"));
const result = spawnSync(
  node24,
  ["--disable-warning=ExperimentalWarning", "--import", "./bench/loader.mjs", "bench/main.ts", ...process.argv.slice(2)],
  {
    cwd: repo,
    stdio: "inherit",
    env: { ...process.env, BENCH_STARTED_AT: String(startedAt), BENCH_HOST_NODE: process.version },
  },
);
process.exit(result.status ?? 1);
