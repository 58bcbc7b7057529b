import { promises as fs } from "node:fs";
import { createInterface } from "node:readline/promises";
import { resolveConfig, type PluginConfig } from "./config.js";
import { DEFAULT_INDENT, parseCredentials, readCredentialsFile, withTokens } from "./credentials.js";
import { PluginError, errorMessage } from "./errors.js";
import { callPluginMethod } from "./gateway-client.js";
import { METHODS } from "./gateway-methods.js";
import type { Logger } from "./logger.js";
import { buildAuthorizeUrl, buildCodeExchangeRequest, createPkce, parsePastedCode } from "./pkce.js";
import { createOpenClawPublisher } from "./publish.js";
import { redact } from "./redact.js";
import { defaultRefreshDeps, persist, withRefreshLocks } from "./refresh.js";
import { RefreshService, type RefreshReport, type ServiceStatus } from "./service.js";
import { exitCodeFor, fileMode, formatStatusTable, toStatusJson, type StatusJson } from "./status-view.js";
import { parseTokenAnswer, postToken } from "./token-endpoint.js";

/**
 * `openclaw claude-oauth ...`: each command asks the running gateway first (so the gateway
 * publishes in its own process, where agents see it at once), and does the same work itself
 * through the same service code when no gateway is reachable. Exit codes: 0 healthy,
 * 1 needs attention soon, 2 broken or needs login.
 */

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export const processIo: CommandIo = {
  // With --json OpenClaw moves console.log to stderr; stdout must carry only our JSON.
  out: (t) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => void process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  stdin: process.stdin,
};

async function loadConfig(pluginConfig: unknown): Promise<PluginConfig> {
  const { resolveStateDir } = await import("openclaw/plugin-sdk/state-paths");
  return resolveConfig(pluginConfig, { stateDir: resolveStateDir(process.env) });
}

function cliLogger(io: CommandIo): Logger {
  return { info: (m) => io.err(redact(m)), warn: (m) => io.err(redact(`warning: ${m}`)), error: (m) => io.err(redact(`error: ${m}`)) };
}

/** The same service the gateway runs, not started: used when no gateway is reachable. */
function localService(config: PluginConfig, io: CommandIo): RefreshService {
  return new RefreshService({ config, logger: cliLogger(io), publisher: createOpenClawPublisher({ profileId: config.profileId }) });
}

export async function statusCommand(pluginConfig: unknown, opts: { json?: boolean }, io: CommandIo = processIo): Promise<number> {
  const config = await loadConfig(pluginConfig);
  const now = Date.now();
  const live = await callPluginMethod<StatusJson>(METHODS.status);
  let view: StatusJson;
  if (live.reachable) view = live.payload;
  else {
    const mode = await fileMode(config.credentialsPath);
    view = toStatusJson(await localService(config, io).inspect(), now, { source: "file", ...(mode === undefined ? {} : { mode }) });
  }
  io.out(opts.json ? JSON.stringify(view, null, 2) : formatStatusTable(view, now));
  return exitCodeFor(view.health);
}

/** Codes whose fix is a human's (a login, a good file), as `status` reports them: exit 2. */
const BROKEN_CODES = new Set(["needs_login", "credentials_missing", "credentials_invalid"]);
const BROKEN_STATES = new Set<string>(["needs-login", "no-credentials", "invalid-credentials"]);

export function reportExit(report: Pick<RefreshReport, "kind" | "status">): number {
  if (report.kind !== "failed") return 0;
  const code = report.status.lastError?.code;
  return BROKEN_STATES.has(report.status.state) || (code !== undefined && BROKEN_CODES.has(code)) ? 2 : 1;
}

export async function refreshCommand(pluginConfig: unknown, opts: { force?: boolean; json?: boolean }, io: CommandIo = processIo): Promise<number> {
  const config = await loadConfig(pluginConfig);
  const live = await callPluginMethod<RefreshReport>(METHODS.refresh, { force: opts.force === true });
  const report = live.reachable ? live.payload : await localService(config, io).refreshNow({ force: opts.force === true });
  if (opts.json) io.out(JSON.stringify({ kind: report.kind, refreshed: report.refreshed, message: report.message, via: live.reachable ? "gateway" : "local", status: toStatusJson(report.status, Date.now(), { source: live.reachable ? "gateway" : "file" }) }, null, 2));
  else io.out(`${report.message}${live.reachable ? " (done by the running gateway)" : ""}`);
  return reportExit(report);
}

