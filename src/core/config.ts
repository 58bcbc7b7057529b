import os from "node:os";
import path from "node:path";
import { PluginError } from "./errors.js";

/**
 * The plugin's resolved configuration. `openclaw.plugin.json` holds the same keys and defaults
 * as a JSON Schema (OpenClaw enforces it on `config set`); `config.test.ts` keeps the two equal.
 * We validate again here because a hand-edited config file or an older OpenClaw may skip the
 * schema, and a bad value must produce a clear message, not a silent misbehaviour.
 */
export interface PluginConfig {
  credentialsPath: string;
  refreshIntervalMinutes: number;
  refreshBeforeExpiryMinutes: number;
  profileId: string;
  tokenUrl: string;
  clientId: string;
  authorizeUrl: string;
  /** Run with each alert as JSON on stdin; none when unset. */
  alertCommand?: string;
  /** Names of gateway environment variables passed on to alertCommand, besides the minimal set. */
  alertCommandEnv?: string[];
  /** How often to read the subscription's usage windows; 0 turns it off. */
  usageCheckMinutes: number;
  usageUrl: string;
  /** With several accounts: the usage percent at which agents move to another account. */
  switchAtPercent: number;
  /** `channel:id` chats that get every alert; unset: the owners in `commands.ownerAllowFrom`. */
  alertTargets?: string[];
  /** Percent marks of any usage window that tell the owner once per window period; [] = off. */
  usageAlertPercents: number[];
  /** "HH:MM" local time of the daily usage summary; unset = no summary. */
  usageDigestAt?: string;
  /** User-Agent of every request to Anthropic (token refresh, login code exchange, usage). */
  userAgent: string;
  /**
   * Publish the access token as an OpenClaw auth profile (what agents use). Off: native-login mode,
   * for agents on the Claude CLI runtime with Claude Code's own login; the plugin then only keeps
   * and watches the login (usage, warnings, /claude, dashboard) and writes nothing into OpenClaw.
   */
  publishProfile: boolean;
  /**
   * Several accounts on the Claude CLI runtime: an account giving way lends its OpenClaw profile the
   * next account's token, so sessions OpenClaw keeps pinned to it move at their next turn.
   */
  moveClaudeCliSessions: boolean;
}

export const PLUGIN_ID = "claude-oauth-refresh";
export const CREDENTIALS_FILE_NAME = "claude-credentials.json";

export const DEFAULTS = {
  refreshIntervalMinutes: 30,
  // The seed refreshed with 10 minutes left, checked every 30: the token could lapse for up to
  // ~20 minutes a cycle. We schedule the refresh itself and leave an hour of slack, so a
  // failing endpoint gets many retries before the agent notices anything.
  refreshBeforeExpiryMinutes: 60,
  profileId: "anthropic:subscription",
  tokenUrl: "https://platform.claude.com/v1/oauth/token",
  clientId: "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
  authorizeUrl: "https://claude.ai/oauth/authorize",
  // Usage monitors poll every few minutes at most; the windows move slowly and the endpoint
  // rate-limits eager clients.
  usageCheckMinutes: 10,
  usageUrl: "https://api.anthropic.com/api/oauth/usage",
  // Leaves a little room for the turn in flight: a window at 100 % answers every request with 429.
  switchAtPercent: 95,
  // A word before the account moves on (95, the default switchAtPercent) and one while there is still room.
  usageAlertPercents: [80, 95] as number[],
  // Anthropic's edge has refused some client identities and not others; a user can follow a
  // change with this key without waiting for a release (docs/token-endpoint.md).
  userAgent: "claude-oauth-refresh (OpenClaw plugin)",
  publishProfile: true,
  // On: existing Claude CLI sessions move with their profile (docs/claude-cli-runtime.md); the
  // embedded runtime needs only the block, and lending changes nothing it sees (accounts e2e suite).
  moveClaudeCliSessions: true,
} as const;

const KEYS = new Set([
  "credentialsPath",
  "refreshIntervalMinutes",
  "refreshBeforeExpiryMinutes",
  "profileId",
  "tokenUrl",
  "clientId",
  "authorizeUrl",
  "alertCommand",
  "alertCommandEnv",
  "usageCheckMinutes",
  "usageUrl",
  "switchAtPercent",
  "alertTargets",
  "usageAlertPercents",
  "usageDigestAt",
  "userAgent",
  "publishProfile",
  "moveClaudeCliSessions",
]);

/** OpenClaw manages this one from Claude Code's own files; writing it would fight OpenClaw. */
const RESERVED_PROFILE_IDS = new Set(["anthropic:claude-cli"]);

export interface ConfigEnvironment {
  /** OpenClaw's state dir (`~/.openclaw`, or `$OPENCLAW_STATE_DIR`). */
  stateDir: string;
  homeDir?: string;
  /** The accounts that exist (accounts.ts `listAccounts`): `profileId` must not be one of theirs. */
  accounts?: readonly string[];
}

