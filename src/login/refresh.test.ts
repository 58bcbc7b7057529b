import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveConfig, type PluginConfig } from "../core/config.js";
import { readCredentialsFile, writeCredentialsFile } from "./credentials.js";
import { PluginError } from "../core/errors.js";
import { CLAUDE_CODE_REFRESH_LOCK } from "./lock.js";
import { TOKEN_POST_TIMEOUT_MS, defaultRefreshDeps, runRefresh, type CrashPoint, type RefreshDeps, type RefreshResult } from "./refresh.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, postToken, type TokenRequest } from "./token-endpoint.js";
import { maybeSpentPathFor } from "./maybe-spent.js";
import { InProcessTokenEndpoint, claudeCredentialsJson, startFakeTokenEndpoint, type FakeTokenEndpoint, type MintedLogin } from "../../test/support/fake-token-endpoint.js";

const NOW = 1_767_225_600_000;
const MINUTE = 60_000;
const FIRST_ACCESS = "sk-ant-oat01-FAKE-access-0000-aaaaaaaaaaaaaaaaaaaa";
const FIRST_REFRESH = "sk-ant-ort01-FAKE-refresh-0000-aaaaaaaaaaaaaaaaaaa";
const FAST_LOCK = { staleMs: 10_000, waitMs: 8_000 };

const accessN = (n: number) => `sk-ant-oat01-FAKE-access-${String(n).padStart(4, "0")}-bbbbbbbbbbbbbbbbbbbb`;
const refreshN = (n: number) => `sk-ant-ort01-FAKE-refresh-${String(n).padStart(4, "0")}-bbbbbbbbbbbbbbbbbbb`;

/**
 * The project's one fake token server (test/support/token-rotation.ts), answered in-process: each
 * refresh token works once, a spent one answers 400 invalid_grant. Its tokens are named
 * accessN/refreshN and its answer carries the tokens only, so this file can assert exact values.
 */
function newServer(): InProcessTokenEndpoint {
  return new InProcessTokenEndpoint({
    live: FIRST_REFRESH,
    yieldFirst: true,
    revokeFamilyOnReuse: false,
    clientId: false,
    fullAnswer: false,
    newToken: (kind, n) => (kind === "access" ? accessN(n) : refreshN(n)),
  });
}

let dir: string;
let file: string;
let config: PluginConfig;
let server: InProcessTokenEndpoint;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-refresh-"));
  file = path.join(dir, "claude-credentials.json");
  config = resolveConfig({ credentialsPath: file }, { stateDir: dir });
  server = newServer();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeFile(expiresAt: number, mode = 0o600, extra: Record<string, unknown> = {}): Promise<string> {
  const doc = {
    claudeAiOauth: { accessToken: FIRST_ACCESS, refreshToken: FIRST_REFRESH, expiresAt, scopes: ["user:inference"], subscriptionType: "max", rateLimitTier: "tier" },
    mcpOAuth: { keep: true },
    ...extra,
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  await fs.writeFile(file, text, { mode });
  await fs.chmod(file, mode);
  return text;
}

function deps(overrides: Partial<RefreshDeps> = {}): RefreshDeps {
  return defaultRefreshDeps(config, {
    now: () => NOW,
    post: server.post,
    refreshLockOptions: FAST_LOCK,
    writeLockOptions: FAST_LOCK,
    ...overrides,
  });
}

async function refreshError(p: Promise<unknown>): Promise<PluginError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return err as PluginError;
  }
  throw new Error("expected runRefresh to throw");
}

const failingWrite = async (): Promise<void> => {
  throw new PluginError("persist_failed", "Could not save the credentials file (ENOSPC): the disk is full: free some space.");
};

