import { promises as fs } from "node:fs";
import { createInterface } from "node:readline/promises";
import { DEFAULT_ACCOUNT, accountConfig, alertLedgerPath, listAccounts, parseAccountName } from "../accounts/accounts.js";
import type { LockProtocol } from "../login/lock-plan.js";
import { AlertLedger } from "../alerts/alerts.js";
import { resolveConfig, type PluginConfig } from "../core/config.js";
import { PluginError, errorMessage } from "../core/errors.js";
import { callPluginMethod } from "../openclaw/gateway-client.js";
import { METHODS, METHOD_SCOPES } from "./gateway-methods.js";
import type { Logger } from "../core/logger.js";
import { buildAuthorizeUrl, createPkce, parsePastedCode } from "../login/pkce.js";
import { redact } from "../core/redact.js";
import type { RefreshService, RefreshReport, ServiceStatus } from "../service.js";
import { keepsCredentialsOnLogout } from "../login/logout-policy.js";
import { toStatusJson } from "../status/build.js";
import { exitCodeFor } from "../status/health.js";
import { statusFromFiles } from "../status/local.js";
import type { StatusJson } from "../status/types.js";
import { formatAccountBlocks, formatStatusTable } from "./status-view.js";

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

async function stateDirOf(): Promise<string> {
  const { resolveStateDir } = await import("openclaw/plugin-sdk/state-paths");
  return resolveStateDir(process.env);
}

/** One account's settings (`default`: the plugin's own), by a name parseAccountName accepted. */
async function loadConfig(pluginConfig: unknown, name: string): Promise<PluginConfig> {
  const stateDir = await stateDirOf();
  return accountConfig(resolveConfig(pluginConfig, { stateDir, accounts: await listAccounts(stateDir) }), name, stateDir);
}

/** The gateway methods' `account` parameter: absent for `default`, so older gateways understand it. */
function accountParam(name: string): Record<string, unknown> {
  return name === DEFAULT_ACCOUNT ? {} : { account: name };
}

function cliLogger(io: CommandIo): Logger {
  return { info: (m) => io.err(redact(m)), warn: (m) => io.err(redact(`warning: ${m}`)), error: (m) => io.err(redact(`error: ${m}`)) };
}

/**
 * The same service the gateway runs, not started: used when no gateway is reachable. Imported
 * here, not at the top: with a gateway running, commands need none of it (a command's cost is
 * mostly loading code, next to OpenClaw's own floor).
 */
async function localService(config: PluginConfig, io: CommandIo, alertLedger?: AlertLedger): Promise<RefreshService> {
  const [{ RefreshService }, { createOpenClawPublisher, withoutProfile }] = await Promise.all([import("../service.js"), import("../openclaw/publish.js")]);
  const toOpenClaw = createOpenClawPublisher({ profileId: config.profileId });
  return new RefreshService({ config, logger: cliLogger(io), publisher: config.publishProfile ? toOpenClaw : withoutProfile(toOpenClaw), ...(alertLedger ? { alertLedger } : {}) });
}

export async function statusCommand(pluginConfig: unknown, opts: { json?: boolean; checkUsage?: boolean; check?: boolean; account?: string }, io: CommandIo = processIo): Promise<number> {
  // Parsed once, before anything runs: a bad name is refused here.
  const asked = opts.account === undefined ? undefined : parseAccountName(opts.account);
  const config = await loadConfig(pluginConfig, asked ?? DEFAULT_ACCOUNT);
  // A usage check on demand is unlimited only for the owner (operator.admin); read-only callers get one a minute.
  const live = await callPluginMethod<StatusJson>(METHODS.status, { ...accountParam(asked ?? DEFAULT_ACCOUNT), ...(opts.checkUsage ? { checkUsage: true } : {}) }, undefined, opts.checkUsage ? [METHOD_SCOPES[METHODS.refresh]] : [METHOD_SCOPES[METHODS.status]]);
  const now = Date.now();
  const answer = live.reachable ? live.payload : await localStatus(pluginConfig, config, asked, opts, io);
  // All accounts: the top-level health is already the worst, so a monitor notices any. One asked
  // for: its own (`--account default` reaches the gateway as no account, for older gateways).
  const own = asked === undefined ? undefined : answer.accounts?.find((a) => a.name === asked);
  if (opts.check) {
    // One line and OpenClaw's check codes (0 ok, 1 broken, 2 attention), unlike plain status's.
    const { checkOf } = await import("../monitoring/check.js");
    const check = checkOf(own ? { ...own, accounts: [] } : asked === undefined ? answer : { ...answer, accounts: [] });
    io.out(check.line);
    return check.exitCode;
  }
  const view = own ? { ...answer, health: own.health } : answer;
  if (opts.json) io.out(JSON.stringify(view, null, 2));
  else io.out(asked === undefined ? formatAccountBlocks(view, now) : formatStatusTable(view, now));
  return exitCodeFor(view.health);
}

