import { spawn, spawnSync } from "node:child_process";
import { promises as fs, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { claudeCredentialsJson, startFakeTokenEndpoint, type FakeTokenEndpoint } from "../../test/support/fake-token-endpoint.js";
import { REPO, type BenchEnv } from "../lib/env.js";
import { mean, summarize, type Summary } from "../lib/stats.js";
import type { PhaseSample } from "../transaction-child.js";

/**
 * 5. Cost of one refresh transaction against the fake endpoint on loopback, split into phases,
 * measured in a child process (bench/transaction-child.ts) with a no-op publisher, then with the
 * real SDK publisher (the same upsertAuthProfileWithLock the gateway runs, into a temp OpenClaw
 * state dir), and system calls per refresh with `strace -c -f` when strace is there.
 */

export type PhaseName = "lock" | "read" | "post" | "persist" | "publish" | "other";

export interface TransactionResult {
  n: number;
  noop: { total: Summary; phases: Record<PhaseName, Summary>; shares: Record<PhaseName, number>; detail: Record<string, number>; readsPerRefresh: number };
  sdk: { total: Summary; publish: Summary };
  strace?: {
    n: number;
    perRefresh: number;
    perRefreshWithSdkPublish: number;
    topPerRefresh: Array<[string, number]>;
    /** File-system calls per refresh (no-op publish): what the transaction itself asks of the disk. */
    fsPerRefresh: Array<[string, number]>;
    topPublish: Array<[string, number]>;
  };
  straceSkipped?: string;
}

const CHILD = path.join(REPO, "bench", "transaction-child.ts");
const LOADER = path.join(REPO, "bench", "loader.mjs");

interface ChildRun {
  phases: PhaseSample[];
}

async function prepare(fake: FakeTokenEndpoint): Promise<{ dir: string; args: Record<string, unknown>; env: NodeJS.ProcessEnv }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "coauth-bench-tx-"));
  const stateDir = path.join(dir, ".openclaw");
  await fs.mkdir(stateDir, { recursive: true });
  const credentialsPath = path.join(dir, "claude-credentials.json");
  await fs.writeFile(credentialsPath, `${JSON.stringify(claudeCredentialsJson(fake.mintLogin()), null, 2)}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, OPENCLAW_HOME: dir, OPENCLAW_STATE_DIR: stateDir, OPENCLAW_CONFIG_PATH: path.join(stateDir, "openclaw.json"), NO_COLOR: "1" };
  delete env.CLAUDE_CONFIG_DIR;
  return { dir, args: { credentialsPath, tokenUrl: fake.url, stateDir }, env };
}

function runChild(command: string, argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err = (err + c).slice(-4000)));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(command)} exited ${code}:\n${err}`))));
  });
}

async function timedRun(env: BenchEnv, fake: FakeTokenEndpoint, publisher: "noop" | "sdk", n: number, warmup: number): Promise<PhaseSample[]> {
  const p = await prepare(fake);
  try {
    const out = await runChild(env.node24, ["--import", LOADER, CHILD, JSON.stringify({ ...p.args, n, warmup, publisher })], p.env);
    const parsed = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as ChildRun;
    return parsed.phases;
  } finally {
    await fs.rm(p.dir, { recursive: true, force: true });
  }
}

export function straceAvailable(): boolean {
  return spawnSync("strace", ["-V"], { stdio: "ignore" }).status === 0;
}

/** `strace -c` summary -> calls per syscall (the "total" line skipped). */
function parseStraceSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split("\n")) {
    const tokens = line.trim().split(/\s+/);
    const name = tokens.at(-1);
    if (!name || name === "total" || !/^[a-z_0-9]+$/.test(name) || tokens.length < 5) continue;
    if (!/^\d+\.\d+$/.test(tokens[0] ?? "")) continue;
    // % time, seconds, usecs/call, calls, [errors], syscall
    const count = Number(tokens[3]);
    if (Number.isFinite(count)) calls.set(name, (calls.get(name) ?? 0) + count);
  }
  return calls;
}

/** Both runs do the same warm-up (module loading, first connection), so the difference is n steady refreshes. */
const STRACE_WARMUP = 3;

async function straceRun(env: BenchEnv, fake: FakeTokenEndpoint, publisher: "noop" | "sdk", n: number): Promise<Map<string, number>> {
  const p = await prepare(fake);
  const out = path.join(p.dir, "strace.txt");
  try {
    await runChild("strace", ["-f", "-c", "-o", out, env.node24, "--import", LOADER, CHILD, JSON.stringify({ ...p.args, n, warmup: STRACE_WARMUP, publisher })], p.env);
    return parseStraceSummary(readFileSync(out, "utf8"));
  } finally {
    await fs.rm(p.dir, { recursive: true, force: true });
  }
}

