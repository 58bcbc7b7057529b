import { promises as fs, constants as fsConstants } from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { PluginError, errorMessage } from "../core/errors.js";
import { rememberSecret } from "../core/redact.js";

/** The part of Claude Code's credentials file this plugin reads and writes. */
export interface ClaudeOAuth {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The login's hard end (ms), when the file knows it. Refreshing does not move it. */
  refreshTokenExpiresAt?: number;
  scopes?: string[];
  subscriptionType?: string;
  /** Not in Claude Code's format; kept by us when the token endpoint tells us. */
  accountEmail?: string;
}

/** A parsed file: the typed OAuth part plus the whole document, so unknown keys survive a write. */
export interface CredentialsDocument {
  oauth: ClaudeOAuth;
  document: Record<string, unknown>;
  /** The file's indentation ("" when compact), so a rewrite keeps the owner's formatting. */
  indent: string;
}

/** What a refresh or a login produces, to be merged into the document. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  refreshTokenExpiresAt?: number;
  scopes?: string[];
  accountEmail?: string;
  subscriptionType?: string;
}

/** Real files are about 500 bytes; anything this large is not a credentials file. */
export const MAX_CREDENTIALS_BYTES = 256 * 1024;
/** Before 2001-09-09 in ms, yet plausible in seconds: someone wrote seconds. */
const MS_THRESHOLD = 1e12;

/**
 * The import-from-a-PC command every hint shows. The remote command is quoted so `~` expands on
 * the PC (where Claude Code's file is), not on this server.
 */
export const IMPORT_FROM_PC_COMMAND = "ssh pc 'cat ~/.claude/.credentials.json' | openclaw claude-oauth import -";

export function howToProvideCredentials(filePath: string): string {
  return (
    `Put a Claude login there: run "openclaw claude-oauth login" on this server, or pipe Claude Code's file ` +
    `from a PC that is logged in: ${IMPORT_FROM_PC_COMMAND} ` +
    `(or scp ~/.claude/.credentials.json to ${filePath}), then log in on the PC again so the two machines hold separate logins.`
  );
}

export function howToLogInAgain(filePath: string): string {
  return (
    `The Claude login in ${filePath} is no longer valid and cannot be refreshed. Log in again: ` +
    `run "openclaw claude-oauth login" on this server, or on a PC run "claude /login", then ` +
    `"${IMPORT_FROM_PC_COMMAND}", then "claude /login" on the PC once more.`
  );
}