/** After a new login reached the file: the running gateway publishes it, or we do. */
async function publishNewLogin(config: PluginConfig, io: CommandIo): Promise<ServiceStatus> {
  const live = await callPluginMethod<ServiceStatus>(METHODS.reload);
  if (live.reachable) return live.payload;
  return localService(config, io).reload();
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export async function importCommand(pluginConfig: unknown, source: string | undefined, io: CommandIo = processIo): Promise<number> {
  const config = await loadConfig(pluginConfig);
  const fromStdin = source === undefined || source === "-";
  if (fromStdin && io.stdin.isTTY) {
    io.err("Pipe a Claude Code credentials file in, e.g.: ssh pc cat ~/.claude/.credentials.json | openclaw claude-oauth import -");
    return 2;
  }
  const label = fromStdin ? "standard input" : source;
  let text: string;
  try {
    text = fromStdin ? await readAll(io.stdin) : await fs.readFile(source, "utf8");
  } catch (err) {
    io.err(`Cannot read ${label}: ${errorMessage(err)}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseCredentials(text, label);
  } catch (err) {
    io.err(redact(errorMessage(err)).replace(/ Put a Claude login there:.*$/, ""));
    return 2;
  }
  const now = Date.now();
  if (parsed.oauth.refreshTokenExpiresAt !== undefined && parsed.oauth.refreshTokenExpiresAt <= now) {
    io.err(`Refused: this login ended on ${new Date(parsed.oauth.refreshTokenExpiresAt).toISOString()} and cannot be refreshed. Log in again on the PC (claude /login) and import the new file.`);
    return 2;
  }
  const deps = defaultRefreshDeps(config);
  await withRefreshLocks(deps, () => persist(deps, parsed.document, parsed.indent));
  const status = await publishNewLogin(config, io);
  const minutes = Math.floor((parsed.oauth.expiresAt - now) / 60_000);
  io.out(
    `Imported the login into ${config.credentialsPath} (mode 600)` +
      (parsed.oauth.expiresAt > now ? `; access token valid for ${minutes} minutes.` : "; its access token has expired and is being refreshed.") +
      `\nState: ${status.state}.` +
      `\nNow log in on the PC again (claude /login), so the PC and this server hold separate logins and do not spend each other's refresh tokens.`,
  );
  return status.state === "needs-login" || status.state === "invalid-credentials" ? 2 : 0;
}

export async function loginCommand(pluginConfig: unknown, io: CommandIo = processIo): Promise<number> {
  const config = await loadConfig(pluginConfig);
  const pkce = createPkce();
  io.err(
    `Open this URL in any browser, log in with your Claude account and approve:\n\n${buildAuthorizeUrl(config.authorizeUrl, config.clientId, pkce)}\n\n` +
      `Then paste the code the page shows (it looks like code#state) and press Enter.`,
  );
  const rl = createInterface({ input: io.stdin, terminal: false });
  const pasted = await new Promise<string>((resolve) => {
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered) resolve("");
    });
  });
  rl.close();
  try {
    const code = parsePastedCode(pasted, pkce.state);
    const answer = await postToken(buildCodeExchangeRequest(config.tokenUrl, config.clientId, code, pkce));
    const tokens = parseTokenAnswer(answer, Date.now());
    const deps = defaultRefreshDeps(config);
    await withRefreshLocks(deps, async () => {
      // Keep whatever else the file holds (another tool's keys); the login itself is replaced.
      const existing = await readCredentialsFile(config.credentialsPath).then((r) => r.document).catch(() => ({}));
      await persist(deps, withTokens(existing, tokens), DEFAULT_INDENT);
    });
    const status = await publishNewLogin(config, io);
    io.out(`Logged in${tokens.accountEmail ? ` as ${tokens.accountEmail}` : ""}. Saved to ${config.credentialsPath} (mode 600); OpenClaw profile ${config.profileId} is in use. State: ${status.state}.`);
    return 0;
  } catch (err) {
    const message = err instanceof PluginError && err.code === "needs_login" ? `the code was refused (${err.message}) Codes work once and expire quickly: run the login command again.` : errorMessage(err);
    io.err(`Login failed: ${redact(message)}`);
    return 2;
  }
}

export async function logoutCommand(pluginConfig: unknown, opts: { keepCredentials?: boolean }, io: CommandIo = processIo): Promise<number> {
  const config = await loadConfig(pluginConfig);
  const live = await callPluginMethod<ServiceStatus>(METHODS.logout, { keepCredentials: opts.keepCredentials === true });
  if (!live.reachable) await localService(config, io).logout(opts);
  io.out(
    `Removed OpenClaw profile ${config.profileId}` +
      (opts.keepCredentials
        ? `; kept ${config.credentialsPath}. While the plugin is enabled it will use that file again at its next check: disable it with "openclaw plugins disable claude-oauth-refresh" or move the file away.`
        : ` and deleted ${config.credentialsPath}.`),
  );
  return 0;
}