function perRefresh(withN: Map<string, number>, without: Map<string, number>, n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of new Set([...withN.keys(), ...without.keys()])) {
    const d = ((withN.get(name) ?? 0) - (without.get(name) ?? 0)) / n;
    if (Math.abs(d) >= 0.05) out.set(name, d);
  }
  return out;
}

const FS_SYSCALLS = new Set([
  "openat", "open", "close", "read", "pread64", "write", "pwrite64", "fsync", "fdatasync", "rename", "renameat", "renameat2",
  "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "statx", "newfstatat", "fstat", "lstat", "stat", "getdents64",
  "fchmod", "chmod", "fchmodat", "utimensat", "futimens", "link", "linkat", "readlink", "readlinkat", "ftruncate", "fchown", "fchownat", "fallocate",
]);

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const top = (m: Map<string, number>, k: number): Array<[string, number]> => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);

export async function transactionCost(env: BenchEnv, opts: { n: number; straceN: number; log: (m: string) => void }): Promise<TransactionResult> {
  const { log } = opts;
  const fake = await startFakeTokenEndpoint();
  try {
    const warmup = 5;
    const noop = await timedRun(env, fake, "noop", opts.n, warmup);
    const sdk = await timedRun(env, fake, "sdk", opts.n, warmup);
    const pick = (f: (p: PhaseSample) => number) => summarize(noop.map(f));
    const phases: Record<PhaseName, Summary> = {
      lock: pick((p) => p.lockAcquireMs + p.releaseAndBookkeepingMs),
      read: pick((p) => p.readMs + p.recoveryScanMs),
      post: pick((p) => p.postMs),
      persist: pick((p) => p.persistMs),
      publish: pick((p) => p.publishMs),
      other: pick((p) => p.otherMs),
    };
    const total = pick((p) => p.totalMs);
    const shares = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, v.mean / total.mean])) as Record<PhaseName, number>;
    const detail: Record<string, number> = {
      lockAcquireMs: mean(noop.map((p) => p.lockAcquireMs)),
      releaseAndBookkeepingMs: mean(noop.map((p) => p.releaseAndBookkeepingMs)),
      readMs: mean(noop.map((p) => p.readMs)),
      recoveryScanMs: mean(noop.map((p) => p.recoveryScanMs)),
    };
    const result: TransactionResult = {
      n: noop.length,
      noop: { total, phases, shares, detail, readsPerRefresh: mean(noop.map((p) => p.reads)) },
      sdk: { total: summarize(sdk.map((p) => p.totalMs)), publish: summarize(sdk.map((p) => p.publishMs)) },
    };
    log(`  ${noop.length} refreshes: total p50 ${total.p50.toFixed(2)} ms; SDK publish p50 ${result.sdk.publish.p50.toFixed(2)} ms`);

    if (!straceAvailable()) {
      result.straceSkipped = "strace not installed (scripts/bench.mjs tries apt-get install -y strace when it is missing)";
    } else {
      const n = opts.straceN;
      const base = await straceRun(env, fake, "noop", 0);
      const withN = await straceRun(env, fake, "noop", n);
      const sdkBase = await straceRun(env, fake, "sdk", 0);
      const sdkN = await straceRun(env, fake, "sdk", n);
      const tx = perRefresh(withN, base, n);
      const txSdk = perRefresh(sdkN, sdkBase, n);
      const publishOnly = new Map<string, number>();
      for (const name of new Set([...tx.keys(), ...txSdk.keys()])) {
        const d = (txSdk.get(name) ?? 0) - (tx.get(name) ?? 0);
        if (Math.abs(d) >= 0.5) publishOnly.set(name, d);
      }
      const fsCalls = new Map([...tx.entries()].filter(([name]) => FS_SYSCALLS.has(name)));
      result.strace = { n, perRefresh: sum(tx), perRefreshWithSdkPublish: sum(txSdk), topPerRefresh: top(tx, 10), fsPerRefresh: top(fsCalls, 30), topPublish: top(publishOnly, 8) };
      log(`  strace: ${sum(tx).toFixed(0)} syscalls per refresh (no-op publish), ${sum(txSdk).toFixed(0)} with the SDK publish`);
    }
    return result;
  } finally {
    await fake.close();
  }
}
