// Small helpers shared by the e2e suites (core, cli): condition waits, exact plugin-line matching,
// credentials files, bearer checks and token-leak scans. No gateway logic lives here.

import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import type { FakeMessagesApi, MessagesRequest } from "./fake-messages-api.js";
import type { FakeTokenEndpoint } from "./fake-token-endpoint.js";
import type { CliResult, Gateway } from "./gateway.js";

export const PLUGIN_TAG = "[claude-oauth-refresh]";
export const STATUS_ROUTE = "/plugins/claude-oauth-refresh/status";
export const CREDENTIALS_FILE = "claude-credentials.json";

/** Polls `probe` until it returns something other than undefined/false; rejects after timeoutMs. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A whole gateway output line carrying exactly `[claude-oauth-refresh] <text>`: optionally led by
 * OpenClaw's timestamp and its `[plugins] ` prefix, nothing else before, nothing after.
 */
export function pluginLine(text: string, opts: { prefixOnly?: boolean } = {}): RegExp {
  const head = String.raw`^(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) )?(?:\[plugins\] )?`;
  return new RegExp(`${head}${escapeRe(`${PLUGIN_TAG} ${text}`)}${opts.prefixOnly ? "" : "$"}`);
}

/** Output lines matching `re` (line by line), optionally only after char index `from`. */
export function linesMatching(output: string, re: RegExp, from = 0): string[] {
  const flags = re.flags.replace(/[gy]/g, "");
  const lineRe = new RegExp(re.source, flags);
  const start = from === 0 ? 0 : output.lastIndexOf("\n", from - 1) + 1;
  return output
    .slice(start)
    .split("\n")
    .filter((line) => lineRe.test(line));
}

/** The ISO timestamp OpenClaw puts in front of a console line, as ms (undefined if none). */
export function lineTime(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) /.exec(line);
  if (!m?.[1]) return undefined;
  const ms = Date.parse(m[1]);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Waits until at least `count` lines match `re` (after `from`); returns those lines. */
export function waitForLineCount(gw: Gateway, re: RegExp, count: number, timeoutMs: number, from = 0): Promise<string[]> {
  return waitFor(
    `${count} line(s) matching ${re}`,
    () => {
      const lines = linesMatching(gw.output(), re, from);
      return lines.length >= count ? lines : undefined;
    },
    timeoutMs,
  );
}

export interface CredentialsOnDisk {
  mode: number;
  bytes: Buffer;
  document: Record<string, unknown>;
  oauth: { accessToken?: unknown; refreshToken?: unknown; expiresAt?: unknown; refreshTokenExpiresAt?: unknown; [k: string]: unknown };
}

export function readCredentials(path: string): CredentialsOnDisk {
  const bytes = readFileSync(path);
  const document = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  const oauth = document.claudeAiOauth;
  if (typeof oauth !== "object" || oauth === null || Array.isArray(oauth)) throw new Error(`${path} has no claudeAiOauth object`);
  return { mode: statSync(path).mode & 0o777, bytes, document, oauth: oauth as CredentialsOnDisk["oauth"] };
}

/** Writes a credentials document the way Claude Code does: temp file 0600, then rename. */
export function writeCredentialsAtomically(path: string, document: Record<string, unknown>): void {
  const tmp = join(dirname(path), `.e2e-credentials-${process.pid}-${Date.now()}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function bearerOf(req: MessagesRequest): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.authorization ?? "")?.[1]?.trim();
}

/** POST /v1/messages requests from index `from` on. */
export function modelCalls(requests: MessagesRequest[], from: number): MessagesRequest[] {
  return requests.slice(from).filter((r) => r.method === "POST" && r.path === "/v1/messages");
}

/** Every token the fake token endpoint ever issued (minted logins included). */
export function issuedTokens(fake: FakeTokenEndpoint): string[] {
  return [...fake.issuedAccessTokens, ...fake.issuedRefreshTokens];
}

/** Tokens from `tokens` that occur in `text`, shortened for a readable failure message. */
export function leakedTokens(text: string, tokens: readonly string[]): string[] {
  return tokens.filter((t) => t.length > 0 && text.includes(t)).map((t) => `${t.slice(0, 22)}…`);
}

/** Collects every CLI result of a suite, for the final leak scan. */
export class CliTranscript {
  private readonly entries: Array<{ args: string[]; result: CliResult }> = [];

  add(args: string[], result: CliResult): CliResult {
    this.entries.push({ args, result });
    return result;
  }

  text(): string {
    return this.entries.map((e) => `$ openclaw ${e.args.join(" ")}\n${e.result.stdout}\n${e.result.stderr}`).join("\n");
  }

  get count(): number {
    return this.entries.length;
  }
}

/** "exit 0\n--- stdout ---..." for assertion messages. */
export function describeResult(r: CliResult): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** A value set up in beforeAll, or a clear error when setup did not get that far. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(what);
  return value;
}

/**
 * GET the plugin's status route on the running gateway with the gateway token: the same JSON as
 * `status --json` and the gateway method (README contract, checked in the cli and dashboard suites),
 * in milliseconds instead of a 5-15 s CLI process. For reading state where the CLI is not the subject.
 */
export async function statusFromRoute<T>(gw: Gateway, query = ""): Promise<{ status: number; text: string; json: () => T }> {
  const res = await fetch(`http://127.0.0.1:${gw.port}${STATUS_ROUTE}${query}`, { headers: { authorization: `Bearer ${gw.env.OPENCLAW_GATEWAY_TOKEN ?? ""}` } });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as T };
}

/**
 * One agent turn ("ping") on the running gateway, kept in `transcript`: it must exit 0 and make at
 * least one model call. Returns its reply text and the model calls it made, for the suite's own
 * checks of the tokens they carried.
 */
export async function agentTurnCalls(gw: Gateway, messages: FakeMessagesApi, transcript: CliTranscript): Promise<{ text: string | undefined; calls: MessagesRequest[] }> {
  const from = messages.requests.length;
  const turn = await gw.agentTurn("ping");
  transcript.add(["agent", "--message", "ping", "--json"], { code: turn.code, stdout: turn.raw, stderr: turn.error ?? "" });
  expect(turn.code, turn.error ?? turn.raw).toBe(0);
  const calls = modelCalls(messages.requests, from);
  expect(calls.length, "the turn made no model call").toBeGreaterThan(0);
  return { text: turn.text, calls };
}

/**
 * A status JSON without its minute countdowns (`validForMinutes`, top level and per account), which
 * may cross a minute boundary between two reads of the same state; everything else is kept.
 */
export function withoutCountdowns<T>(status: T): T {
  const steady = (s: Record<string, unknown>): Record<string, unknown> => {
    const token = s.accessToken;
    return typeof token === "object" && token !== null ? { ...s, accessToken: { ...token, validForMinutes: 0 } } : s;
  };
  const top = steady(status as Record<string, unknown>);
  const accounts = top.accounts;
  return (Array.isArray(accounts) ? { ...top, accounts: accounts.map((a: Record<string, unknown>) => steady(a)) } : top) as T;
}
