// The README's examples, run as written (issue 18): every block marked `<!-- runnable: NAME -->`
// runs here in bash, against ONE real OpenClaw 2026.9.6 gateway, with the fakes in place (fake token
// endpoint, fake Messages API) and stand-ins for what reaches another machine: `ssh` (runs the
// remote command here, with the other machine's HOME), `security` (the Mac's Keychain) and `curl`
// to ntfy.sh (records what would be sent; any other URL goes to the real curl).
//
// The quick start runs literally and in order: the README's install line (the package file from
// `npm pack`, OpenClaw's own npm-pack install), the gateway (re)start, the login, the import from a
// PC, making the owner, the check. Then the config example, the ntfy alertCommand (an alert must
// reach the phone as text, not JSON), the Mac's Keychain import, and the cron check script run the
// way cron runs it (no OPENCLAW_* environment) for each answer it tells apart.

import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeResult, issuedTokens, leakedTokens, pluginLine, readCredentials, required, waitFor } from "../support/e2e-helpers.js";
import type { FakeMessagesApi } from "../support/fake-messages-api.js";
import { claudeCredentialsJson, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";
import { startWorld, type World } from "../support/e2e-world.js";
import { npmEnvFor, type CliResult, type Gateway } from "../support/gateway.js";
import { fencedBlocks, runnableBlock } from "../support/readme-blocks.js";
import { type ReadmeExample } from "./readme-examples.js";

const REPO = join(import.meta.dirname, "..", "..");
const README = readFileSync(join(REPO, "README.md"), "utf8");
const BLOCKS = fencedBlocks(README);
const code = (name: ReadmeExample): string => runnableBlock(BLOCKS, name).code;

describe("README examples, run as written against a test gateway", () => {
  let fake: FakeTokenEndpoint | undefined;
  let messages: FakeMessagesApi | undefined;
  let gateway: Gateway | undefined;
  let world: World | undefined;
  let root = "";
  let server = ""; // the server's working folder (the package file is copied here)
  let shims = "";
  let pcHome = "";
  let macHome = "";
  let ntfyLog = "";
  const outputs: string[] = [];
  const gw = (): Gateway => required(gateway, "gateway was not created");
  const tokens = (): FakeTokenEndpoint => required(fake, "fake token endpoint was not started");

  /** The shell of a person on the server: the gateway's environment, the stand-ins first on PATH. */
  function serverEnv(): NodeJS.ProcessEnv {
    return { ...npmEnvFor(gw().env), PATH: `${shims}:${gw().env.PATH ?? ""}`, SERVER_HOME: gw().home, PC_HOME: pcHome };
  }

  /** Runs a README block in bash (`-e -o pipefail`, as a careful user pastes it). */
  function runBlock(script: string, opts: { env: NodeJS.ProcessEnv; cwd: string; input?: string; onOutput?: (text: string, write: (s: string) => void) => void; timeoutMs?: number }): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
      let stdout = "";
      let stderr = "";
      const write = (s: string): void => void child.stdin.write(s);
      const seen = (): void => opts.onOutput?.(stdout + stderr, write);
      child.stdout.setEncoding("utf8").on("data", (d: string) => ((stdout += d), seen()));
      child.stderr.setEncoding("utf8").on("data", (d: string) => ((stderr += d), seen()));
      child.stdin.on("error", () => undefined);
      if (opts.input !== undefined) child.stdin.end(opts.input);
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), opts.timeoutMs ?? 180_000);
      child.once("error", reject);
      child.once("close", (status) => {
        clearTimeout(timer);
        outputs.push(stdout, stderr);
        resolve({ code: status ?? 128, stdout, stderr });
      });
    });
  }

  const shim = (name: string, body: string): void => {
    const path = join(shims, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
  };

  beforeAll(async () => {
    // The gateway home only: the README's own lines install, configure and start the plugin.
    world = await startWorld({ installPlugin: false, start: false });
    ({ tokens: fake, messages, gateway } = world);
    root = gw().home;
    server = join(root, "server");
    shims = join(root, "shims");
    pcHome = join(root, "pc");
    macHome = join(root, "mac");
    ntfyLog = join(root, "ntfy.log");
    for (const dir of [server, shims, join(pcHome, ".claude"), macHome]) mkdirSync(dir, { recursive: true });
    // ssh HOST CMD...: runs CMD here, as the other machine would (its HOME); the server is the gateway's.
    shim("ssh", 'host=$1; shift\ncase $host in my-pc) HOME=$PC_HOME ;; my-server) HOME=$SERVER_HOME ;; *) echo "ssh stand-in: unknown host $host" >&2; exit 255 ;; esac\nexport HOME\nexec sh -c "$*"');
    // The Mac's Keychain holds Claude Code's login.
    shim("security", '[ "$1 $2 $3 $4" = "find-generic-password -s Claude Code-credentials -w" ] || { echo "security stand-in: unexpected $*" >&2; exit 44; }\ncat "$KEYCHAIN_ITEM"');
    // curl to ntfy.sh is recorded (arguments, then the body from stdin); anything else is the real curl.
    // The log's path is written into the stand-in: alertCommand runs with a minimal environment
    // (PATH, HOME, ...; src/alerts/alerts.ts), as it would for a real user, so no NTFY_LOG reaches it.
    shim("curl", `case "$*" in *https://ntfy.sh/*) { printf "ARGS %s\\n" "$*"; cat; } >> "${ntfyLog}"; exit 0 ;; esac\nexec /usr/bin/curl "$@"`);
    // `openclaw` on the server: the OpenClaw under test, on the Node the gateway runs (first on its PATH).
    shim("openclaw", `exec node "${gw().openclaw.entry}" "$@"`);
    // The gateway runs the alertCommand: it sees the same stand-ins. OpenClaw puts /usr/bin and
    // /bin in front of the PATH it starts with (its PATH bootstrap, path-env in its dist), which
    // would put the real curl before the stand-in (the run of 2026-12-06 20:12: "curl: (6) Could
    // not resolve host: ntfy.sh"); marking the bootstrap done keeps the stand-ins first.
    gw().env.PATH = `${shims}:${gw().env.PATH ?? ""}`;
    gw().env.OPENCLAW_PATH_BOOTSTRAPPED = "1";
  }, 300_000);

  afterAll(async () => {
    await world?.close();
  });

  it("quick start 1: the README's install line installs the package file `npm pack` makes; the gateway loads it", async () => {
    const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
    expect(code("install"), "the README names the package file of this version").toContain(`claude-oauth-refresh-${version}.tgz`);
    const packed = await runBlock(`npm pack --ignore-scripts --pack-destination "${server}" "${REPO}" >/dev/null`, { env: serverEnv(), cwd: server });
    expect(packed.code, describeResult(packed)).toBe(0);
    const install = await runBlock(code("install"), { env: serverEnv(), cwd: server, timeoutMs: 300_000 });
    expect(install.code, describeResult(install)).toBe(0);
    // The fakes in place of Anthropic (the only step a user does not do), then the gateway (re)start.
    const batch = [
      ["tokenUrl", tokens().url],
      ["authorizeUrl", `${new URL(tokens().url).origin}/oauth/authorize`],
      ["usageCheckMinutes", 0],
    ].map(([key, value]) => ({ path: `plugins.entries.claude-oauth-refresh.config.${String(key)}`, value }));
    const set = await gw().cli(["config", "set", "--batch-json", JSON.stringify(batch)]);
    expect(set.code, describeResult(set)).toBe(0);
    await gw().start();
    await gw().waitForOutput(pluginLine("✅ Plugin loaded successfully"), 60_000);
  });

  it("quick start 2a: `openclaw claude-oauth login` as written: the link, the code pasted back, logged in", async () => {
    const posts = tokens().posts.length;
    let answered = false;
    const result = await runBlock(code("login"), {
      env: serverEnv(),
      cwd: server,
      onOutput: (text, write) => {
        const url = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/.exec(text)?.[1];
        if (!url || answered) return;
        answered = true;
        const q = new URL(url).searchParams;
        const authCode = `FAKE-readme-code-${Date.now()}`;
        tokens().registerAuthorizationCode(authCode, q.get("code_challenge") ?? "");
        write(`${authCode}#${q.get("state") ?? ""}\n`);
      },
    });
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stdout).toMatch(/^Logged in as .*\(mode 600\)/m);
    expect(tokens().posts.length - posts, "one code exchange").toBe(1);
  });

  it("quick start 2b: the import from a PC over ssh reads the PC's file (the quoted ~), not the server's", async () => {
    const login = tokens().mintLogin();
    writeFileSync(join(pcHome, ".claude", ".credentials.json"), JSON.stringify(claudeCredentialsJson(login)), { mode: 0o600 });
    expect(existsSync(join(gw().home, ".claude", ".credentials.json")), "the server has no Claude Code file of its own").toBe(false);
    const result = await runBlock(code("import-ssh"), { env: serverEnv(), cwd: server });
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stdout).toContain("Imported the login");
    const file = readCredentials(join(gw().stateDir, "claude-credentials.json"));
    expect(file.oauth.accessToken === login.accessToken, "the server's credentials file holds the PC's login").toBe(true);
    expect(file.mode.toString(8)).toBe("600");
  });

  it("quick start 3: making yourself the owner sets commands.ownerAllowFrom", async () => {
    const result = await runBlock(code("owner"), { env: serverEnv(), cwd: server });
    expect(result.code, describeResult(result)).toBe(0);
    const config = JSON.parse(readFileSync(gw().configPath, "utf8")) as { commands?: { ownerAllowFrom?: unknown } };
    expect(config.commands?.ownerAllowFrom).toEqual(["telegram:123456789"]);
  });

  it("quick start 4: the check says healthy and exits 0, and the next agent turn uses the login", async () => {
    const result = await runBlock(code("check"), { env: serverEnv(), cwd: server });
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stdout).toMatch(/State\s+ok \(healthy\)/);
    const before = required(messages, "messages").requests.length;
    const turn = await gw().agentTurn("ping");
    expect(turn.code, turn.raw).toBe(0);
    const used = required(messages, "messages").requests.slice(before).map((r) => r.authorization);
    expect(used.length).toBeGreaterThan(0);
    expect(used.every((a) => a === `Bearer ${tokens().latest()?.accessToken}`), "every model call carried the newest token").toBe(true);
  });

  it("the config example sets the key it names", async () => {
    const result = await runBlock(code("config"), { env: serverEnv(), cwd: server });
    expect(result.code, describeResult(result)).toBe(0);
    const config = JSON.parse(readFileSync(gw().configPath, "utf8")) as { plugins: { entries: Record<string, { config?: Record<string, unknown> }> } };
    expect(config.plugins.entries["claude-oauth-refresh"]?.config?.refreshIntervalMinutes).toBe(15);
  });

  // The alertCommand runs the way the gateway runs it for a user: with the minimal environment of
  // src/alerts/alerts.ts (so the curl stand-in carries its log's path itself, see beforeAll).
  it("ntfy: the alertCommand sends the alert's text to the topic (not JSON) when an alert fires; the Mac's Keychain import works", async () => {
    const from = gw().output().length;
    const set = await runBlock(code("ntfy"), { env: serverEnv(), cwd: server });
    expect(set.code, describeResult(set)).toBe(0);
    // The change applies by hot reload: wait for the restarted service before the alert is due.
    await gw().waitForOutput(pluginLine("Token still valid for ", { prefixOnly: true }), 90_000, from);
    // A login that ends in 2 days, imported the Mac way: the "login ends" alert fires at once.
    const login = tokens().mintLogin({ refreshTokenExpiresInSec: 2 * 86_400 });
    const item = join(macHome, "keychain-item.json");
    writeFileSync(item, JSON.stringify(claudeCredentialsJson(login)), { mode: 0o600 });
    const mac = await runBlock(code("import-macos"), { env: { ...serverEnv(), HOME: macHome, KEYCHAIN_ITEM: item }, cwd: macHome });
    expect(mac.code, describeResult(mac)).toBe(0);
    expect(mac.stdout).toContain("Imported the login");
    expect(readdirSync(macHome).length, "nothing written on the Mac besides the stand-in's Keychain item").toBe(1);
    const sent = await waitFor("the ntfy request", () => (existsSync(ntfyLog) && readFileSync(ntfyLog, "utf8").includes("ARGS") ? readFileSync(ntfyLog, "utf8") : undefined), 90_000);
    expect(sent).toContain("https://ntfy.sh/my-topic");
    expect(sent).toContain("Title: Claude login");
    const body = sent.split("\n").slice(1).join("\n");
    expect(body, "the phone gets words").toMatch(/\b(ends|log in)\b/i);
    expect(body.trim().startsWith("{"), "not raw JSON").toBe(false);
  });

  it("the cron check, run as cron runs it: 1 attention (login ends in 2 days), 4 plugin not running (503), 3 no answer", async () => {
    const script = join(root, "claude-login-check");
    writeFileSync(script, code("cron-check"), { mode: 0o755 });
    // Cron: a bare environment, no OPENCLAW_GATEWAY_TOKEN; the script finds the config under HOME.
    const cronEnv = { PATH: `${shims}:/usr/bin:/bin`, HOME: gw().home };
    const now = await runBlock(`"${script}"`, { env: cronEnv, cwd: "/" });
    expect(now.code, describeResult(now)).toBe(1);

    const unavailable: Server = createServer((_req, res) => res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"code":"UNAVAILABLE"}}'));
    await new Promise<void>((r) => unavailable.listen(0, "127.0.0.1", r));
    const address = unavailable.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const config = JSON.parse(readFileSync(gw().configPath, "utf8")) as { gateway: { port: number } };
    const other = join(root, "openclaw-503.json");
    writeFileSync(other, JSON.stringify({ ...config, gateway: { ...config.gateway, port } }));
    const down = await runBlock(`"${script}"`, { env: { ...cronEnv, OPENCLAW_CONFIG_PATH: other }, cwd: "/" });
    await new Promise<void>((r) => unavailable.close(() => r()));
    expect(down.code, describeResult(down)).toBe(4);
    const gone = await runBlock(`"${script}"`, { env: { ...cronEnv, OPENCLAW_CONFIG_PATH: other }, cwd: "/" });
    expect(gone.code, describeResult(gone)).toBe(3);
    const wrongToken = await runBlock(`"${script}"`, { env: { ...cronEnv, OPENCLAW_GATEWAY_TOKEN: "wrong-TEST" }, cwd: "/" });
    expect(wrongToken.code, "a refused token is not a healthy login").toBe(3);
  });

  it("the developer commands are this package's scripts", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const line of code("developer").split("\n").filter(Boolean)) {
      const cmd = line.replace(/\s+#.*$/, "").trim();
      const name = /^npm (?:run )?(\S+)$/.exec(cmd)?.[1];
      expect(name && scripts[name], `${cmd} is a script in package.json`).toBeTruthy();
    }
  });

  it("no example printed a token", () => {
    expect(leakedTokens(outputs.join("\n"), issuedTokens(tokens()))).toEqual([]);
  });
});
