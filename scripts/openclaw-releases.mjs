#!/usr/bin/env node
// Installs older OpenClaw releases from npm for the compat suite, one folder each:
// .cache/openclaw-<version>/node_modules/openclaw/openclaw.mjs (test/support/openclaw-under-test.ts
// reads the same path). Skipped when that version is already there; about 45 s and 650 MB each.
// Plain Node ESM, no dependencies, runs on Node >= 20.
//
// Usage: `node scripts/openclaw-releases.mjs 2026.8.1 2026.9.1`, or
//        `import { ensureOpenClawRelease } from "./scripts/openclaw-releases.mjs"`.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const npmCmd = process.platform === "win32" ? "npm.cmd" : "npm";
const VERSION_RE = /^\d{4}\.\d{1,2}\.\d{1,2}(?:-[0-9A-Za-z.-]+)?$/;

export function releaseDir(version) {
  return join(repo, ".cache", `openclaw-${version}`);
}

export function releaseEntry(version) {
  return join(releaseDir(version), "node_modules", "openclaw", "openclaw.mjs");
}

function installedVersion(version) {
  try {
    return JSON.parse(readFileSync(join(dirname(releaseEntry(version)), "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

/** Installs openclaw@<version> into .cache/openclaw-<version> unless it is there; returns openclaw.mjs. */
export function ensureOpenClawRelease(version, log = (m) => process.stdout.write(`[setup] ${m}\n`)) {
  if (!VERSION_RE.test(version)) throw new Error(`not an OpenClaw version: ${version}`);
  if (installedVersion(version) === version && existsSync(releaseEntry(version))) {
    log(`openclaw ${version}: cached`);
    return releaseEntry(version);
  }
  const dir = releaseDir(version);
  rmSync(dir, { recursive: true, force: true }); // a half-finished earlier install
  mkdirSync(dir, { recursive: true });
  log(`openclaw ${version}: npm install into .cache/openclaw-${version} (about 45 s, 650 MB) ...`);
  const started = Date.now();
  // --loglevel=error: OpenClaw's dependencies want Node 22+ and npm here may run on Node 20; the
  // dozens of engine warnings that prints are noise (OpenClaw itself runs on the Node 24 from setup).
  const result = spawnSync(
    npmCmd,
    ["install", "--prefix", dir, "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", `openclaw@${version}`],
    { cwd: repo, stdio: ["ignore", "inherit", "inherit"] },
  );
  if (result.error) throw new Error(`npm install openclaw@${version}: ${result.error.message}`);
  if (result.status !== 0 || installedVersion(version) !== version) {
    throw new Error(`npm install openclaw@${version} failed (exit ${result.status ?? result.signal}); nothing usable in ${dir}`);
  }
  log(`openclaw ${version}: installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return releaseEntry(version);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const versions = process.argv.slice(2);
  if (versions.length === 0) {
    process.stderr.write("usage: node scripts/openclaw-releases.mjs <version> [<version> ...]\n");
    process.exit(2);
  }
  try {
    for (const version of versions) ensureOpenClawRelease(version);
  } catch (error) {
    process.stderr.write(`[setup] FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