describe("runRefresh", () => {
  it("not due -> no POST, `not-due`, file untouched", async () => {
    const before = await writeFile(NOW + 5 * 60 * MINUTE);
    const result = await runRefresh(deps());
    expect(result.kind).toBe("not-due");
    expect(result.oauth.refreshToken).toBe(FIRST_REFRESH);
    expect(server.requests).toHaveLength(0);
    expect(await fs.readFile(file, "utf8")).toBe(before);
  });

  it("due -> exactly one POST with the file's refresh token; file updated, 0600, other keys kept", async () => {
    await writeFile(NOW + 30 * MINUTE, 0o644);
    const result = await runRefresh(deps());
    expect(result.kind).toBe("refreshed");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.request.url).toBe(config.tokenUrl);
    expect(server.requests[0]?.request.body).toEqual({ grant_type: "refresh_token", refresh_token: FIRST_REFRESH, client_id: config.clientId });

    const read = await readCredentialsFile(file);
    expect(read.mode).toBe(0o600);
    expect(read.oauth.accessToken).toBe(accessN(1));
    expect(read.oauth.refreshToken).toBe(refreshN(1));
    expect(read.oauth.expiresAt).toBe(NOW + 28_800_000);
    expect(read.document.mcpOAuth).toEqual({ keep: true });
    expect((read.document.claudeAiOauth as Record<string, unknown>).rateLimitTier).toBe("tier");
    expect(result.oauth).toMatchObject({ accessToken: accessN(1), refreshToken: refreshN(1), expiresAt: NOW + 28_800_000, subscriptionType: "max" });
    expect((await fs.readdir(dir)).sort()).toEqual(["claude-credentials.json"]);
  });

  it("an expired token is due", async () => {
    await writeFile(NOW - 10 * MINUTE);
    expect((await runRefresh(deps())).kind).toBe("refreshed");
    expect(server.requests).toHaveLength(1);
  });

  it("force -> POST even when not due", async () => {
    await writeFile(NOW + 5 * 60 * MINUTE);
    const result = await runRefresh(deps(), { force: true });
    expect(result.kind).toBe("refreshed");
    expect(server.requests).toHaveLength(1);
    expect((await readCredentialsFile(file)).oauth.refreshToken).toBe(refreshN(1));
  });

  it("knownRefreshToken differs from the file -> `refreshed-elsewhere`, no POST, even with force", async () => {
    await writeFile(NOW + 30 * MINUTE);
    const stale = "sk-ant-ort01-FAKE-what-we-saw-before-cccccccccccccc";
    const r1 = await runRefresh(deps(), { knownRefreshToken: stale });
    expect(r1.kind).toBe("refreshed-elsewhere");
    expect(r1.oauth.refreshToken).toBe(FIRST_REFRESH);
    const r2 = await runRefresh(deps(), { knownRefreshToken: stale, force: true });
    expect(r2.kind).toBe("refreshed-elsewhere");
    expect(server.requests).toHaveLength(0);
  });

  it("knownRefreshToken equal to the file's and due -> refreshed", async () => {
    await writeFile(NOW + 30 * MINUTE);
    expect((await runRefresh(deps(), { knownRefreshToken: FIRST_REFRESH })).kind).toBe("refreshed");
    expect(server.requests).toHaveLength(1);
  });

  it("write fails -> `refreshed-unsaved` with the new tokens; the retry saves them without a second POST", async () => {
    const before = await writeFile(NOW + 30 * MINUTE);
    const first = await runRefresh(deps({ write: failingWrite }));
    if (first.kind !== "refreshed-unsaved") throw new Error(`expected refreshed-unsaved, got ${first.kind}`);
    expect(first.error.code).toBe("persist_failed");
    expect(first.oauth.refreshToken).toBe(refreshN(1));
    expect(first.unsaved.oauth.refreshToken).toBe(refreshN(1));
    expect(first.unsaved.oauth.accessToken).toBe(accessN(1));
    expect(await fs.readFile(file, "utf8")).toBe(before); // the file still holds the spent token
    expect(server.requests).toHaveLength(1);

    const second = await runRefresh(deps(), { unsaved: first.unsaved, knownRefreshToken: FIRST_REFRESH });
    expect(second.kind).toBe("refreshed");
    expect(second.oauth.refreshToken).toBe(refreshN(1));
    expect(server.requests).toHaveLength(1); // no POST with the spent token from the file
    const read = await readCredentialsFile(file);
    expect(read.oauth.refreshToken).toBe(refreshN(1));
    expect(read.document.mcpOAuth).toEqual({ keep: true });
  });

  it("unsaved and the write still fails -> still `refreshed-unsaved`, no POST", async () => {
    await writeFile(NOW + 30 * MINUTE);
    const first = await runRefresh(deps({ write: failingWrite }));
    if (first.kind !== "refreshed-unsaved") throw new Error(first.kind);
    const second = await runRefresh(deps({ write: failingWrite }), { unsaved: first.unsaved });
    expect(second.kind).toBe("refreshed-unsaved");
    expect(second.oauth.refreshToken).toBe(refreshN(1));
    expect(server.requests).toHaveLength(1);
  });

  it("unsaved, write fails, forced -> POSTs with the live token from memory, never the spent one in the file", async () => {
    await writeFile(NOW + 30 * MINUTE);
    const first = await runRefresh(deps({ write: failingWrite }));
    if (first.kind !== "refreshed-unsaved") throw new Error(first.kind);
    const second = await runRefresh(deps({ write: failingWrite }), { unsaved: first.unsaved, force: true });
    expect(server.requests.map((r) => r.request.body.refresh_token)).toEqual([FIRST_REFRESH, refreshN(1)]);
    expect(second.kind).toBe("refreshed-unsaved");
    expect(second.oauth.refreshToken).toBe(refreshN(2));
  });

  it("a write that throws a plain error is reported as persist_failed", async () => {
    await writeFile(NOW + 30 * MINUTE);
    const result = await runRefresh(
      deps({
        write: async () => {
          throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
        },
      }),
    );
    if (result.kind !== "refreshed-unsaved") throw new Error(result.kind);
    expect(result.error.code).toBe("persist_failed");
  });

  it("invalid_grant -> throws PluginError needs_login; file untouched", async () => {
    const before = await writeFile(NOW + 30 * MINUTE);
    server.live = "sk-ant-ort01-FAKE-someone-else-rotated-it-dddddddd";
    const e = await refreshError(runRefresh(deps()));
    expect(e.code).toBe("needs_login");
    expect(e.message).not.toContain(FIRST_REFRESH);
    expect(await fs.readFile(file, "utf8")).toBe(before);
  });

  it("a failed POST releases the lock: the next call works", async () => {
    await writeFile(NOW + 30 * MINUTE);
    server.script.push(() => ({ status: 503, headers: new Headers(), body: JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }) }));
    expect((await refreshError(runRefresh(deps()))).code).toBe("server_error");
    expect((await runRefresh(deps())).kind).toBe("refreshed");
    expect(server.requests).toHaveLength(2);
  });

  it("calls the crash points in order around the POST and the write", async () => {
    await writeFile(NOW + 30 * MINUTE);
    const points: CrashPoint[] = [];
    await runRefresh(deps({ at: (p) => void points.push(p) }));
    expect(points).toEqual(["locked", "before-post", "after-post", "after-persist"]);
  });

  it("with Claude Code's lock plan, the write happens under the write lock", async () => {
    await writeFile(NOW + 30 * MINUTE);
    const writeLock = path.join(dir, ".storage-write.lock");
    const refreshLock = path.join(dir, ".oauth_refresh.lock");
    const seen: boolean[] = [];
    await runRefresh(
      deps({
        lockPlan: { protocol: "claude-code", refreshLocks: [refreshLock], writeLock },
        write: async (p, doc, indent) => {
          seen.push((await fs.stat(writeLock)).isDirectory(), (await fs.stat(refreshLock)).isDirectory());
          await writeCredentialsFile(p, doc, indent);
        },
      }),
    );
    expect(seen).toEqual([true, true]);
    await expect(fs.stat(writeLock)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(fs.stat(refreshLock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("10 concurrent runRefresh calls on one due file -> exactly 1 POST", async () => {
    await writeFile(NOW + 30 * MINUTE);
    const d = deps();
    const results: RefreshResult[] = await Promise.all(Array.from({ length: 10 }, () => runRefresh(d)));
    expect(server.requests).toHaveLength(1);
    expect(results.filter((r) => r.kind === "refreshed")).toHaveLength(1);
    expect(results.filter((r) => r.kind === "not-due")).toHaveLength(9);
    for (const r of results) expect(r.oauth.refreshToken).toBe(refreshN(1));
    expect((await readCredentialsFile(file)).oauth.refreshToken).toBe(refreshN(1));
  }, 15_000);

  it("the default lock plan for a file not named .credentials.json is <file>.lock, whatever CLAUDE_CONFIG_DIR says", () => {
    vi.stubEnv("CLAUDE_CONFIG_DIR", dir);
    expect(defaultRefreshDeps(config).lockPlan).toEqual({ protocol: "plugin", refreshLocks: [`${file}.lock`] });
  });

  it("the default lock plan for Claude Code's file uses Claude Code's locks, with no CLAUDE_CONFIG_DIR and another HOME", () => {
    const claudeDir = path.join(dir, "claude");
    vi.stubEnv("CLAUDE_CONFIG_DIR", "");
    vi.stubEnv("HOME", path.join(dir, "someone-else"));
    const c = resolveConfig({ credentialsPath: path.join(claudeDir, ".credentials.json") }, { stateDir: dir });
    const d = defaultRefreshDeps(c);
    expect(d.lockPlan).toEqual({
      protocol: "claude-code",
      refreshLocks: [path.join(claudeDir, ".oauth_refresh.lock"), `${claudeDir}.lock`],
      writeLock: path.join(claudeDir, ".storage-write.lock"),
      optionalLocks: [`${claudeDir}.lock`],
    });
    expect(d.refreshLockOptions).toBe(CLAUDE_CODE_REFRESH_LOCK);
  });

  it("a symlink to Claude Code's file gets Claude Code's locks", async () => {
    const claudeDir = path.join(dir, "claude");
    await fs.mkdir(claudeDir);
    const real = path.join(claudeDir, ".credentials.json");
    await fs.writeFile(real, "{}");
    const link = path.join(dir, "claude-credentials.json");
    await fs.symlink(real, link);
    vi.stubEnv("CLAUDE_CONFIG_DIR", "");
    expect(defaultRefreshDeps(resolveConfig({ credentialsPath: link }, { stateDir: dir })).lockPlan.refreshLocks).toEqual([path.join(claudeDir, ".oauth_refresh.lock"), `${claudeDir}.lock`]);
  });

  it("the plan follows the file: a symlink to Claude Code's file made later takes Claude Code's locks from then on", async () => {
    const d = defaultRefreshDeps(config);
    expect(d.lockPlan.protocol).toBe("plugin");
    const claudeDir = path.join(dir, "claude");
    await fs.mkdir(claudeDir);
    await fs.rm(file, { force: true });
    await fs.symlink(path.join(claudeDir, ".credentials.json"), file);
    expect(d.lockPlan.protocol).toBe("claude-code");
    expect(d.refreshLockOptions).toBe(CLAUDE_CODE_REFRESH_LOCK);
    // A test's own plan still wins.
    expect(defaultRefreshDeps(config, { lockPlan: { protocol: "plugin", refreshLocks: ["/x.lock"] } }).lockPlan.refreshLocks).toEqual(["/x.lock"]);
  });

});

/**
 * A slow token endpoint must never cost the login: the server rotates when the request arrives,
 * whether or not the client is still waiting for the answer. The fake here is the real HTTP one
 * (rotation at arrival, answer after a delay) and the POST is the plugin's own postToken.
 */
describe("a slow token endpoint", () => {
  let endpoint: FakeTokenEndpoint;
  let claudeDir: string;
  let real: string;

  beforeEach(async () => {
    endpoint = await startFakeTokenEndpoint({ revokeFamilyOnReuse: true });
    claudeDir = path.join(dir, "claude");
    await fs.mkdir(claudeDir);
    real = path.join(claudeDir, ".credentials.json");
  });
  afterEach(async () => {
    await endpoint.close();
  });

  async function writeLogin(): Promise<MintedLogin> {
    const login = endpoint.mintLogin({ expiresInSec: 120 });
    await fs.writeFile(real, JSON.stringify(claudeCredentialsJson(login)), { mode: 0o600 });
    return login;
  }
  const claudeConfig = () => resolveConfig({ credentialsPath: real, tokenUrl: endpoint.url }, { stateDir: dir });
  /** A client that gives up after 300 ms: a stalled answer becomes an unknown outcome. */
  const impatient = (request: TokenRequest) => postToken(request, { timeoutMs: 300 });

  it("in Claude Code file mode an answer after 4 s is waited for and saved: one POST, no reuse, the file holds the newest tokens", async () => {
    await writeLogin();
    endpoint.failNext({ rotateThenStallMs: 4_000 });
    const result = await runRefresh(defaultRefreshDeps(claudeConfig()));
    expect(result.kind).toBe("refreshed");
    expect(endpoint.posts.map((p) => p.status)).toEqual([200]);
    const newest = endpoint.latest();
    const read = await readCredentialsFile(real);
    expect(read.oauth.refreshToken).toBe(newest?.refreshToken);
    expect(read.oauth.accessToken).toBe(newest?.accessToken);
    // Claude Code's locks are free again.
    await expect(fs.stat(path.join(claudeDir, ".oauth_refresh.lock"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(fs.stat(`${claudeDir}.lock`)).rejects.toMatchObject({ code: "ENOENT" });
  }, 15_000);

  it("the deadline is the same in both modes, and it is the normal one", () => {
    expect(TOKEN_POST_TIMEOUT_MS).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
  });

  it("after an unknown outcome the token is never sent again, by this process or another; a new token in the file resumes", async () => {
    await writeLogin();
    // The server rotates, then answers after the client's (shortened) deadline: the answer is lost.
    endpoint.failNext({ rotateThenStallMs: 2_000 });
    const first = await refreshError(runRefresh(defaultRefreshDeps(claudeConfig(), { post: impatient })));
    expect(first.code).toBe("outcome_unknown");
    expect(first.message).toMatch(/will not send that refresh token again/);

    // The same process, forced; then another process (fresh deps: the record is on disk).
    const again = await refreshError(runRefresh(defaultRefreshDeps(claudeConfig()), { force: true }));
    expect(again.code).toBe("token_maybe_spent");
    const other = await refreshError(runRefresh(defaultRefreshDeps(resolveConfig({ credentialsPath: real, tokenUrl: endpoint.url }, { stateDir: path.join(dir, "elsewhere") }))));
    expect(other.code).toBe("token_maybe_spent");
    expect(endpoint.posts).toHaveLength(1); // no reuse: the spent token went out once
    // The record holds a hash, never the token.
    const record = await fs.readFile(maybeSpentPathFor(real), "utf8");
    for (const t of endpoint.issuedRefreshTokens) expect(record).not.toContain(t);
    expect((await fs.stat(maybeSpentPathFor(real))).mode & 0o777).toBe(0o600);

    // A new login (or Claude Code's own refresh) puts another token in the file: refreshing resumes.
    await writeLogin();
    const resumed = await runRefresh(defaultRefreshDeps(claudeConfig()));
    expect(resumed.kind).toBe("refreshed");
    expect(endpoint.posts.map((p) => p.status)).toEqual([0, 200]);
    await expect(fs.stat(maybeSpentPathFor(real))).rejects.toMatchObject({ code: "ENOENT" });
  }, 15_000);

  it("the last resort: a timeout that never reached the server, probed once at the cut-off, keeps the login; the record says probed before the POST", async () => {
    await writeLogin();
    endpoint.failNext({ stallMs: 2_000 }); // the client gives up first; nothing rotates
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig(), { post: impatient })))).code).toBe("outcome_unknown");
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig()), { force: true }))).code, "no reuse while the access token is good").toBe("token_maybe_spent");
    const seenOnDisk: string[] = [];
    const post = async (request: TokenRequest) => {
      seenOnDisk.push(await fs.readFile(maybeSpentPathFor(real), "utf8"));
      return postToken(request);
    };
    const probed = await runRefresh(defaultRefreshDeps(claudeConfig(), { post }), { force: true, lastResort: true });
    expect(probed.kind).toBe("refreshed");
    expect(seenOnDisk[0], "marked as probed before it was sent").toMatch(/"probedAt"/);
    expect(endpoint.posts.map((p) => p.status)).toEqual([0, 200]);
    expect((await readCredentialsFile(real)).oauth.refreshToken).toBe(endpoint.latest()?.refreshToken);
    await expect(fs.stat(maybeSpentPathFor(real))).rejects.toMatchObject({ code: "ENOENT" });
  }, 15_000);

  it("the last resort after a real rotation gets invalid_grant (log in again), and a probe that also times out is the only one: no third send", async () => {
    await writeLogin();
    endpoint.failNext({ rotateThenStallMs: 2_000 });
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig(), { post: impatient })))).code).toBe("outcome_unknown");
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig()), { force: true, lastResort: true }))).code).toBe("needs_login");

    await writeLogin();
    endpoint.failNext({ stallMs: 2_000 }, 2);
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig(), { post: impatient })))).code).toBe("outcome_unknown");
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig(), { post: impatient }), { force: true, lastResort: true }))).code).toBe("outcome_unknown");
    // Another process too: the record on disk says the probe was sent.
    const other = resolveConfig({ credentialsPath: real, tokenUrl: endpoint.url }, { stateDir: path.join(dir, "elsewhere") });
    expect((await refreshError(runRefresh(defaultRefreshDeps(other), { force: true, lastResort: true }))).code).toBe("token_maybe_spent");
    expect(endpoint.posts).toHaveLength(4);
  }, 20_000);

  it("a last resort answered with a server error spent nothing: it may be sent again", async () => {
    await writeLogin();
    endpoint.failNext({ stallMs: 2_000 });
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig(), { post: impatient })))).code).toBe("outcome_unknown");
    endpoint.failNext({ status: 503 });
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig()), { force: true, lastResort: true }))).code).toBe("server_error");
    expect((await runRefresh(defaultRefreshDeps(claudeConfig()), { force: true, lastResort: true })).kind).toBe("refreshed");
    expect(endpoint.posts.map((p) => p.status)).toEqual([0, 503, 200]);
  }, 15_000);

  it("a proxy's gateway timeout (504) is an unknown outcome too: the token is not sent again", async () => {
    await writeLogin();
    endpoint.failNext({ status: 504, body: "<html><body><h1>504 Gateway Time-out</h1></body></html>", headers: { "content-type": "text/html" } });
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig())))).code).toBe("outcome_unknown");
    expect((await refreshError(runRefresh(defaultRefreshDeps(claudeConfig())))).code).toBe("token_maybe_spent");
    expect(endpoint.posts).toHaveLength(1);
  });

  it("an edge refusal spends nothing: the next try sends the same token and succeeds", async () => {
    await writeLogin();
    endpoint.failNext({ status: 429, body: "<!DOCTYPE html><html><title>Rate limited</title></html>", headers: { "content-type": "text/html", "retry-after": "30" } });
    const refused = await refreshError(runRefresh(defaultRefreshDeps(claudeConfig())));
    expect(refused.code).toBe("edge_refused");
    expect(refused.retryAfterMs).toBe(30_000);
    expect(refused.message).toMatch(/^Anthropic's edge refused the request: HTTP 429, HTML page; nothing was spent\./);
    expect((await runRefresh(defaultRefreshDeps(claudeConfig()))).kind).toBe("refreshed");
    expect(endpoint.posts.map((p) => p.status)).toEqual([429, 200]);
  });

  it("sends the configured userAgent", async () => {
    await writeLogin();
    const seen: TokenRequest[] = [];
    const c = resolveConfig({ credentialsPath: real, tokenUrl: endpoint.url, userAgent: "claude-cli/2.1.328 (external, cli)" }, { stateDir: dir });
    await runRefresh(defaultRefreshDeps(c, { post: (r) => (seen.push(r), postToken(r)) }));
    expect(seen[0]?.userAgent).toBe("claude-cli/2.1.328 (external, cli)");
  });
});