/** The OpenClaw profile of an added account NAME (the `default` account's is `profileId`). */
export function accountProfileId(name: string): string {
  return `${DEFAULTS.profileId}-${name}`;
}

/** Pure: the account other than `default` whose profile `profileId` is, if any. */
export function accountOwningProfile(profileId: string, accounts: readonly string[]): string | undefined {
  return accounts.find((name) => name !== "default" && accountProfileId(name) === profileId);
}

const CONFIG_PATH = `plugins.entries.${PLUGIN_ID}.config`;

function fail(key: string, problem: string, fix = `openclaw config set ${CONFIG_PATH}.${key} <value> (or "openclaw config unset ${CONFIG_PATH}.${key}" for the default)`): never {
  throw new PluginError("config_invalid", `Invalid config ${CONFIG_PATH}.${key}: ${problem}. Fix it with: ${fix}.`);
}

function failRoot(problem: string): never {
  throw new PluginError("config_invalid", `Invalid config ${CONFIG_PATH}: ${problem}. Fix it with: openclaw config unset ${CONFIG_PATH} (back to the defaults), then set keys one by one.`);
}

export function expandHome(p: string, homeDir: string = os.homedir()): string {
  if (p === "~") return homeDir;
  if (p.startsWith("~/")) return path.join(homeDir, p.slice(2));
  return p;
}

function integerIn(key: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  // `openclaw config set` may hand us "15" when the schema did not coerce it.
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    fail(key, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function booleanOr(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  // `openclaw config set` may hand us "false" when the schema did not coerce it.
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  fail(key, `expected true or false, got ${JSON.stringify(value)}`);
}

function nonEmptyString(key: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value.trim() === "") fail(key, "expected a non-empty string");
  return value.trim();
}

/** https anywhere; plain http only to this machine (tests, a local forwarding proxy). */
export function checkEndpointUrl(key: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(key, `not a URL: ${JSON.stringify(value)}`);
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
  if (url.protocol === "https:") return url.toString();
  if (url.protocol === "http:" && loopback) return url.toString();
  fail(key, `must be an https:// URL (plain http is allowed only for 127.0.0.1/localhost), got ${JSON.stringify(value)}`);
}

/** The same rule as the manifest's pattern: a channel id, ":", then a non-empty chat/user id. */
export const ALERT_TARGET_PATTERN = /^[a-z0-9][a-z0-9_-]*:[^\s*]+$/;

/** An environment variable's name, as a shell accepts it. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function envNameList(key: string, value: unknown): string[] {
  const fix = `openclaw config set ${CONFIG_PATH}.${key} '["NTFY_TOKEN"]'`;
  if (!Array.isArray(value)) fail(key, `expected a list of environment variable names, got ${JSON.stringify(value)}`, fix);
  return value.map((entry) => {
    if (typeof entry !== "string" || !ENV_NAME_PATTERN.test(entry)) fail(key, `each entry must be an environment variable name like "NTFY_TOKEN", got ${JSON.stringify(entry)}`, fix);
    return entry;
  });
}

function targetList(key: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(key, `expected a list of "channel:id" strings, got ${JSON.stringify(value)}`, `openclaw config set ${CONFIG_PATH}.${key} '["telegram:123456789"]'`);
  return value.map((entry) => {
    if (typeof entry !== "string" || !ALERT_TARGET_PATTERN.test(entry)) {
      fail(key, `each entry must look like "telegram:123456789" (channel:id, lower-case channel), got ${JSON.stringify(entry)}`, `openclaw config set ${CONFIG_PATH}.${key} '["telegram:123456789"]'`);
    }
    return entry;
  });
}

function percentList(key: string, value: unknown, fallback: readonly number[]): number[] {
  if (value === undefined) return [...fallback];
  const fix = `openclaw config set ${CONFIG_PATH}.${key} '[80, 95]' (or '[]' for none)`;
  if (!Array.isArray(value)) fail(key, `expected a list of whole numbers from 1 to 100, got ${JSON.stringify(value)}`, fix);
  const out = value.map((v) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 100) fail(key, `each entry must be a whole number from 1 to 100, got ${JSON.stringify(v)}`, fix);
    return v;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** "HH:MM", 24-hour clock; the same rule as the manifest's pattern. */
export const DIGEST_TIME_PATTERN = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

function digestTime(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !DIGEST_TIME_PATTERN.test(value)) fail(key, `expected a local time as "HH:MM" (24-hour, e.g. "08:30"), got ${JSON.stringify(value)}`, `openclaw config set ${CONFIG_PATH}.${key} 08:30 (or "openclaw config unset ${CONFIG_PATH}.${key}" for no summary)`);
  return value;
}

