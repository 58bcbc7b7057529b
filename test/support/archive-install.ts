// Installs the plugin's npm package into a given OpenClaw the plainest way a user can:
// `npm pack` of this repo, then `openclaw plugins install <tarball>` in a fresh, isolated home with
// no config at all (so it works on any release, whatever config keys that release knows). Used to
// show what an OpenClaw outside the supported range says; the gateway harness (gateway.ts) is for
// releases that run the plugin.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliResult } from "./gateway.js";
import { resolveOpenClaw } from "./openclaw-under-test.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export interface ArchiveInstallResult extends CliResult {
  /** The OpenClaw version that ran. */
  version: string;
  ms: number;
}

export function installPackedPluginAsUser(openclawChoice: string, timeoutMs = 180_000): ArchiveInstallResult {
  const env = JSON.parse(readFileSync(join(REPO_ROOT, ".cache", "env.json"), "utf8")) as { node24?: unknown; openclaw?: unknown };
  if (typeof env.node24 !== "string" || typeof env.openclaw !== "string") throw new Error(".cache/env.json is malformed: run `node scripts/setup.mjs`");
  const openclaw = resolveOpenClaw(REPO_ROOT, env.openclaw, openclawChoice);
  const home = mkdtempSync(join(tmpdir(), "coauth-archive-"));
  try {
    const stateDir = join(home, ".openclaw");
    mkdirSync(stateDir);
    mkdirSync(join(home, "tmp"));
    const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", home], { cwd: REPO_ROOT, encoding: "utf8" });
    if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    const filename = (JSON.parse(packed.stdout) as Array<{ filename?: string }>)[0]?.filename;
    if (!filename) throw new Error(`npm pack printed no filename: ${packed.stdout}`);
    const started = Date.now();
    const result = spawnSync(env.node24, [openclaw.entry, "plugins", "install", join(home, filename)], {
      cwd: home,
      encoding: "utf8",
      timeout: timeoutMs,
      env: {
        PATH: `${dirname(env.node24)}:${process.env.PATH ?? ""}`,
        HOME: home,
        OPENCLAW_HOME: home,
        OPENCLAW_STATE_DIR: stateDir,
        OPENCLAW_CONFIG_PATH: join(stateDir, "openclaw.json"),
        OPENCLAW_DISABLE_BONJOUR: "1",
        TMPDIR: join(home, "tmp"),
        NO_COLOR: "1",
        FORCE_COLOR: "0",
      },
    });
    return {
      version: openclaw.version,
      code: result.status ?? 124,
      stdout: (result.stdout ?? "").replace(ANSI_RE, ""),
      stderr: (result.stderr ?? "").replace(ANSI_RE, ""),
      ms: Date.now() - started,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
