// Runs the real Claude Code (@anthropic-ai/claude-code, installed by scripts/setup.mjs into
// .cache/claude-code) offline: inside a loopback-only network namespace (unshare -rn), where its
// only way out is netns-bridge.mjs -> the intercept proxy's unix socket. It reaches the fake token
// endpoint through HTTPS_PROXY (TLS terminated with a test CA, trusted through
// NODE_EXTRA_CA_CERTS) and the fake Messages API through ANTHROPIC_BASE_URL.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const REPO = path.resolve(import.meta.dirname, "../..");
const BRIDGE = path.join(import.meta.dirname, "netns-bridge.mjs");
/** The port the relay listens on inside each namespace (each run has its own namespace). */
const RELAY_PORT = 18080;

export function claudeCodeBinary(): string {
  const envFile = path.join(REPO, ".cache", "env.json");
  const env = existsSync(envFile) ? (JSON.parse(readFileSync(envFile, "utf8")) as { claudeCode?: string }) : {};
  if (!env.claudeCode || !existsSync(env.claudeCode)) {
    throw new Error(`Claude Code is not installed (${env.claudeCode ?? envFile}): run "node scripts/setup.mjs" first.`);
  }
  return env.claudeCode;
}

/** Throws with the reason when a loopback-only namespace cannot be made here: never a silent skip. */
export function assertLoopbackNamespace(): void {
  const probe = spawnSync("unshare", ["-rn", "sh", "-c", "ip link set lo up && ip -o link show lo"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0 || !/LOOPBACK,UP/.test(probe.stdout)) {
    throw new Error(
      `This test runs Claude Code in a loopback-only network namespace (unshare -rn, then "ip link set lo up") so no byte can leave the machine, ` +
        `and that failed here: ${probe.error?.message ?? (probe.stderr.trim() || `exit ${probe.status}`)}. ` +
        `Install util-linux and iproute2, and allow unprivileged user namespaces (Ubuntu 24.04: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0; older Debian: sysctl -w kernel.unprivileged_userns_clone=1).`,
    );
  }
}

export interface ClaudeCodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  startedAt: number;
  endedAt: number;
}

export interface ClaudeCodeOptions {
  home: string;
  configDir: string;
  proxySocket: string;
  caCertPath: string;
  args: string[];
  timeoutMs?: number;
}

export function claudeCodeEnv(o: Pick<ClaudeCodeOptions, "home" | "configDir" | "caCertPath">): NodeJS.ProcessEnv {
  const local = `http://127.0.0.1:${RELAY_PORT}`;
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: o.home,
    CLAUDE_CONFIG_DIR: o.configDir,
    HTTPS_PROXY: local,
    https_proxy: local,
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    NODE_EXTRA_CA_CERTS: o.caCertPath,
    ANTHROPIC_BASE_URL: local,
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    TERM: "dumb",
  };
}

export function runClaudeCode(o: ClaudeCodeOptions): Promise<ClaudeCodeRun> {
  const bin = claudeCodeBinary();
  const startedAt = Date.now();
  const child = spawn(
    "unshare",
    ["-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', process.execPath, BRIDGE, JSON.stringify({ in: [{ port: RELAY_PORT, socket: o.proxySocket }] }), bin, ...o.args],
    { env: claudeCodeEnv(o), cwd: o.home, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  }, o.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, startedAt, endedAt: Date.now() });
    });
  });
}
