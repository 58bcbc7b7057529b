#!/usr/bin/env node
// Prepares what the demo or the tests use, on a fresh clone or an existing checkout, and says what
// it is about to install (and how big) before it does. Plain Node ESM, no dependencies, runs on
// Node >= 20. Each step is skipped when already done. Nothing outside the checkout changes, except
// Chromium for the tests when run as root (said first; without root it prints the command).
//
// For the demo (`setup({ testPeers: false })`: npm run demo, bench, test:compat):
//   1. npm dependencies   (npm ci) when missing or stale: ~710 MB in node_modules, mostly OpenClaw
//   2. Node for OpenClaw  the running Node if OpenClaw accepts it, else the platform's Node package
//                         into .cache/node24 (scripts/node-runtime.mjs; ~190 MB, once)
//   3. npm run build      (tsc -> build/, bundled into dist/: scripts/build.mjs)
//   4. .cache/env.json    { node24, openclaw, repo, claudeCode } for the harness (test/support/gateway.ts)
// For the tests (`setup()`: npm test, npm run screenshot), also the test peers:
//   5. Claude Code        @anthropic-ai/claude-code into .cache/claude-code (~370 MB, once), for the
//                         suite that races the real Claude Code on one credentials file
//   6. Chromium           Debian's package for the dashboard suite: apt-get as root (said first),
//                         else the exact command to run; the suite skips with one line until then
//   and it checks user namespaces (`unshare -rn`) for the Claude Code suite, which skips without.
//
// Usage: `node scripts/setup.mjs [--demo]`, or `import { setup } from "./scripts/setup.mjs"`.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pickNodeRuntime } from "./node-runtime.mjs";
import { CHROMIUM, chromiumProblem, userNamespaceProblem } from "./test-peers.mjs";

const CLAUDE_CODE_VERSION = "2.1.328";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(repo, ".cache");
const node24Prefix = join(cacheDir, "node24");
const openclawEntry = join(repo, "node_modules", "openclaw", "openclaw.mjs");
const envFile = join(cacheDir, "env.json");
const claudeCodePrefix = join(cacheDir, "claude-code");
// The native binary ships in a per-platform package; the wrapper's postinstall only copies it.
const claudeCodeBin = join(claudeCodePrefix, "node_modules", "@anthropic-ai", `claude-code-${process.platform}-${process.arch}`, "claude");
const npmCmd = process.platform === "win32" ? "npm.cmd" : "npm";

function log(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function run(cmd, args, opts = {}) {
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: repo, stdio: opts.capture ? "pipe" : "inherit", encoding: "utf8", ...opts });
  if (result.error) throw new Error(`${cmd} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0) {
    const detail = opts.capture ? `\n${result.stdout ?? ""}${result.stderr ?? ""}` : "";
    throw new Error(`${cmd} ${args.join(" ")} exited with ${result.status ?? result.signal}${detail}`);
  }
  return { stdout: result.stdout ?? "", ms: Date.now() - started };
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function ensureDependencies() {
  const lock = join(repo, "package-lock.json");
  const installedLock = join(repo, "node_modules", ".package-lock.json");
  const hasLock = existsSync(lock);
  const nodeModules = existsSync(join(repo, "node_modules"));
  const lockTime = mtimeMs(lock);
  const installedTime = mtimeMs(installedLock);
  const stale = hasLock && (installedTime === undefined || (lockTime !== undefined && lockTime > installedTime));
  if (nodeModules && !stale) {
    log("dependencies: up to date");
    return;
  }
  const args = hasLock ? ["ci"] : ["install"];
  log(`dependencies: npm ${args.join(" ")} (${nodeModules ? "lock file changed" : "no node_modules"}) ...`);
  // OpenClaw's dependencies declare Node 22+ engines while setup runs on Node 20: npm would print
  // dozens of EBADENGINE warnings a newcomer cannot act on. Errors still show.
  const { ms } = run(npmCmd, [...args, "--loglevel=error", "--no-audit", "--no-fund"]);
  log(`dependencies: done in ${(ms / 1000).toFixed(1)} s`);
}

function nodeVersion(bin) {
  if (!existsSync(bin)) return undefined;
  const result = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (result.status !== 0) return undefined;
  return result.stdout.trim();
}

/** The Node binary that runs OpenClaw (the running one when it fits, else a package in .cache/node24). */
function ensureNodeForOpenClaw() {
  const pick = pickNodeRuntime({ platform: process.platform, arch: process.arch, currentVersion: process.version });
  if (pick.kind === "current") {
    log(`node for OpenClaw: this Node (${pick.version}) fits`);
    return process.execPath;
  }
  if (pick.kind === "unsupported") throw new Error(pick.message);
  const bin = join(node24Prefix, pick.bin);
  const existing = nodeVersion(bin);
  if (existing === `v${pick.version}`) {
    log(`node for OpenClaw: ${pick.spec} (cached)`);
    return bin;
  }
  log(`node for OpenClaw: npm install ${pick.spec} into .cache/node24 (~${pick.sizeMb} MB, once) ...`);
  mkdirSync(node24Prefix, { recursive: true });
  const { ms } = run(npmCmd, ["install", "--prefix", node24Prefix, "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", pick.spec]);
  const installed = nodeVersion(bin);
  if (!installed) throw new Error(`${pick.spec} installed but ${bin} --version does not work`);
  log(`node for OpenClaw: ${installed} installed in ${(ms / 1000).toFixed(1)} s`);
  return bin;
}

function claudeCodeVersion() {
  if (!existsSync(claudeCodeBin)) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(join(claudeCodePrefix, "node_modules", "@anthropic-ai", "claude-code", "package.json"), "utf8"));
    return pkg.version;
  } catch {
    return undefined;
  }
}

function ensureClaudeCode() {
  if (claudeCodeVersion() === CLAUDE_CODE_VERSION) {
    log(`claude code: ${CLAUDE_CODE_VERSION} (cached)`);
    return;
  }
  log(`claude code: npm install @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into .cache/claude-code (~370 MB, once) ...`);
  mkdirSync(claudeCodePrefix, { recursive: true });
  // No install scripts: the test runs the platform package's native binary directly.
  const { ms } = run(npmCmd, ["install", "--prefix", claudeCodePrefix, "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`]);
  if (claudeCodeVersion() !== CLAUDE_CODE_VERSION) throw new Error(`claude code install finished but ${claudeCodeBin} is missing (platform ${process.platform}-${process.arch})`);
  log(`claude code: installed in ${(ms / 1000).toFixed(1)} s`);
}