function invalid(filePath: string, problem: string): PluginError {
  const what = `Credentials file ${filePath} is not a usable Claude Code credentials file: ${problem}. The file was left as it is.`;
  return new PluginError("credentials_invalid", `${what} ${howToProvideCredentials(filePath)}`, { problem: what });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optionalTimestamp(filePath: string, field: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw invalid(filePath, `claudeAiOauth.${field} must be a positive number of milliseconds`);
  if (v < MS_THRESHOLD) throw invalid(filePath, `claudeAiOauth.${field} looks like seconds, not milliseconds (${v}); multiply it by 1000`);
  return v;
}

/** Pure: text of a credentials file to a validated document. Never echoes token values. */
export function parseCredentials(text: string, filePath: string): CredentialsDocument {
  if (text.trim() === "") throw invalid(filePath, "the file is empty");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(filePath, "it is not valid JSON");
  }
  if (!isRecord(parsed)) throw invalid(filePath, "the top level is not a JSON object");
  const o = parsed.claudeAiOauth;
  if (o === undefined) throw invalid(filePath, 'it has no "claudeAiOauth" object (is this Claude Code\'s ~/.claude/.credentials.json?)');
  if (!isRecord(o)) throw invalid(filePath, '"claudeAiOauth" is not an object');

  // Claude Code blanks the tokens after the server rejected the refresh token: that is a
  // logged-out file, not a corrupt one, and the fix is a new login.
  if (o.accessToken === "" && o.refreshToken === "") {
    throw new PluginError("needs_login", howToLogInAgain(filePath));
  }
  if (typeof o.accessToken !== "string" || o.accessToken.trim() === "") throw invalid(filePath, "claudeAiOauth.accessToken is missing or not a string");
  if (typeof o.refreshToken !== "string" || o.refreshToken.trim() === "") throw invalid(filePath, "claudeAiOauth.refreshToken is missing or not a string");
  if (o.expiresAt === undefined) throw invalid(filePath, "claudeAiOauth.expiresAt is missing");
  const expiresAt = optionalTimestamp(filePath, "expiresAt", o.expiresAt);
  if (expiresAt === undefined) throw invalid(filePath, "claudeAiOauth.expiresAt is missing");
  const refreshTokenExpiresAt = optionalTimestamp(filePath, "refreshTokenExpiresAt", o.refreshTokenExpiresAt);

  let scopes: string[] | undefined;
  if (o.scopes !== undefined) {
    if (!Array.isArray(o.scopes) || !o.scopes.every((s): s is string => typeof s === "string")) throw invalid(filePath, "claudeAiOauth.scopes must be a list of strings");
    scopes = o.scopes;
  }
  const oauth: ClaudeOAuth = {
    accessToken: o.accessToken.trim(),
    refreshToken: o.refreshToken.trim(),
    expiresAt,
    ...(refreshTokenExpiresAt !== undefined ? { refreshTokenExpiresAt } : {}),
    ...(scopes ? { scopes } : {}),
    ...(typeof o.subscriptionType === "string" ? { subscriptionType: o.subscriptionType } : {}),
    ...(typeof o.accountEmail === "string" ? { accountEmail: o.accountEmail } : {}),
  };
  rememberSecret(oauth.accessToken);
  rememberSecret(oauth.refreshToken);
  const indent = /^\{[ \t]*\r?\n([ \t]+)"/.exec(text)?.[1] ?? "";
  return { oauth, document: parsed, indent };
}

/**
 * Pure: the document with new tokens merged in. Every other key, at the top level and inside
 * `claudeAiOauth`, is kept: Claude Code and other tools store their own data in this file.
 */
export function withTokens(document: Record<string, unknown>, tokens: TokenSet): Record<string, unknown> {
  const previous = isRecord(document.claudeAiOauth) ? document.claudeAiOauth : {};
  const next: Record<string, unknown> = {
    ...previous,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
  };
  if (tokens.refreshTokenExpiresAt !== undefined) next.refreshTokenExpiresAt = tokens.refreshTokenExpiresAt;
  if (tokens.scopes !== undefined) next.scopes = tokens.scopes;
  if (tokens.subscriptionType !== undefined) next.subscriptionType = tokens.subscriptionType;
  if (tokens.accountEmail !== undefined) next.accountEmail = tokens.accountEmail;
  return { ...document, claudeAiOauth: next };
}

export const DEFAULT_INDENT = "  ";

export function serializeCredentials(document: Record<string, unknown>, indent: string): string {
  return indent === "" ? JSON.stringify(document) : `${JSON.stringify(document, null, indent)}\n`;
}

export interface CredentialsFileRead extends CredentialsDocument {
  /** Permission bits of the file (e.g. 0o600). */
  mode: number;
}

function ioError(filePath: string, err: unknown): PluginError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    return new PluginError("credentials_missing", `Credentials file not found: ${filePath}. ${howToProvideCredentials(filePath)}`);
  }
  if (code === "EACCES" || code === "EPERM") {
    return new PluginError("credentials_invalid", `Credentials file ${filePath} cannot be read (permission denied). Make it readable by the user that runs OpenClaw: chown $(whoami) ${filePath} && chmod 600 ${filePath}`);
  }
  return new PluginError("credentials_invalid", `Credentials file ${filePath} cannot be read: ${errorMessage(err)}`);
}

/**
 * Reads and validates the file. Symlinks are followed (a link to ~/.claude/.credentials.json is a
 * supported setup), and writes go to the link's target for the same reason.
 */
export async function readCredentialsFile(filePath: string): Promise<CredentialsFileRead> {
  let stat;
  try {
    stat = await fs.stat(filePath);
  } catch (err) {
    throw ioError(filePath, err);
  }
  if (stat.isDirectory()) throw invalid(filePath, "it is a directory, not a file");
  if (!stat.isFile()) throw invalid(filePath, "it is not a regular file");
  if (stat.size > MAX_CREDENTIALS_BYTES) throw invalid(filePath, `it is ${stat.size} bytes, far larger than a credentials file (limit ${MAX_CREDENTIALS_BYTES})`);
  let text: string;
  try {
    text = await fs.readFile(filePath, "utf8");
  } catch (err) {
    throw ioError(filePath, err);
  }
  return { ...parseCredentials(text, filePath), mode: stat.mode & 0o777 };
}

/**
 * Atomic replace: temp file beside the target, fsync, rename, then fsync the directory so the
 * rename itself survives a power cut. Mode is always 0600: the file holds a refresh token.
 */
export async function writeCredentialsFile(filePath: string, document: Record<string, unknown>, indent: string = DEFAULT_INDENT): Promise<void> {
  const text = serializeCredentials(document, indent);
  try {
    await fs.mkdir(path.dirname(filePath), { recursive: true, mode: 0o700 });
    await writeFileAtomic(filePath, text, { mode: 0o600, fsync: true });
    const target = await fs.realpath(filePath);
    await fsyncDirectory(path.dirname(target));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unknown";
    const hint =
      code === "ENOSPC" ? "the disk is full: free some space" :
      code === "EROFS" ? "the file system is read-only" :
      code === "EACCES" || code === "EPERM" ? `permission denied: make ${path.dirname(filePath)} writable by the user that runs OpenClaw` :
      "check the disk and the directory's permissions";
    throw new PluginError("persist_failed", `Could not save the credentials file ${filePath} (${code}): ${hint}.`, { cause: err });
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A file others can read leaks the login; we tighten it and say so. Returns true if it changed. */
export async function tightenMode(filePath: string, mode: number): Promise<boolean> {
  if ((mode & 0o077) === 0) return false;
  await fs.chmod(filePath, 0o600);
  return true;
}
