// One real OpenClaw gateway (the devDependency, 2026.9.6) per e2e suite, on Node 24, fully isolated
// in a temp dir, with the plugin installed the way a user installs it.
//
// Needs `node scripts/setup.mjs` first (writes .cache/env.json: Node 24 path, openclaw.mjs, repo).
//
// HOW THE PLUGIN IS INSTALLED, AND WHY (measured 2026-11 on the 2-core box, openclaw 2026.9.6):
// - `openclaw plugins install -l <repo root>` does NOT work here. The CLI says
//   'Plugin "claude-oauth-refresh" package owner "claude-oauth-refresh" has conflicting child rows'
//   (exit 1, though it still saves plugins.load.paths), and `gateway run` then dies with
//   "Plugin entry is outside its captured source package". Cause: the OpenClaw that runs the test
//   lives INSIDE the repo (node_modules/openclaw, the devDependency), so the host's own package and
//   its bundled plugins sit inside the linked plugin's root. The same `-l <repo root>` with an
//   OpenClaw installed elsewhere works (6 s), so this is a harness problem, not a plugin problem.
// - `openclaw plugins install npm-pack:<tgz>` (OpenClaw's managed npm project, what a user gets from
//   `openclaw plugins install <npm package>`) works: 28 s per install (OpenClaw runs its own npm
//   install of proper-lockfile/write-file-atomic and links the peer `openclaw` to the host).
// - Chosen default, "staged": `npm pack` the repo (0.7 s) into the temp home, extract, `npm install
//   --omit=dev --omit=peer --ignore-scripts --prefer-offline` there (about 5 s; done once per
//   tarball content under .cache/e2e-plugin/ and copied into each home), then
//   `openclaw plugins install -l <staged dir> --force --accept-capabilities` (about 5 s). It tests
//   exactly the published file set (package.json "files": dist/, manifest) and the declared
//   runtime dependencies, with OpenClaw's real local-path install, in about 10 s instead of 28 s.
//   Set E2E_PLUGIN_INSTALL=npm-pack to use the managed npm route instead (e.g. before a release).
// - `plugins install` already writes plugins.entries.<id>.enabled=true, so `plugins enable` is only
//   called if it did not. The plugin's config is written into the config file before the start
//   (no CLI call; JSON keeps the values' types exactly, and the gateway checks the schema on start).

// OTHER FACTS THIS HARNESS STANDS ON (measured):
// - Log masking: OpenClaw masks sk-... strings on the console by default ("sk-ant…ZZZZ"). An empty
//   `logging.redactPatterns` falls back to the defaults (read in its code); a never-matching pattern replaces the
//   default string list, and then plugin log lines (api.logger, ctx.logger, console.log) reach the
//   gateway's stdout UNMASKED (verified with a probe plugin logging sk-ant-oat01-FAKE-... tokens).
//   The JSONL log file (logging.file) still masks them ("File records retain built-in credential
//   patterns"), so token-leak checks must scan output() (stdout+stderr), not the log file.
// - `gateway run` forks helpers (a spawn broker; on a failed start an "automatic triage" process that
//   tries to run an agent with the configured model and keeps the gateway alive ~10 s longer). The gateway is spawned in its own process
//   group and the whole group is signalled; a "Gateway failed to start" line fails start() at once.
// - Ready: /healthz 200 after 8-18 s; plugin services start a little later, so start() also waits
//   for the "[gateway] ready" line (printed after the sidecars/services started).
// - paste-token refuses sk-ant-oat01- tokens shorter than 80 characters.
// - An agent turn also makes a background call with claude-haiku-4-5 (same token) after the reply.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveOpenClaw, type OpenClawUnderTest } from "./openclaw-under-test.js";

export const PLUGIN_ID = "claude-oauth-refresh";