/** No gateway: the same status value, from the files of every account (or the one asked for). */
async function localStatus(pluginConfig: unknown, config: PluginConfig, asked: string | undefined, opts: { checkUsage?: boolean }, io: CommandIo): Promise<StatusJson> {
  const stateDir = await stateDirOf();
  const inspect = async (name: string) => {
    const c = name === (asked ?? DEFAULT_ACCOUNT) ? config : await loadConfig(pluginConfig, name);
    // The gateway's alert ledger, read only: status shows the last alert with no gateway too.
    const ledger = new AlertLedger(alertLedgerPath(stateDir, name));
    return (await localService(c, io, ledger)).inspect({ checkUsage: opts.checkUsage === true && c.usageCheckMinutes > 0 });
  };
  return statusFromFiles({ stateDir, inspect, switchAtPercent: config.switchAtPercent, now: Date.now }, asked);
}

/** Codes whose fix is a human's (a login, a good file), as `status` reports them: exit 2. */
const BROKEN_CODES = new Set(["needs_login", "credentials_missing", "credentials_invalid"]);
const BROKEN_STATES = new Set<string>(["needs-login", "no-credentials", "invalid-credentials"]);

export function reportExit(report: Pick<RefreshReport, "kind" | "status">): number {
  if (report.kind !== "failed") return 0;
  const code = report.status.lastError?.code;
  return BROKEN_STATES.has(report.status.state) || (code !== undefined && BROKEN_CODES.has(code)) ? 2 : 1;
}

export async function refreshCommand(pluginConfig: unknown, opts: { force?: boolean; json?: boolean; account?: string }, io: CommandIo = processIo): Promise<number> {
  const name = parseAccountName(opts.account);
  const config = await loadConfig(pluginConfig, name);
  const live = await callPluginMethod<RefreshReport>(METHODS.refresh, { ...accountParam(name), force: opts.force === true }, undefined, [METHOD_SCOPES[METHODS.refresh]]);
  const report = live.reachable ? live.payload : await (await localService(config, io)).refreshNow({ force: opts.force === true });
  if (opts.json) io.out(JSON.stringify({ kind: report.kind, refreshed: report.refreshed, message: report.message, via: live.reachable ? "gateway" : "local", status: toStatusJson(report.status, Date.now(), { source: live.reachable ? "gateway" : "file" }) }, null, 2));
  else io.out(`${report.message}${live.reachable ? " (done by the running gateway)" : ""}`);
  return reportExit(report);
}

