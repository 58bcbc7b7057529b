import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLUGIN_ID, resolveConfig, type PluginConfig } from "../../src/core/config.js";
import { MAX_CREDENTIALS_BYTES } from "../../src/login/credentials.js";
import { PluginError, type ErrorCode } from "../../src/core/errors.js";
import { defaultRefreshDeps, runRefresh } from "../../src/login/refresh.js";
import { postToken, type FetchLike, type RawAnswer, type TokenRequest } from "../../src/login/token-endpoint.js";
import { recordFigure } from "../support/figures.js";

/**
 * Bad input, table by table: a broken credentials file, a strange token-endpoint answer, a bad
 * config value. Every case must end in a PluginError with the right `code`, a message that says
 * what is wrong and (where a human can act) what to do, no token in the message, and nothing on
 * disk changed: same bytes, same inode, same mtime/ctime, no leftover lock or temp file.
 *
 * Everything goes through the entry the service uses: `runRefresh(defaultRefreshDeps(config, { post }))`.
 * `post` records each request and hands it to the real `postToken` with a fetch that returns the
 * canned answer, so the answer is shaped (and size-capped) exactly as a real one would be. The
 * tokenUrl points at 127.0.0.1:9 (discard): nothing ever leaves this machine.
 *
 * A case that exposes a bug keeps its passing checks in a normal `it`; the one check that fails
 * runs in a sibling `it.fails` named "BUG: ...", so the suite stays green and the bug stays visible.
 */

// Visibly fake fixtures (the redactor's shape matches them, as it would match real tokens).
const ACCESS = "sk-ant-oat01-FAKE-access-000000000000000000000000";
const REFRESH = "sk-ant-ort01-FAKE-refresh-00000000000000000000000";
const NEW_ACCESS = "sk-ant-oat01-FAKE-new-access-111111111111111111111";
const NEW_REFRESH = "sk-ant-ort01-FAKE-new-refresh-11111111111111111111";
const TOKEN_LIKE = /sk-ant-/;
const LOCAL_TOKEN_URL = "http://127.0.0.1:9/v1/oauth/token";
const CONFIG_PREFIX = `plugins.entries.${PLUGIN_ID}.config`;
/** A message is a log line, a status field and maybe a chat alert: it must stay short. */
const MAX_MESSAGE_CHARS = 1000;

const isRoot = process.getuid?.() === 0;

let root: string;
let caseNo = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cor-bad-input-"));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
  recordFigure("bad-input", "cases", { file: FILE_CASES.length, server: SERVER_CASES.length, config: CONFIG_CASES.length });
});