export interface GatewayOptions {
  /** plugins.entries.claude-oauth-refresh.config, applied with `openclaw config set`. */
  pluginConfig?: Record<string, unknown>;
  /** Where every Anthropic model call goes (the fake Messages API's baseUrl). */
  messagesBaseUrl: string;
  /** The OpenClaw to run: a version in .cache/openclaw-<v>/ or a path to openclaw.mjs (default: E2E_OPENCLAW, else the devDependency). */
  openclaw?: string;
  /** More OpenClaw config (channels, commands, ...), deep-merged over the harness's own. */
  extraConfig?: Record<string, unknown>;
  /** More environment for the gateway and every CLI call (e.g. PATH with Claude Code's folder first). */
  env?: Record<string, string>;
  /** Wraps the `gateway run` command line (e.g. into a loopback-only network namespace: netns-gateway.ts). */
  launch?: (command: string, args: string[]) => { command: string; args: string[] };
  /** false: neither install nor configure the plugin (the README suite runs the README's own install). */
  installPlugin?: boolean;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AgentTurnResult {
  code: number;
  /** result.payloads[0].text of the JSON answer. */
  text?: string;
  /** error.message when the turn failed. */
  error?: string;
  /** stdout of `openclaw agent ... --json`. */
  raw: string;
}

export interface Gateway {
  home: string;
  stateDir: string;
  configPath: string;
  /** logging.file: JSONL, with OpenClaw's built-in token masking always on. */
  logFile: string;
  port: number;
  /** The isolated environment every CLI call and the gateway run with. */
  env: NodeJS.ProcessEnv;
  /** Milliseconds spent in setup steps (install, start, ...), for reports. */
  timings: Record<string, number>;
  /** Runs `node24 openclaw.mjs ...args` with the isolated env (default timeout 120 s -> code 124); `launch` wraps it (e.g. NamespaceLink.launchCli). */
  cli(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; launch?: GatewayOptions["launch"] }): Promise<CliResult>;
  /** Spawns `openclaw gateway run`; resolves once /healthz answers 200 and "[gateway] ready" was printed. */
  start(opts?: { timeoutMs?: number }): Promise<void>;
  /** SIGTERM (SIGKILL after 15 s), wait for exit; then deletes the temp home unless KEEP_E2E=1 or cleanup is false. */
  stop(opts?: { cleanup?: boolean }): Promise<void>;
  /** Everything the gateway printed so far (stdout+stderr, all starts), ANSI stripped. */
  output(): string;
  /** Resolves with the first output line at or after `fromIndex` (an output() length) that matches. */
  waitForOutput(re: RegExp, timeoutMs?: number, fromIndex?: number): Promise<string>;
  /** `openclaw agent --agent main --message <message> --json` (default message "ping"). */
  agentTurn(message?: string): Promise<AgentTurnResult>;
  /** The OpenClaw this gateway runs (see openclaw-under-test.ts). */
  openclaw: OpenClawUnderTest;
}

interface HarnessEnv {
  node24: string;
  openclaw: string;
  repo: string;
}

/** The plugin repo: the nearest folder up with openclaw.plugin.json (this file also runs compiled, from .cache/demo). */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "openclaw.plugin.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no openclaw.plugin.json above ${from}`);
  }
}
const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const KEEP = process.env.KEEP_E2E === "1";
const DEFAULT_CLI_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;

function readHarnessEnv(): HarnessEnv {
  const file = join(REPO_ROOT, ".cache", "env.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new Error(`${file} is missing: run \`node scripts/setup.mjs\` first`);
  }
  const env = parsed as Partial<HarnessEnv>;
  if (typeof env.node24 !== "string" || typeof env.openclaw !== "string" || typeof env.repo !== "string") {
    throw new Error(`${file} is malformed: run \`node scripts/setup.mjs\` again`);
  }
  for (const path of [env.node24, env.openclaw]) {
    if (!existsSync(path)) throw new Error(`${path} does not exist: run \`node scripts/setup.mjs\` again`);
  }
  return { node24: env.node24, openclaw: env.openclaw, repo: env.repo };
}

// --- ANSI stripping that survives escape sequences split across chunks -------------------------

const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, "");
}

class OutputBuffer {
  private text = "";
  private carry = "";
  private readonly listeners = new Set<() => void>();

  append(chunk: string): void {
    let data = this.carry + chunk;
    this.carry = "";
    const lastEsc = data.lastIndexOf("\x1b");
    if (lastEsc !== -1 && data.length - lastEsc < 64) {
      const tail = data.slice(lastEsc);
      ANSI_RE.lastIndex = 0;
      const match = ANSI_RE.exec(tail);
      if (!match || match.index !== 0) {
        this.carry = tail;
        data = data.slice(0, lastEsc);
      }
    }
    this.text += stripAnsi(data);
    for (const listener of this.listeners) listener();
  }

  /** At exit: keep whatever incomplete escape sequence is left, minus the ESC itself. */
  flush(): void {
    this.text += this.carry.replace(/\x1b/g, "");
    this.carry = "";
    for (const listener of this.listeners) listener();
  }