export function resolveConfig(raw: unknown, env: ConfigEnvironment): PluginConfig {
  const input: Record<string, unknown> =
    raw === undefined || raw === null ? {} : typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : failRoot("expected an object of settings");
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) fail(key, `unknown key (known: ${[...KEYS].join(", ")})`, `openclaw config unset ${CONFIG_PATH}.${key}`);
  }
  const homeDir = env.homeDir ?? os.homedir();
  const defaultPath = path.join(env.stateDir, CREDENTIALS_FILE_NAME);
  const credentialsPath = path.resolve(expandHome(nonEmptyString("credentialsPath", input.credentialsPath, defaultPath), homeDir));

  const refreshIntervalMinutes = integerIn("refreshIntervalMinutes", input.refreshIntervalMinutes, 1, 1440, DEFAULTS.refreshIntervalMinutes);
  const refreshBeforeExpiryMinutes = integerIn("refreshBeforeExpiryMinutes", input.refreshBeforeExpiryMinutes, 1, 720, DEFAULTS.refreshBeforeExpiryMinutes);

  const profileId = nonEmptyString("profileId", input.profileId, DEFAULTS.profileId);
  if (!/^anthropic:[A-Za-z0-9._-]+$/.test(profileId)) fail("profileId", `expected "anthropic:<name>", got ${JSON.stringify(profileId)}`);
  if (RESERVED_PROFILE_IDS.has(profileId)) fail("profileId", `${profileId} belongs to OpenClaw itself; choose another id`);
  // Two logins publishing into one profile would overwrite each other's token on every refresh.
  const owner = accountOwningProfile(profileId, env.accounts ?? []);
  if (owner !== undefined) {
    fail("profileId", `${profileId} is the OpenClaw profile of the account "${owner}" (an added account NAME always uses ${accountProfileId("NAME")}), and two logins in one profile overwrite each other's token`, `openclaw config set ${CONFIG_PATH}.profileId <another id> (or "openclaw config unset ${CONFIG_PATH}.profileId" for ${DEFAULTS.profileId})`);
  }

  const tokenUrl = checkEndpointUrl("tokenUrl", nonEmptyString("tokenUrl", input.tokenUrl, DEFAULTS.tokenUrl));
  const clientId = nonEmptyString("clientId", input.clientId, DEFAULTS.clientId);

  const authorizeUrl = checkEndpointUrl("authorizeUrl", nonEmptyString("authorizeUrl", input.authorizeUrl, DEFAULTS.authorizeUrl));

  const usageCheckMinutes = integerIn("usageCheckMinutes", input.usageCheckMinutes, 0, 1440, DEFAULTS.usageCheckMinutes);
  const usageUrl = checkEndpointUrl("usageUrl", nonEmptyString("usageUrl", input.usageUrl, DEFAULTS.usageUrl));
  const switchAtPercent = integerIn("switchAtPercent", input.switchAtPercent, 50, 100, DEFAULTS.switchAtPercent);

  const alertCommand = input.alertCommand === undefined ? undefined : nonEmptyString("alertCommand", input.alertCommand, "");

  const alertCommandEnv = input.alertCommandEnv === undefined ? undefined : envNameList("alertCommandEnv", input.alertCommandEnv);

  const alertTargets = input.alertTargets === undefined ? undefined : targetList("alertTargets", input.alertTargets);
  const usageAlertPercents = percentList("usageAlertPercents", input.usageAlertPercents, DEFAULTS.usageAlertPercents);
  const usageDigestAt = digestTime("usageDigestAt", input.usageDigestAt);

  const userAgent = nonEmptyString("userAgent", input.userAgent, DEFAULTS.userAgent);
  // A header value with a line break would be refused by fetch (or, worse, split the request).
  if (!/^[\x20-\x7e]{1,256}$/.test(userAgent)) fail("userAgent", "expected printable ASCII, at most 256 characters, on one line");

  const publishProfile = booleanOr("publishProfile", input.publishProfile, DEFAULTS.publishProfile);
  const moveClaudeCliSessions = booleanOr("moveClaudeCliSessions", input.moveClaudeCliSessions, DEFAULTS.moveClaudeCliSessions);

  return {
    credentialsPath,
    refreshIntervalMinutes,
    refreshBeforeExpiryMinutes,
    profileId,
    tokenUrl,
    clientId,
    authorizeUrl,
    usageCheckMinutes,
    usageUrl,
    switchAtPercent,
    usageAlertPercents,
    userAgent,
    publishProfile,
    moveClaudeCliSessions,
    ...(alertCommand ? { alertCommand } : {}),
    ...(alertCommandEnv ? { alertCommandEnv } : {}),
    ...(alertTargets ? { alertTargets } : {}),
    ...(usageDigestAt ? { usageDigestAt } : {}),
  };
}