async function caseDir(): Promise<string> {
  const dir = path.join(root, `case-${++caseNo}`);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

// ---- helpers -------------------------------------------------------------------------------

/** Everything under `dir` that a write, a rename, a chmod or a stray lock/temp file would change. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(current: string): Promise<void> {
    for (const name of (await fs.readdir(current)).sort()) {
      const full = path.join(current, name);
      const rel = path.relative(dir, full);
      const st = await fs.lstat(full);
      const kind = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "link" : "other";
      let digest = "-";
      if (st.isFile()) {
        digest = await fs.readFile(full).then((b) => createHash("sha256").update(b).digest("hex"), () => "unreadable");
      }
      out[rel] = `${kind} mode=${(st.mode & 0o7777).toString(8)} size=${st.size} ino=${st.ino} mtime=${st.mtimeMs} ctime=${st.ctimeMs} sha256=${digest}`;
      if (st.isDirectory()) await walk(full);
    }
  }
  await walk(dir);
  return out;
}

async function pluginError(promise: Promise<unknown>): Promise<PluginError> {
  let result: unknown;
  try {
    result = await promise;
  } catch (err) {
    if (err instanceof PluginError) return err;
    throw new Error(`expected a PluginError, got ${String(err)}`);
  }
  throw new Error(`expected a PluginError, but the call succeeded with ${JSON.stringify(result)}`);
}

function localConfig(dir: string, credentialsPath: string): PluginConfig {
  return resolveConfig({ credentialsPath, tokenUrl: LOCAL_TOKEN_URL }, { stateDir: dir, homeDir: dir });
}

interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** A `post` for RefreshDeps: records each request, answers through the real postToken. */
function recordingPost(answer: CannedAnswer | undefined): { post: (request: TokenRequest) => Promise<RawAnswer>; calls: TokenRequest[] } {
  const calls: TokenRequest[] = [];
  const fetch: FetchLike = async () => {
    if (!answer) throw new Error("no POST was expected in this case");
    return { status: answer.status, headers: new Headers(answer.headers ?? {}), text: async () => answer.body };
  };
  return {
    calls,
    post: async (request) => {
      calls.push(request);
      return postToken(request, { fetch });
    },
  };
}

function credentialsJson(oauth: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ claudeAiOauth: oauth, ...extra }, null, 2)}\n`;
}

function validOAuth(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accessToken: ACCESS,
    refreshToken: REFRESH,
    expiresAt: Date.now() + 5 * 60_000, // due: inside the 60-minute margin
    scopes: ["user:inference", "user:profile"],
    subscriptionType: "max",
    ...overrides,
  };
}

function without(key: string): Record<string, unknown> {
  const o = validOAuth();
  delete o[key];
  return o;
}

// ---- 1. the credentials file -----------------------------------------------------------------

type FileInput =
  | { kind: "text"; text: string; mode?: number }
  | { kind: "directory" }
  | { kind: "absent" };

interface FileCase {
  name: string;
  input: FileInput;
  code: ErrorCode;
  /** What is wrong. */
  message: RegExp;
  /** What to do. */
  todo: RegExp;
  skip?: string;
}

const PROVIDE = /Put a Claude login there: run "openclaw claude-oauth login" on this server.*openclaw claude-oauth import -/;
const LOG_IN_AGAIN = /Log in again: run "openclaw claude-oauth login" on this server/;
const LEFT_AS_IS = /The file was left as it is\./;

function text(t: string, mode?: number): FileInput {
  return mode === undefined ? { kind: "text", text: t } : { kind: "text", text: t, mode };
}

const FILE_CASES: FileCase[] = [
  { name: "empty file", input: text(""), code: "credentials_invalid", message: /the file is empty/, todo: PROVIDE },
  { name: "only whitespace", input: text(" \n\t \n"), code: "credentials_invalid", message: /the file is empty/, todo: PROVIDE },
  { name: "not JSON", input: text(`{"claudeAiOauth": {"accessToken": "${ACCESS}",`), code: "credentials_invalid", message: /it is not valid JSON/, todo: PROVIDE },
  { name: "a bare token pasted instead of the file", input: text(`${REFRESH}\n`), code: "credentials_invalid", message: /it is not valid JSON/, todo: PROVIDE },
  { name: "a JSON array", input: text(JSON.stringify([validOAuth()])), code: "credentials_invalid", message: /the top level is not a JSON object/, todo: PROVIDE },
  { name: "JSON null", input: text("null"), code: "credentials_invalid", message: /the top level is not a JSON object/, todo: PROVIDE },
  { name: "no claudeAiOauth key", input: text(JSON.stringify({ oauth: validOAuth() })), code: "credentials_invalid", message: /it has no "claudeAiOauth" object \(is this Claude Code's ~\/\.claude\/\.credentials\.json\?\)/, todo: PROVIDE },
  { name: "claudeAiOauth is a string", input: text(JSON.stringify({ claudeAiOauth: REFRESH })), code: "credentials_invalid", message: /"claudeAiOauth" is not an object/, todo: PROVIDE },
  { name: "accessToken missing", input: text(credentialsJson(without("accessToken"))), code: "credentials_invalid", message: /claudeAiOauth\.accessToken is missing or not a string/, todo: PROVIDE },
  { name: "accessToken empty (refreshToken still there)", input: text(credentialsJson(validOAuth({ accessToken: "" }))), code: "credentials_invalid", message: /claudeAiOauth\.accessToken is missing or not a string/, todo: PROVIDE },
  { name: "accessToken a number", input: text(credentialsJson(validOAuth({ accessToken: 12345 }))), code: "credentials_invalid", message: /claudeAiOauth\.accessToken is missing or not a string/, todo: PROVIDE },
  { name: "refreshToken missing", input: text(credentialsJson(without("refreshToken"))), code: "credentials_invalid", message: /claudeAiOauth\.refreshToken is missing or not a string/, todo: PROVIDE },
  { name: "expiresAt missing", input: text(credentialsJson(without("expiresAt"))), code: "credentials_invalid", message: /claudeAiOauth\.expiresAt is missing/, todo: PROVIDE },
  { name: "expiresAt in seconds (1767225600)", input: text(credentialsJson(validOAuth({ expiresAt: 1767225600 }))), code: "credentials_invalid", message: /claudeAiOauth\.expiresAt looks like seconds, not milliseconds \(1767225600\)/, todo: /multiply it by 1000/ },
  { name: "expiresAt negative", input: text(credentialsJson(validOAuth({ expiresAt: -1 }))), code: "credentials_invalid", message: /claudeAiOauth\.expiresAt must be a positive number of milliseconds/, todo: PROVIDE },
  { name: "expiresAt a string", input: text(credentialsJson(validOAuth({ expiresAt: "1767225600000" }))), code: "credentials_invalid", message: /claudeAiOauth\.expiresAt must be a positive number of milliseconds/, todo: PROVIDE },
  { name: "expiresAt 1e400 (parses to Infinity)", input: text(`{"claudeAiOauth":{"accessToken":"${ACCESS}","refreshToken":"${REFRESH}","expiresAt":1e400}}`), code: "credentials_invalid", message: /claudeAiOauth\.expiresAt must be a positive number of milliseconds/, todo: PROVIDE },
  { name: "refreshTokenExpiresAt in seconds", input: text(credentialsJson(validOAuth({ refreshTokenExpiresAt: 1767225600 }))), code: "credentials_invalid", message: /claudeAiOauth\.refreshTokenExpiresAt looks like seconds/, todo: /multiply it by 1000/ },
  { name: "scopes not strings", input: text(credentialsJson(validOAuth({ scopes: [1, 2, { s: "user:inference" }] }))), code: "credentials_invalid", message: /claudeAiOauth\.scopes must be a list of strings/, todo: PROVIDE },
  { name: "scopes a string, not a list", input: text(credentialsJson(validOAuth({ scopes: "user:inference user:profile" }))), code: "credentials_invalid", message: /claudeAiOauth\.scopes must be a list of strings/, todo: PROVIDE },
  { name: "a directory at the path", input: { kind: "directory" }, code: "credentials_invalid", message: /it is a directory, not a file/, todo: PROVIDE },
  {
    name: `a file over the size limit (${MAX_CREDENTIALS_BYTES} bytes)`,
    // Valid in every other way: only the size is wrong.
    input: text(JSON.stringify({ claudeAiOauth: validOAuth(), padding: "x".repeat(MAX_CREDENTIALS_BYTES) })),
    code: "credentials_invalid",
    message: new RegExp(`it is \\d+ bytes, far larger than a credentials file \\(limit ${MAX_CREDENTIALS_BYTES}\\)`),
    todo: PROVIDE,
  },
  { name: "a missing file", input: { kind: "absent" }, code: "credentials_missing", message: /Credentials file not found/, todo: PROVIDE },
  {
    name: "Claude Code's blanked file after a rejected refresh",
    input: text(credentialsJson({ accessToken: "", refreshToken: "", expiresAt: 0, scopes: [], subscriptionType: "max" })),
    code: "needs_login",
    message: /is no longer valid and cannot be refreshed/,
    todo: LOG_IN_AGAIN,
  },
  {
    name: "a file without read permission",
    input: text(credentialsJson(validOAuth()), 0o000),
    code: "credentials_invalid",
    message: /cannot be read \(permission denied\)/,
    todo: /chown \$\(whoami\) .* && chmod 600 /,
    // root reads a mode-000 file anyway, so the case cannot be provoked there.
    ...(isRoot ? { skip: "running as root: chmod 000 does not stop root from reading" } : {}),
  },
];

async function setUpFile(input: FileInput): Promise<{ dir: string; file: string }> {
  const dir = await caseDir();
  const file = path.join(dir, "claude-credentials.json");
  if (input.kind === "text") {
    await fs.writeFile(file, input.text, { mode: 0o600 });
    if (input.mode !== undefined) await fs.chmod(file, input.mode);
  } else if (input.kind === "directory") {
    await fs.mkdir(file);
    await fs.writeFile(path.join(file, "inside.txt"), "a file inside the directory\n");
  }
  // Old timestamps, so a rewrite within the same millisecond still shows up as a change.
  if (input.kind !== "absent") await fs.utimes(file, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"));
  return { dir, file };
}

describe("bad credentials file: refused before any POST, file untouched", () => {
  for (const c of FILE_CASES) {
    it.skipIf(c.skip !== undefined)(c.name, async () => {
      const { dir, file } = await setUpFile(c.input);
      const before = await snapshot(dir);
      const { post, calls } = recordingPost(undefined);

      const err = await pluginError(runRefresh(defaultRefreshDeps(localConfig(dir, file), { post }), { force: true }));

      expect(err.code).toBe(c.code);
      expect(err.message).toMatch(c.message);
      expect(err.message).toMatch(c.todo);
      expect(err.message).toContain(file);
      // Every "not a usable file" message promises the file was left alone (permission denied has its own).
      if (c.code === "credentials_invalid" && !(c.input.kind === "text" && c.input.mode !== undefined)) expect(err.message).toMatch(LEFT_AS_IS);
      expect(err.message).not.toMatch(TOKEN_LIKE);
      expect(err.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
      expect(calls).toHaveLength(0);

      // Nothing on disk changed: bytes, inode, mode, mtime; no lock or temp file left behind.
      expect(await snapshot(dir)).toEqual(before);
      if (c.input.kind === "directory") expect((await fs.lstat(file)).isDirectory()).toBe(true);
      if (c.input.kind === "absent") await expect(fs.lstat(file)).rejects.toMatchObject({ code: "ENOENT" });
    });
  }
});

// ---- 2. token-endpoint answers ---------------------------------------------------------------

interface ServerCase {
  name: string;
  answer: CannedAnswer;
  code: ErrorCode;
  /** What is wrong. */
  message: RegExp;
  /** What to do, where a human can act (the retryable codes are retried by the service itself). */
  todo?: RegExp;
  retryAfterMs?: number;
  /** Set when a check of this case fails today: that check runs as `it.fails`. */
  bug?: { check: "todo" | "length"; what: string };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): CannedAnswer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

function html(status: number, body: string): CannedAnswer {
  return { status, headers: { "content-type": "text/html; charset=UTF-8" }, body };
}

function good(overrides: Record<string, unknown>): Record<string, unknown> {
  return { token_type: "Bearer", access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, expires_in: 28800, scope: "user:inference user:profile", ...overrides };
}

function omit(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...o };
  delete copy[key];
  return copy;
}

const CLOUDFLARE_403 = `<!DOCTYPE html>
<html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="refresh" content="390"></head>
<body><div class="main-wrapper"><h1>platform.claude.com</h1><p>Checking your browser before accessing platform.claude.com.</p>
<p>Ray ID: 8f1e2d3c4b5a6978 &bull; Performance &amp; security by Cloudflare</p></div></body></html>`;

const MAX_EXPIRES = 30 * 24 * 3600;
const LOG_IN = /log in again|claude-oauth login|claude \/login/i;

const SERVER_CASES: ServerCase[] = [
  { name: "HTML 403 (Cloudflare challenge)", answer: html(403, CLOUDFLARE_403), code: "edge_refused", message: /^Anthropic's edge refused the request: HTTP 403, HTML page; nothing was spent\./, todo: /userAgent/ },
  { name: "HTML 200", answer: html(200, "<html><body>Welcome to the captive portal</body></html>"), code: "edge_refused", message: /^Anthropic's edge refused the request: HTTP 200, HTML page; nothing was spent\./ },
  { name: "200 []", answer: json(200, []), code: "outcome_unknown", message: /answered 200 with something that is not a JSON object: \[\] The server answered 200, so it has probably rotated/ },
  { name: "200 without access_token", answer: json(200, omit(good({}), "access_token")), code: "outcome_unknown", message: /answer has no access_token\. The server answered 200, so it has probably rotated/ },
  { name: "access_token empty", answer: json(200, good({ access_token: "" })), code: "outcome_unknown", message: /answer has no access_token\. The server answered 200, so it has probably rotated/ },
  { name: "access_token a number", answer: json(200, good({ access_token: 42 })), code: "outcome_unknown", message: /answer has no access_token\. The server answered 200, so it has probably rotated/ },
  { name: "refresh_token empty string", answer: json(200, good({ refresh_token: "" })), code: "outcome_unknown", message: /refresh_token that is not a non-empty string/ },
  { name: "expires_in missing", answer: json(200, omit(good({}), "expires_in")), code: "outcome_unknown", message: new RegExp(`unusable expires_in \\(missing\\); expected seconds between 1 and ${MAX_EXPIRES}`) },
  { name: "expires_in 0", answer: json(200, good({ expires_in: 0 })), code: "outcome_unknown", message: /unusable expires_in \(0\)/ },
  { name: "expires_in -5", answer: json(200, good({ expires_in: -5 })), code: "outcome_unknown", message: /unusable expires_in \(-5\)/ },
  { name: 'expires_in "3600" (a string)', answer: json(200, good({ expires_in: "3600" })), code: "outcome_unknown", message: /unusable expires_in \("3600"\)/ },
  { name: "expires_in 1e12", answer: json(200, good({ expires_in: 1e12 })), code: "outcome_unknown", message: /unusable expires_in \(1000000000000\)/ },
  { name: "302 redirect", answer: { status: 302, headers: { location: "https://login.example.invalid/moved" }, body: "" }, code: "bad_response", message: /redirect \(HTTP 302\); the endpoint may have moved/, todo: /Check tokenUrl/ },
  {
    name: "400 invalid_grant",
    answer: json(400, { error: "invalid_grant", error_description: "Refresh token not found or invalid" }),
    code: "needs_login",
    message: /refresh token was rejected \(HTTP 400 invalid_grant: Refresh token not found or invalid\)/,
    todo: LOG_IN,
  },
  {
    name: "401 invalid_grant",
    answer: json(401, { error: "invalid_grant" }),
    code: "needs_login",
    message: /refresh token was rejected \(HTTP 401 invalid_grant\)/,
    todo: LOG_IN,
  },
  {
    name: "404 JSON (the older spent-token answer)",
    answer: json(404, { error: "not_found" }),
    code: "needs_login",
    message: /refresh token was rejected \(HTTP 404 not_found\)/,
    todo: LOG_IN,
  },
  { name: "400 invalid_client", answer: json(400, { error: "invalid_client", error_description: "Unknown client" }), code: "rejected", message: /refused the request \(HTTP 400, invalid_client: Unknown client\)/, todo: /Check clientId and tokenUrl/ },
  { name: "429 with Retry-After: 120", answer: json(429, { error: "rate_limited" }, { "retry-after": "120" }), code: "rate_limited", message: /rate-limiting us \(HTTP 429, retry after 120 s\)/, retryAfterMs: 120_000 },
  { name: "500", answer: json(500, { error: "internal_error" }), code: "server_error", message: /failed \(HTTP 500\): \{"error":"internal_error"\}/ },
  { name: "503 with HTML", answer: html(503, "<html><head><title>503 Service Unavailable</title></head><body>upstream overloaded</body></html>"), code: "edge_refused", message: /^Anthropic's edge refused the request: HTTP 503, HTML page; nothing was spent\./ },
  {
    name: "error_description echoes the refresh token",
    answer: json(400, { error: "invalid_grant", error_description: `Refresh token ${REFRESH} not found or invalid` }),
    code: "needs_login",
    message: /refresh token was rejected \(HTTP 400 invalid_grant: Refresh token \[REDACTED\] not found or invalid\)/,
    todo: LOG_IN,
  },
  {
    name: "a huge body (1 MB of JSON padding)",
    answer: json(200, { padding: "x".repeat(1024 * 1024), access_token: NEW_ACCESS }),
    code: "outcome_unknown",
    // postToken keeps the first 64 KiB, which is no longer JSON; the message quotes 160 chars of it.
    message: /answered 200 with something that is not a JSON object: \{"padding":"x+… The server answered 200/,
  },
  {
    name: "a 48 KB error_description on a 400",
    answer: json(400, { error: "invalid_request", error_description: `bad request ${"y".repeat(48 * 1024)}` }),
    code: "rejected",
    message: /refused the request \(HTTP 400, invalid_request: bad request y+/,
    todo: /Check clientId and tokenUrl/,
  },
];

async function runServerCase(c: ServerCase): Promise<{ err: PluginError; calls: TokenRequest[]; before: Record<string, string>; after: Record<string, string> }> {
  const dir = await caseDir();
  const file = path.join(dir, "claude-credentials.json");
  await fs.writeFile(file, credentialsJson(validOAuth(), { mcpOAuth: { keep: "me" } }), { mode: 0o600 });
  await fs.utimes(file, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"));
  const before = await snapshot(dir);
  const { post, calls } = recordingPost(c.answer);
  const err = await pluginError(runRefresh(defaultRefreshDeps(localConfig(dir, file), { post }), { force: true }));
  return { err, calls, before, after: await snapshot(dir) };
}

describe("bad token-endpoint answers: one POST, clear error, file untouched", () => {
  for (const c of SERVER_CASES) {
    it(c.name, async () => {
      const { err, calls, before, after } = await runServerCase(c);

      expect(err.code).toBe(c.code);
      expect(err.message).toMatch(c.message);
      if (c.todo && c.bug?.check !== "todo") expect(err.message).toMatch(c.todo);
      if (c.bug?.check !== "length") expect(err.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
      if (c.retryAfterMs !== undefined) expect(err.retryAfterMs).toBe(c.retryAfterMs);
      for (const token of [ACCESS, REFRESH, NEW_ACCESS, NEW_REFRESH]) expect(err.message).not.toContain(token);
      expect(err.message).not.toMatch(TOKEN_LIKE);

      // Exactly one POST, carrying the file's refresh token to the configured (local) URL.
      expect(calls).toHaveLength(1);
      expect(calls[0]?.url).toBe(LOCAL_TOKEN_URL);
      expect(calls[0]?.body.refresh_token).toBe(REFRESH);

      // Untouched, but for the record that keeps a maybe-spent token from being sent again.
      const record = Object.keys(after).find((name) => name.endsWith(".maybe-spent.json"));
      expect(record !== undefined, "a maybe-spent record exactly for an unknown outcome").toBe(c.code === "outcome_unknown");
      const rest = Object.fromEntries(Object.entries(after).filter(([name]) => name !== record));
      expect(rest).toEqual(before);
    });

    if (c.bug) {
      const { check, what } = c.bug;
      it(`${c.name}: ${what}`, async () => {
        const { err } = await runServerCase(c);
        if (check === "todo" && c.todo) expect(err.message).toMatch(c.todo);
        if (check === "length") expect(err.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
      });
    }
  }
});

// ---- 3. config -----------------------------------------------------------------------------

interface ConfigCase {
  name: string;
  raw: unknown;
  /** The key the message must name, or undefined for the config object itself. */
  key: string | undefined;
  message: RegExp;
  /** What to do; by default "openclaw config set <the key> <value>". */
  todo?: RegExp;
  bug?: string;
}

function setHint(key: string): RegExp {
  return new RegExp(`Fix it with: openclaw config set ${CONFIG_PREFIX.replace(/\./g, "\\.")}\\.${key} <value>`);
}

const CONFIG_CASES: ConfigCase[] = [
  { name: "refreshIntervalMinutes 0", raw: { refreshIntervalMinutes: 0 }, key: "refreshIntervalMinutes", message: /expected a whole number from 1 to 1440, got 0/ },
  { name: "refreshIntervalMinutes 1441", raw: { refreshIntervalMinutes: 1441 }, key: "refreshIntervalMinutes", message: /expected a whole number from 1 to 1440, got 1441/ },
  { name: "refreshIntervalMinutes 2.5", raw: { refreshIntervalMinutes: 2.5 }, key: "refreshIntervalMinutes", message: /expected a whole number from 1 to 1440, got 2\.5/ },
  { name: 'refreshIntervalMinutes "abc"', raw: { refreshIntervalMinutes: "abc" }, key: "refreshIntervalMinutes", message: /expected a whole number from 1 to 1440, got "abc"/ },
  { name: "refreshIntervalMinutes -1", raw: { refreshIntervalMinutes: -1 }, key: "refreshIntervalMinutes", message: /expected a whole number from 1 to 1440, got -1/ },
  { name: "refreshBeforeExpiryMinutes 0", raw: { refreshBeforeExpiryMinutes: 0 }, key: "refreshBeforeExpiryMinutes", message: /expected a whole number from 1 to 720, got 0/ },
  { name: 'profileId "openai:x"', raw: { profileId: "openai:x" }, key: "profileId", message: /expected "anthropic:<name>", got "openai:x"/ },
  { name: 'profileId "anthropic:claude-cli" (OpenClaw\'s own)', raw: { profileId: "anthropic:claude-cli" }, key: "profileId", message: /anthropic:claude-cli belongs to OpenClaw itself; choose another id/ },
  { name: 'profileId ""', raw: { profileId: "" }, key: "profileId", message: /expected a non-empty string/ },
  { name: "tokenUrl http://example.com/token", raw: { tokenUrl: "http://example.com/token" }, key: "tokenUrl", message: /must be an https:\/\/ URL \(plain http is allowed only for 127\.0\.0\.1\/localhost\), got "http:\/\/example\.com\/token"/ },
  { name: "tokenUrl ftp://x", raw: { tokenUrl: "ftp://x" }, key: "tokenUrl", message: /must be an https:\/\/ URL .*got "ftp:\/\/x"/ },
  { name: 'tokenUrl "not a url"', raw: { tokenUrl: "not a url" }, key: "tokenUrl", message: /not a URL: "not a url"/ },
  { name: "tokenUrl http://127.0.0.1.evil.com/x", raw: { tokenUrl: "http://127.0.0.1.evil.com/x" }, key: "tokenUrl", message: /must be an https:\/\/ URL .*got "http:\/\/127\.0\.0\.1\.evil\.com\/x"/ },
  { name: "tokenUrl http://127.0.0.1@evil.com/x (userinfo trick)", raw: { tokenUrl: "http://127.0.0.1@evil.com/x" }, key: "tokenUrl", message: /must be an https:\/\/ URL .*got "http:\/\/127\.0\.0\.1@evil\.com\/x"/ },
  { name: "authorizeUrl http://10.0.0.1/a", raw: { authorizeUrl: "http://10.0.0.1/a" }, key: "authorizeUrl", message: /must be an https:\/\/ URL .*got "http:\/\/10\.0\.0\.1\/a"/ },
  {
    name: "unknown key foo",
    raw: { foo: 1 },
    key: "foo",
    message: /unknown key \(known: credentialsPath, refreshIntervalMinutes/,
    todo: new RegExp(`openclaw config unset ${CONFIG_PREFIX.replace(/\./g, "\\.")}\\.foo`),
  },
  { name: 'credentialsPath ""', raw: { credentialsPath: "" }, key: "credentialsPath", message: /expected a non-empty string/ },
  { name: "credentialsPath 42", raw: { credentialsPath: 42 }, key: "credentialsPath", message: /expected a non-empty string/ },
  { name: 'alertCommand ""', raw: { alertCommand: "" }, key: "alertCommand", message: /expected a non-empty string/ },
  {
    name: "the config itself is an array",
    raw: ["refreshIntervalMinutes", 30],
    key: undefined,
    message: /expected an object/,
    todo: new RegExp(`openclaw config (set|unset) ${CONFIG_PREFIX.replace(/\./g, "\\.")}(\\s|$)`),
  },
];

function runConfigCase(c: ConfigCase, stateDir: string): PluginError {
  try {
    const resolved = resolveConfig(c.raw, { stateDir, homeDir: stateDir });
    throw new Error(`resolveConfig accepted ${JSON.stringify(c.raw)} as ${JSON.stringify(resolved)}`);
  } catch (err) {
    if (err instanceof PluginError) return err;
    throw err;
  }
}

describe("bad config: config_invalid naming the key and the fix, nothing created", () => {
  for (const c of CONFIG_CASES) {
    it(c.name, async () => {
      const stateDir = await caseDir();
      const err = runConfigCase(c, stateDir);

      expect(err.code).toBe("config_invalid");
      expect(err.message).toMatch(c.message);
      expect(err.message).toContain(c.key === undefined ? CONFIG_PREFIX : `${CONFIG_PREFIX}.${c.key}`);
      expect(err.message).toMatch(/openclaw config (set|unset) /);
      if (!c.bug) expect(err.message).toMatch(c.todo ?? setHint(c.key ?? ""));
      expect(err.message).not.toMatch(TOKEN_LIKE);
      expect(await fs.readdir(stateDir)).toEqual([]);
    });

    if (c.bug) {
      const bug = c.bug;
      it(`${c.name}: ${bug}`, async () => {
        const err = runConfigCase(c, await caseDir());
        expect(err.message).toMatch(c.todo ?? setHint(c.key ?? ""));
      });
    }
  }
});
