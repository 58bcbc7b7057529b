import { promises as fs } from "node:fs";
import { createInterface } from "node:readline/promises";
import { DEFAULT_ACCOUNT, accountConfig, alertLedgerPath, listAccounts, parseAccountName } from "../accounts/accounts.js";
import { AlertLedger } from "../alerts/alerts.js";
import { resolveConfig, type PluginConfig } from "../core/config.js";
import { IMPORT_FROM_PC_COMMAND, parseCredentials } from "../login/credentials.js";
import { PluginError, errorMessage } from "../core/errors.js";
import { callPluginMethod } from "../openclaw/gateway-client.js";
import { METHODS } from "./gateway-methods.js";
import type { Logger } from "../core/logger.js";
import { completeLogin, loginFailureMessage } from "../login/login-exchange.js";
import { buildAuthorizeUrl, createPkce, parsePastedCode } from "../login/pkce.js";
import { createOpenClawPublisher } from "../openclaw/publish.js";
import { redact } from "../core/redact.js";
import { defaultRefreshDeps, persist, withRefreshLocks } from "../login/refresh.js";
import { RefreshService, type RefreshReport, type ServiceStatus } from "../service.js";
import { exitCodeFor, fileMode, formatAccountBlocks, formatStatusTable, toStatusJson, type StatusJson } from "./status-view.js";
import { parseTokenAnswer, postToken } from "../login/token-endpoint.js";

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

/** One account's settings (`default`: the plugin's own); a bad name is refused before anything runs. */
async function loadConfig(pluginConfig: unknown, account?: string): Promise<PluginConfig> {
  const stateDir = await stateDirOf();
  return accountConfig(resolveConfig(pluginConfig, { stateDir }), parseAccountName(account), stateDir);
}

/** The gateway methods' `account` parameter: absent for `default`, so older gateways understand it. */
function accountParam(account: string | undefined): Record<string, unknown> {
  const name = parseAccountName(account);
  return name === DEFAULT_ACCOUNT ? {} : { account: name };
}

function cliLogger(io: CommandIo): Logger {
  return { info: (m) => io.err(redact(m)), warn: (m) => io.err(redact(`warning: ${m}`)), error: (m) => io.err(redact(`error: ${m}`)) };
}

/** The same service the gateway runs, not started: used when no gateway is reachable. */
function localService(config: PluginConfig, io: CommandIo, alertLedger?: AlertLedger): RefreshService {
  return new RefreshService({ config, logger: cliLogger(io), publisher: createOpenClawPublisher({ profileId: config.profileId }), ...(alertLedger ? { alertLedger } : {}) });
}

export async function statusCommand(pluginConfig: unknown, opts: { json?: boolean; checkUsage?: boolean; account?: string }, io: CommandIo = processIo): Promise<number> {
  const config = await loadConfig(pluginConfig, opts.account);
  const live = await callPluginMethod<StatusJson>(METHODS.status, { ...accountParam(opts.account), ...(opts.checkUsage ? { checkUsage: true } : {}) });
  const now = Date.now();
  const view = live.reachable ? live.payload : await localStatus(pluginConfig, config, opts, io, now);
  if (opts.json) io.out(JSON.stringify(view, null, 2));
  else io.out(opts.account === undefined ? formatAccountBlocks(view, now) : formatStatusTable(view, now));
  // One account asked for: its health. All of them: the worst, so a monitor notices any.
  const healths = opts.account === undefined && view.accounts?.length ? view.accounts.map((a) => a.health) : [view.health];
  return Math.max(...healths.map(exitCodeFor));
}

/** No gateway: read the files of every account (or the one asked for) the way the gateway would. */
async function localStatus(pluginConfig: unknown, config: PluginConfig, opts: { checkUsage?: boolean; account?: string }, io: CommandIo, now: number): Promise<StatusJson> {
  const stateDir = await stateDirOf();
  const one = async (c: PluginConfig, name: string): Promise<StatusJson> => {
    const mode = await fileMode(c.credentialsPath);
    // The gateway's alert ledger, read only: status shows the last alert with no gateway too.
    const ledger = new AlertLedger(alertLedgerPath(stateDir, name));
    return toStatusJson(await localService(c, io, ledger).inspect({ checkUsage: opts.checkUsage === true && c.usageCheckMinutes > 0 }), now, { source: "file", ...(mode === undefined ? {} : { mode }) });
  };
  const view = await one(config, parseAccountName(opts.account));
  if (opts.account !== undefined) return view;
  const names = await listAccounts(stateDir);
  const accounts = [];
  for (const [i, name] of names.entries()) accounts.push({ name, place: i + 1, ...(name === DEFAULT_ACCOUNT ? view : await one(await loadConfig(pluginConfig, name), name)) });
  return { ...view, accounts };
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
  const config = await loadConfig(pluginConfig, opts.account);
  const live = await callPluginMethod<RefreshReport>(METHODS.refresh, { ...accountParam(opts.account), force: opts.force === true });
  const report = live.reachable ? live.payload : await localService(config, io).refreshNow({ force: opts.force === true });
  if (opts.json) io.out(JSON.stringify({ kind: report.kind, refreshed: report.refreshed, message: report.message, via: live.reachable ? "gateway" : "local", status: toStatusJson(report.status, Date.now(), { source: live.reachable ? "gateway" : "file" }) }, null, 2));
  else io.out(`${report.message}${live.reachable ? " (done by the running gateway)" : ""}`);
  return reportExit(report);
}

/** After a new login reached the file: the running gateway publishes it, or we do. */
async function publishNewLogin(config: PluginConfig, io: CommandIo, account: string | undefined): Promise<ServiceStatus> {
  const live = await callPluginMethod<ServiceStatus>(METHODS.reload, accountParam(account));
  if (live.reachable) return live.payload;
  return localService(config, io).reload();
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export async function importCommand(pluginConfig: unknown, source: string | undefined, io: CommandIo = processIo, opts: { account?: string } = {}): Promise<number> {
  const config = await loadConfig(pluginConfig, opts.account);
  const fromStdin = source === undefined || source === "-";
  if (fromStdin && io.stdin.isTTY) {
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
  const status = await publishNewLogin(config, io, opts.account);
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
  const config = await loadConfig(pluginConfig, opts.account);
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
    const { tokens, published: status } = await completeLogin(config, code, pkce, () => publishNewLogin(config, io, opts.account));
    io.out(`Logged in${tokens.accountEmail ? ` as ${tokens.accountEmail}` : ""}. Saved to ${config.credentialsPath} (mode 600); OpenClaw profile ${config.profileId} is in use. State: ${status.state}.`);
    return 0;
  } catch (err) {
    io.err(`Login failed: ${loginFailureMessage(err)}`);
    return 2;
  }
}

export async function logoutCommand(pluginConfig: unknown, opts: { keepCredentials?: boolean; account?: string }, io: CommandIo = processIo): Promise<number> {
  const config = await loadConfig(pluginConfig, opts.account);
  const live = await callPluginMethod<ServiceStatus>(METHODS.logout, { ...accountParam(opts.account), keepCredentials: opts.keepCredentials === true });
  if (!live.reachable) await localService(config, io).logout(opts);
  io.out(
    `Removed OpenClaw profile ${config.profileId}` +
      (opts.keepCredentials
        ? `; kept ${config.credentialsPath}. While the plugin is enabled it will use that file again at its next check: disable it with "openclaw plugins disable claude-oauth-refresh" or move the file away.`
        : ` and deleted ${config.credentialsPath}.`),
  );
  return 0;
}