// The dashboard suite drives a real browser: Debian's chromium (Playwright's own browser download
// needs a host this machine cannot reach). Root with apt-get: installed, said first. Otherwise the
// exact command is printed and the suite skips with one line.
function ensureChromium() {
  if (!chromiumProblem()) {
    log(`chromium: ${CHROMIUM}`);
    return;
  }
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const aptGet = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (!root || !aptGet) {
    log(`chromium: not installed, so the dashboard suite will be skipped. To run it: ${aptGet ? "sudo apt-get install -y --no-install-recommends chromium" : "install Chromium and set E2E_CHROMIUM to its binary"}`);
    return;
  }
  log("chromium: installing Debian's chromium system package for the dashboard suite (apt-get install -y --no-install-recommends chromium, ~250 MB; you are root) ...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const started = Date.now();
  run("apt-get", ["update", "-qq"], { capture: true, env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { capture: true, env });
  log(`chromium: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function checkUserNamespaces() {
  const problem = userNamespaceProblem();
  log(problem ? `user namespaces: not available, so the Claude Code suite will be skipped: ${problem}` : "user namespaces: unshare -rn works (Claude Code suite runs offline)");
}

/** What the test setup will add beyond the demo's, said before any of it starts. */
function announceTestPeers() {
  const missing = [];
  if (claudeCodeVersion() !== CLAUDE_CODE_VERSION) missing.push(`Claude Code ${CLAUDE_CODE_VERSION} from npm into .cache/claude-code (~370 MB, once)`);
  if (chromiumProblem()) missing.push("Chromium (Debian package, ~250 MB) for the dashboard suite, if you are root");
  log(missing.length ? `the tests also need: ${missing.join("; ")}` : "test peers: already in place");
  log("memory: each end-to-end suite runs one OpenClaw gateway (~1.1 GB); suites run one at a time");
}

function build() {
  log("build: npm run build ...");
  const { ms } = run(npmCmd, ["run", "--silent", "build"]);
  log(`build: done in ${(ms / 1000).toFixed(1)} s`);
}

function writeEnv(node24) {
  if (!existsSync(openclawEntry)) throw new Error(`openclaw is not installed: ${openclawEntry} is missing`);
  // claudeCode: where the Claude Code suite looks; it says to run the test setup when absent.
  const env = { node24, openclaw: openclawEntry, repo, claudeCode: claudeCodeBin };
  const text = `${JSON.stringify(env, null, 2)}\n`;
  let current;
  try {
    current = readFileSync(envFile, "utf8");
  } catch {
    current = undefined;
  }
  if (current !== text) {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(envFile, text);
  }
  log(`env: ${envFile}`);
}

/** testPeers false: what the demo, the bench and the compat check use; true (default): also Claude Code and Chromium. */
export async function setup({ testPeers = true } = {}) {
  const started = Date.now();
  if (testPeers) announceTestPeers();
  ensureDependencies();
  const node24 = ensureNodeForOpenClaw();
  if (testPeers) {
    ensureClaudeCode();
    ensureChromium();
    checkUserNamespaces();
  }
  build();
  writeEnv(node24);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  setup({ testPeers: !process.argv.includes("--demo") }).catch((error) => {
    process.stderr.write(`[setup] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