/** After a new login reached the file: the running gateway publishes it, or we do. */
async function publishNewLogin(config: PluginConfig, io: CommandIo, name: string): Promise<ServiceStatus> {
  const live = await callPluginMethod<ServiceStatus>(METHODS.reload, accountParam(name), undefined, [METHOD_SCOPES[METHODS.reload]]);
  if (live.reachable) return live.payload;
  return (await localService(config, io)).reload();
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export async function importCommand(pluginConfig: unknown, source: string | undefined, io: CommandIo = processIo, opts: { account?: string } = {}): Promise<number> {
  const name = parseAccountName(opts.account);
  const config = await loadConfig(pluginConfig, name);
  const fromStdin = source === undefined || source === "-";
  if (fromStdin && io.stdin.isTTY) {
    const { IMPORT_FROM_PC_COMMAND } = await import("../login/credentials.js");
    io.err(`Pipe a Claude Code credentials file in, e.g.: ${IMPORT_FROM_PC_COMMAND}`);
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
  // The file's code (parse, locks, atomic write) only for the command that writes it.
  const [{ parseCredentials }, { defaultStoreDeps, saveDocument }] = await Promise.all([import("../login/credentials.js"), import("../login/credentials-store.js")]);
  let parsed;
  try {
    parsed = parseCredentials(text, label);
  } catch (err) {
    // The file piped in is the problem: its advice ("put a login there") would point back here.
    io.err(redact(err instanceof PluginError && err.problem !== undefined ? err.problem : errorMessage(err)));
    return 2;
  }
  const now = Date.now();
  if (parsed.oauth.refreshTokenExpiresAt !== undefined && parsed.oauth.refreshTokenExpiresAt <= now) {
    io.err(`Refused: this login ended on ${new Date(parsed.oauth.refreshTokenExpiresAt).toISOString()} and cannot be refreshed. Log in again on the PC (claude /login) and import the new file.`);
    return 2;
  }
  await saveDocument(defaultStoreDeps(config), parsed.document, parsed.indent);
  const status = await publishNewLogin(config, io, name);
  const minutes = Math.floor((parsed.oauth.expiresAt - now) / 60_000);
  io.out(
    `Imported the login into ${config.credentialsPath} (mode 600)` +
      (parsed.oauth.expiresAt > now ? `; access token valid for ${minutes} minutes.` : "; its access token has expired and is being refreshed.") +
      `\nState: ${status.state}.` +
      `\nNow log in on the PC again (claude /login), so the PC and this server hold separate logins and do not spend each other's refresh tokens.`,
  );
  return status.state === "needs-login" || status.state === "invalid-credentials" ? 2 : 0;
}

export async function loginCommand(pluginConfig: unknown, io: CommandIo = processIo, opts: { account?: string } = {}): Promise<number> {
  const name = parseAccountName(opts.account);
  const config = await loadConfig(pluginConfig, name);
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
  const { completeLogin, loginFailureMessage } = await import("../login/login-exchange.js");
  try {
    const code = parsePastedCode(pasted, pkce.state);
    const { tokens, published: status } = await completeLogin(config, code, pkce, () => publishNewLogin(config, io, name));
    io.out(`Logged in${tokens.accountEmail ? ` as ${tokens.accountEmail}` : ""}. Saved to ${config.credentialsPath} (mode 600); OpenClaw profile ${config.profileId} is in use. State: ${status.state}.`);
    return 0;
  } catch (err) {
    io.err(`Login failed: ${loginFailureMessage(err)}`);
    return 2;
  }
}

export async function logoutCommand(pluginConfig: unknown, opts: { keepCredentials?: boolean; deleteCredentials?: boolean; account?: string }, io: CommandIo = processIo): Promise<number> {
  const name = parseAccountName(opts.account);
  const config = await loadConfig(pluginConfig, name);
  if (opts.keepCredentials && opts.deleteCredentials) {
    io.err("Choose one: --keep-credentials or --delete-credentials.");
    return 2;
  }
  const options = { keepCredentials: opts.keepCredentials === true, deleteCredentials: opts.deleteCredentials === true };
  const live = await callPluginMethod<ServiceStatus>(METHODS.logout, { ...accountParam(name), ...options }, undefined, [METHOD_SCOPES[METHODS.logout]]);
  const status = live.reachable ? live.payload : await (await localService(config, io)).logout(options);
  const { lockPlanFor, realPathOf } = await import("../login/lock-plan.js");
  const protocol = status.lockProtocol ?? lockPlanFor(realPathOf(config.credentialsPath)).protocol;
  const kept = keepsCredentialsOnLogout(protocol, options);
  io.out(logoutMessage(config, protocol, options, kept));
  return 0;
}

/** Pure: what logout did to the file, and what that means. */
export function logoutMessage(config: Pick<PluginConfig, "profileId" | "credentialsPath">, protocol: LockProtocol, options: { keepCredentials?: boolean; deleteCredentials?: boolean }, kept: boolean): string {
  const head = `Removed OpenClaw profile ${config.profileId}`;
  if (!kept) return `${head} and deleted ${config.credentialsPath}${protocol === "claude-code" ? " (Claude Code's login file: Claude Code on this machine is logged out too)" : ""}.`;
  const again = `While the plugin is enabled with this file it uses it again when the file changes: disable it with "openclaw plugins disable claude-oauth-refresh" or move the file away.`;
  if (protocol === "claude-code" && !options.keepCredentials) {
    return `${head}; kept ${config.credentialsPath}: it is Claude Code's own login, and Claude Code stays logged in. To delete it too: openclaw claude-oauth logout --delete-credentials. ${again}`;
  }
  return `${head}; kept ${config.credentialsPath}. ${again}`;
}