  value(): string {
    return this.text;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

// --- process bookkeeping: never leave a gateway behind ------------------------------------------

// Process groups we started (gateways and CLI calls), killed if this process exits early.
const liveGroups = new Set<number>();
const pendingHomes = new Set<string>();
let exitHooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

// True while a process of the group is still running. Zombies do not count: the gateway stays a
// zombie until this process reaps it, which cannot happen inside a synchronous "exit" handler.
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return true; // no /proc: trust kill(0)
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
  }
  return false;
}

async function killGroupAndWait(pgid: number, ms = 5_000): Promise<void> {
  killGroup(pgid, "SIGKILL");
  const deadline = Date.now() + ms;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function removeHome(home: string): void {
  try {
    rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch (error) {
    process.stderr.write(`[e2e harness] could not remove ${home}: ${String(error)}\n`);
  }
}

// Runs in an "exit"/signal handler, where nothing asynchronous works and vitest may kill this
// worker at any moment: SIGKILL every group we started, then leave the deletion of the temp homes
// to a small detached shell that waits (at most 15 s) until those groups are gone.
function emergencyCleanup(): void {
  const groups = [...liveGroups];
  for (const pgid of groups) killGroup(pgid, "SIGKILL");
  liveGroups.clear();
  const homes = KEEP ? [] : [...pendingHomes];
  pendingHomes.clear();
  if (homes.length === 0) return;
  const waits = groups.map((g) => `i=0; while kill -0 -${g} 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done`);
  try {
    const cleaner = spawn("sh", ["-c", [...waits, 'rm -rf -- "$@"'].join("\n"), "e2e-cleanup", ...homes], {
      detached: true,
      stdio: "ignore",
    });
    cleaner.unref();
  } catch {
    for (const home of homes) removeHome(home);
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once("exit", emergencyCleanup);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = (): void => {
      emergencyCleanup();
      // If nobody else handles this signal, behave like the default (terminate).
      if (process.listenerCount(signal) === 1) {
        process.off(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

// --- helpers -------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface RunResult extends CliResult {
  ms: number;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise<RunResult>((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true, // own process group: a timeout kills everything it started
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => (stdout += chunk));
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.stdin.on("error", () => undefined); // the command may exit before reading stdin
    child.stdin.end(opts.input ?? "");
    const pgid = child.pid;
    if (pgid) liveGroups.add(pgid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid, "SIGKILL");
    }, opts.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      if (pgid) liveGroups.delete(pgid);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (pgid) liveGroups.delete(pgid);
      if (timedOut) stderr += `\n[e2e harness] ${cmd} ${args.join(" ")} timed out after ${opts.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS} ms\n`;
      resolveRun({
        code: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
        stdout: stripAnsi(stdout),
        stderr: stripAnsi(stderr),
        ms: Date.now() - started,
      });
    });
  });
}

function describeFailure(what: string, result: CliResult): Error {
  return new Error(`${what} failed (exit ${result.code})\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`);
}

function isolatedEnv(home: string, stateDir: string, configPath: string, token: string, node24: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Nothing from the developer's own OpenClaw/Anthropic/Claude setup or the test runner leaks in.
    if (/^(OPENCLAW_|ANTHROPIC_|CLAUDE_|VITEST|NODE_OPTIONS$|NODE_V8_COVERAGE$|XDG_)/.test(key)) continue;
    // npm/npx put their whole config into npm_config_* of child processes; keep only the registry.
    if (/^npm_/i.test(key) && key.toLowerCase() !== "npm_config_registry") continue;
    if (value !== undefined) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    OPENCLAW_HOME: home,
    OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_CONFIG_PATH: configPath,
    OPENCLAW_GATEWAY_TOKEN: token,
    OPENCLAW_DISABLE_BONJOUR: "1",
    TMPDIR: join(home, "tmp"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    PATH: `${dirname(node24)}:${process.env.PATH ?? ""}`,
  };
}

function gatewayConfig(p: { home: string; port: number; token: string; logFile: string; workspace: string; messagesBaseUrl: string }): Record<string, unknown> {
  return {
    update: { checkOnStart: false },
    discovery: { mdns: { mode: "off" } },
    models: {
      catalogRefresh: { enabled: false },
      providers: {
        anthropic: { baseUrl: p.messagesBaseUrl, api: "anthropic-messages", models: [] },
      },
    },
    logging: {
      file: p.logFile,
      // Replaces OpenClaw's default masking list with a pattern that never matches, so plugin log
      // lines reach stdout unmasked and a leak test can see a leaked token. (An empty list means
      // "defaults"; the JSONL file keeps masking regardless.)
      redactPatterns: ["E2E_HARNESS_REDACTION_DISABLED_THIS_NEVER_MATCHES"],
    },
    gateway: {
      mode: "local",
      bind: "loopback",
      port: p.port,
      auth: { mode: "token", token: p.token },
    },
    agents: {
      defaults: {
        skipBootstrap: true,
        workspace: p.workspace,
        model: { primary: "anthropic/claude-opus-5" },
        heartbeat: { every: "0m" },
      },
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `extra` over `base`: objects merge key by key, anything else (arrays too) replaces. */
function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

// --- the gateway ---------------------------------------------------------------------------------

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const defaults = readHarnessEnv();
  const openclaw = resolveOpenClaw(defaults.repo, defaults.openclaw, opts.openclaw ?? process.env.E2E_OPENCLAW);
  const harness: HarnessEnv = { ...defaults, openclaw: openclaw.entry };
  installExitHooks();
  const timings: Record<string, number> = {};
  const home = mkdtempSync(join(tmpdir(), "coauth-e2e-"));
  pendingHomes.add(home);
  const stateDir = join(home, ".openclaw");
  const configPath = join(stateDir, "openclaw.json");
  const logFile = join(home, "openclaw.log");
  const workspace = join(home, "workspace");
  const rawOutputFile = join(home, "gateway-output.log");
  for (const dir of [stateDir, workspace, join(home, "tmp")]) mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const token = `e2e-gateway-TEST-${randomBytes(16).toString("hex")}`;
  const env = { ...isolatedEnv(home, stateDir, configPath, token, harness.node24), ...opts.env };
  writeFileSync(
    configPath,
    `${JSON.stringify(deepMerge(gatewayConfig({ home, port, token, logFile, workspace, messagesBaseUrl: opts.messagesBaseUrl }), opts.extraConfig ?? {}), null, 2)}\n`,
    { mode: 0o600 },
  );

  const buffer = new OutputBuffer();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let cleanedUp = false;

  const cli: Gateway["cli"] = async (args, cliOpts = {}) => {
    const launched = cliOpts.launch?.(harness.node24, [harness.openclaw, ...args]) ?? { command: harness.node24, args: [harness.openclaw, ...args] };
    const result = await run(launched.command, launched.args, {
      cwd: home,
      env: { ...env, ...cliOpts.env },
      ...(cliOpts.input === undefined ? {} : { input: cliOpts.input }),
      ...(cliOpts.timeoutMs === undefined ? {} : { timeoutMs: cliOpts.timeoutMs }),
    });
    return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  };

  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - started;
    }
  };

  const gateway: Gateway = {
    home,
    stateDir,
    configPath,
    logFile,
    port,
    env,
    timings,
    cli,
    openclaw,

    async start(startOpts = {}) {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error("gateway is already running");
      const timeoutMs = startOpts.timeoutMs ?? 180_000;
      const from = buffer.value().length;
      const started = Date.now();
      const runArgs = [harness.openclaw, "gateway", "run", "--port", String(port)];
      const launched = opts.launch?.(harness.node24, runArgs) ?? { command: harness.node24, args: runArgs };
      const proc = spawn(launched.command, launched.args, {
        cwd: home,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      child = proc;
      if (!proc.pid) throw new Error("could not spawn the gateway");
      liveGroups.add(proc.pid);
      const onData = (chunk: string): void => {
        appendFileSync(rawOutputFile, chunk);
        buffer.append(chunk);
      };
      proc.stdout?.setEncoding("utf8");
      proc.stderr?.setEncoding("utf8");
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", onData);
      exited = new Promise<void>((resolveExit) => {
        proc.once("exit", () => {
          buffer.flush();
          resolveExit();
        });
      });

      const deadline = started + timeoutMs;
      const failure = (why: string): Error =>
        new Error(`gateway did not start: ${why} (home ${home})\n--- gateway output ---\n${tail(buffer.value().slice(from), 60)}`);
      let healthy = false;
      while (!healthy) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw failure(`exited with ${proc.exitCode ?? proc.signalCode}`);
        if (/Gateway failed to start/.test(buffer.value().slice(from))) {
          killGroup(proc.pid, "SIGKILL"); // also stops OpenClaw's automatic triage agent run
          await exited;
          throw failure("it reported a startup failure");
        }
        if (Date.now() > deadline) {
          killGroup(proc.pid, "SIGKILL");
          throw failure(`no /healthz 200 within ${timeoutMs} ms`);
        }
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
          healthy = res.status === 200;
          await res.body?.cancel();
        } catch {
          // not listening yet
        }
        if (!healthy) await new Promise((r) => setTimeout(r, 250));
      }
      timings.healthz = Date.now() - started;
      let line: string;
      try {
        line = await gateway.waitForOutput(/\[gateway\] ready\b|Gateway failed to start/, Math.max(1_000, deadline - Date.now()), from);
      } catch (error) {
        killGroup(proc.pid, "SIGKILL");
        throw failure(error instanceof Error ? (error.message.split("\n")[0] ?? "no ready line") : String(error));
      }
      if (/Gateway failed to start/.test(line)) {
        killGroup(proc.pid, "SIGKILL");
        await exited;
        throw failure("it reported a startup failure");
      }
      timings.start = Date.now() - started;
    },

    async stop(stopOpts = {}) {
      const proc = child;
      if (proc && proc.pid && proc.exitCode === null && proc.signalCode === null) {
        const started = Date.now();
        killGroup(proc.pid, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const killedLate = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(true), STOP_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
        if (killedLate) {
          killGroup(proc.pid, "SIGKILL");
          await exited;
        }
        timings.stop = Date.now() - started;
      }
      if (proc?.pid) {
        await killGroupAndWait(proc.pid); // any helper left in the group
        liveGroups.delete(proc.pid);
      }
      if ((stopOpts.cleanup ?? true) && !KEEP && !cleanedUp) {
        cleanedUp = true;
        pendingHomes.delete(home);
        removeHome(home);
      }
    },

    output() {
      return buffer.value();
    },

    waitForOutput(re, timeoutMs = 60_000, fromIndex = 0) {
      const flags = re.flags.replace(/[gy]/g, "");
      const lineRe = new RegExp(re.source, flags);
      let scanned = fromIndex;
      const find = (): string | undefined => {
        const text = buffer.value();
        // Only look at complete lines, remembering how far we got.
        const end = text.lastIndexOf("\n") + 1;
        if (end <= scanned) return undefined;
        const lineStart = text.lastIndexOf("\n", scanned - 1) + 1;
        const chunk = text.slice(lineStart, end);
        scanned = end;
        return chunk.split("\n").find((line) => lineRe.test(line));
      };
      return new Promise<string>((resolveWait, reject) => {
        const check = (): void => {
          const hit = find();
          if (hit !== undefined) {
            done();
            resolveWait(hit);
            return;
          }
          const proc = child;
          if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
            // Exited: a last partial line may still match.
            const rest = buffer.value().slice(Math.max(scanned, fromIndex));
            const last = rest.split("\n").find((line) => lineRe.test(line));
            done();
            if (last !== undefined) resolveWait(last);
            else reject(new Error(`gateway exited before printing ${re}\n--- gateway output ---\n${tail(buffer.value().slice(fromIndex), 40)}`));
          }
        };
        const unsubscribe = buffer.onChange(check);
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}\n--- gateway output ---\n${tail(buffer.value().slice(fromIndex), 40)}`));
        }, timeoutMs);
        const poll = setInterval(check, 500); // also notices an exit without new output
        const done = (): void => {
          unsubscribe();
          clearTimeout(timer);
          clearInterval(poll);
        };
        check();
      });
    },

    async agentTurn(message = "ping") {
      const result = await cli(["agent", "--agent", "main", "--message", message, "--json"], { timeoutMs: 180_000 });
      const turn: AgentTurnResult = { code: result.code, raw: result.stdout };
      try {
        const parsed = JSON.parse(result.stdout) as {
          result?: { payloads?: Array<{ text?: unknown }> };
          error?: { message?: unknown };
        };
        const text = parsed.result?.payloads?.[0]?.text;
        if (typeof text === "string") turn.text = text;
        const error = parsed.error?.message;
        if (typeof error === "string") turn.error = error;
      } catch {
        if (result.code !== 0) turn.error = tail(result.stderr, 10);
      }
      return turn;
    },
  };

  try {
    if (opts.installPlugin !== false) {
      await timed("install", () => installPlugin(gateway, harness));
      await timed("configure", () => configurePlugin(gateway, opts.pluginConfig ?? {}));
    }
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  return gateway;
}

// npm runs with the isolated HOME but keeps the developer's npm cache and user config, so
// --prefer-offline can use cached packages (OpenClaw's own npm run for npm-pack: gets them too).
export function npmEnvFor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    npm_config_cache: process.env.npm_config_cache ?? join(homedir(), ".npm"),
    npm_config_userconfig: process.env.npm_config_userconfig ?? join(homedir(), ".npmrc"),
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
}

// The extracted package with its runtime dependencies installed, made once per tarball content
// (same dist/, same manifest, same package.json) and copied into each suite's home: every suite
// used to run its own `npm install` of the same dependencies (5-10 s each on this box). Two suites
// running at once may both build it; the rename makes one of them win with a complete folder.
async function stagedPackage(tarball: string, npmEnv: NodeJS.ProcessEnv): Promise<string> {
  const digest = createHash("sha256").update(readFileSync(tarball)).digest("hex").slice(0, 16);
  const cacheRoot = join(REPO_ROOT, ".cache", "e2e-plugin");
  const ready = join(cacheRoot, digest);
  if (existsSync(join(ready, "package", "package.json"))) return join(ready, "package");
  mkdirSync(cacheRoot, { recursive: true });
  const building = mkdtempSync(join(cacheRoot, `${digest}-`));
  try {
    const untar = await run("tar", ["-xzf", tarball, "-C", building], { env: npmEnv });
    if (untar.code !== 0) throw describeFailure("tar -xzf", untar);
    const pluginDir = join(building, "package");
    const manifest = JSON.parse(readFileSync(join(pluginDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    if (Object.keys(manifest.dependencies ?? {}).length > 0) {
      const deps = await run(
        "npm",
        ["install", "--omit=dev", "--omit=peer", "--ignore-scripts", "--no-package-lock", "--prefer-offline", "--no-audit", "--no-fund"],
        { cwd: pluginDir, env: npmEnv, timeoutMs: 300_000 },
      );
      if (deps.code !== 0) throw describeFailure("npm install of the plugin's dependencies", deps);
    }
    try {
      renameSync(building, ready);
    } catch {
      // another suite finished the same folder first: use theirs
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return join(ready, "package");
}

async function installPlugin(gateway: Gateway, harness: HarnessEnv): Promise<void> {
  const stage = join(gateway.home, "plugin-package");
  mkdirSync(stage, { recursive: true });
  const npmEnv = npmEnvFor(gateway.env);
  const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", stage], { cwd: harness.repo, env: npmEnv });
  if (packed.code !== 0) throw describeFailure("npm pack", packed);
  const packInfo = JSON.parse(packed.stdout) as Array<{ filename?: string }>;
  const filename = packInfo[0]?.filename;
  if (!filename) throw new Error(`npm pack printed no filename:\n${packed.stdout}`);
  const tarball = join(stage, basename(filename));

  let install: CliResult;
  if (process.env.E2E_PLUGIN_INSTALL === "npm-pack") {
    install = await gateway.cli(["plugins", "install", `npm-pack:${tarball}`, "--force", "--accept-capabilities"], { env: npmEnv });
  } else {
    const pluginDir = join(stage, "package");
    cpSync(await stagedPackage(tarball, npmEnv), pluginDir, { recursive: true });
    install = await gateway.cli(["plugins", "install", "-l", pluginDir, "--force", "--accept-capabilities"]);
  }
  if (install.code !== 0) throw describeFailure("openclaw plugins install", install);

  const config = JSON.parse(readFileSync(gateway.configPath, "utf8")) as {
    plugins?: { entries?: Record<string, { enabled?: boolean }> };
  };
  if (config.plugins?.entries?.[PLUGIN_ID]?.enabled !== true) {
    const enable = await gateway.cli(["plugins", "enable", PLUGIN_ID, "--accept-capabilities"]);
    if (enable.code !== 0) throw describeFailure(`openclaw plugins enable ${PLUGIN_ID}`, enable);
  }
}

// The plugin's config goes straight into the config file (the gateway is not running yet, and it
// validates the file against the manifest's schema when it starts), instead of one
// `openclaw config set --batch-json` call: that CLI call cost 6-8 s per suite, and a suite that
// tests `config set` itself calls it on its own.
async function configurePlugin(gateway: Gateway, pluginConfig: Record<string, unknown>): Promise<void> {
  // Usage checks would go to api.anthropic.com: off unless a suite points them at a fake.
  const config = JSON.parse(readFileSync(gateway.configPath, "utf8")) as Record<string, unknown>;
  const entry = { plugins: { entries: { [PLUGIN_ID]: { config: { usageCheckMinutes: 0, ...pluginConfig } } } } };
  writeFileSync(gateway.configPath, `${JSON.stringify(deepMerge(config, entry), null, 2)}\n`, { mode: 0o600 });
}
