import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface BenchEnv {
  node24: string;
  openclaw: string;
  repo: string;
}

/** Written by scripts/setup.mjs (which scripts/bench.mjs runs first). */
export function readBenchEnv(): BenchEnv {
  const parsed = JSON.parse(readFileSync(path.join(REPO, ".cache", "env.json"), "utf8")) as Partial<BenchEnv>;
  if (typeof parsed.node24 !== "string" || typeof parsed.openclaw !== "string" || typeof parsed.repo !== "string") {
    throw new Error(".cache/env.json is malformed: run `node scripts/setup.mjs`");
  }
  return { node24: parsed.node24, openclaw: parsed.openclaw, repo: parsed.repo };
}

/** Imports a module of the built plugin (build/: tsc output, one module per file), typed by its source in src/. */
export async function importBuilt<T>(name: string): Promise<T> {
  const url = new URL(`../../build/${name}`, import.meta.url).href;
  const mod: T = await import(url);
  return mod;
}

export interface MachineInfo {
  date: string;
  openclawVersion: string;
  pluginVersion: string;
  gitCommit: string;
  hostNode: string;
  benchNode: string;
  gatewayNode: string;
  cpuModel: string;
  cores: number;
  ramGb: number;
  kernel: string;
}

function safe(fn: () => string, fallback = "unknown"): string {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

export function machineInfo(env: BenchEnv): MachineInfo {
  const pkg = (p: string) => (JSON.parse(readFileSync(p, "utf8")) as { version?: string }).version ?? "unknown";
  const cpuModel = safe(() => /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown");
  const commit = safe(() => execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim());
  const dirty = safe(() => (execFileSync("git", ["status", "--porcelain", "--", "src", "package.json"], { cwd: REPO, encoding: "utf8" }).trim() ? " (src/ has uncommitted changes)" : ""), "");
  return {
    date: new Date().toISOString(),
    openclawVersion: safe(() => pkg(path.join(REPO, "node_modules", "openclaw", "package.json"))),
    pluginVersion: safe(() => pkg(path.join(REPO, "package.json"))),
    gitCommit: `${commit}${dirty}`,
    hostNode: process.env.BENCH_HOST_NODE ?? "unknown",
    benchNode: process.version,
    gatewayNode: safe(() => execFileSync(env.node24, ["--version"], { encoding: "utf8" }).trim()),
    cpuModel,
    cores: os.cpus().length,
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
  };
}
