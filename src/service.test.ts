import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock, settle } from "../test/support/fake-clock.js";
import { resolveConfig, type PluginConfig } from "./core/config.js";
import { readCredentialsFile, writeCredentialsFile } from "./login/credentials.js";
import { PluginError } from "./core/errors.js";
import type { Logger } from "./core/logger.js";
import type { PublishedToken, Publisher } from "./openclaw/publish.js";
import type { RefreshDeps } from "./login/refresh.js";
import { counting, newCounters } from "./monitoring/counters.js";
import { RefreshService, type ServiceDeps } from "./service.js";
import { AlertLedger, type Alert, type AlertChannel } from "./alerts/alerts.js";
import type { RawAnswer } from "./login/token-endpoint.js";
import { InProcessTokenEndpoint } from "../test/support/fake-token-endpoint.js";

const T0 = 1_767_225_600_000;
const MINUTE = 60_000;
const FAST_LOCK = { staleMs: 10_000, waitMs: 3_000 };

// ---- every token any test issues, and every log line any test produces -----------------------

const issuedTokens = new Set<string>();
const allLogLines: string[] = [];

function token(kind: "oat01" | "ort01", label: string): string {
  const t = `sk-ant-${kind}-FAKE-${label}-${"x".repeat(24)}`;
  issuedTokens.add(t);
  return t;
}

afterAll(() => {
  // No log line, in any test of this file, ever held a token value. (The logger handed to the
  // service here is raw: prefixedLogger's redaction is not in the way.)
  if (allLogLines.length > 0) expect(issuedTokens.size).toBeGreaterThan(0);
  for (const line of allLogLines) {
    for (const t of issuedTokens) expect(line).not.toContain(t);
    expect(line).not.toMatch(/sk-ant-o[ar]t01-/);
  }
});

// ---- a token endpoint that rotates like Anthropic's ------------------------------------------

function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The project's one fake token server (test/support/token-rotation.ts), answered in-process on the
 * fake clock. Its tokens are registered for the leak check above; its answer carries the tokens only.
 */
function fakeEndpoint(clock: FakeClock, live: string): InProcessTokenEndpoint {
  return new InProcessTokenEndpoint({
    live,
    now: () => clock.now(),
    revokeFamilyOnReuse: false,
    clientId: false,
    fullAnswer: false,
    newToken: (kind, n) => token(kind === "access" ? "oat01" : "ort01", `issued-${kind}-${n}-${clock.now()}`),
  });
}

// ---- fixtures --------------------------------------------------------------------------------

interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
}

class FakePublisher implements Publisher {
  readonly published: PublishedToken[] = [];
  fail = false;
  unpublished = 0;

  async publish(t: PublishedToken): Promise<void> {
    if (this.fail) throw new PluginError("publish_failed", "OpenClaw refused to save profile anthropic:subscription in its shared auth store; will retry.");
    this.published.push({ ...t });
  }

  async unpublish(): Promise<void> {
    this.unpublished += 1;
  }
}

let dir: string;
let file: string;
let counter = 0;
const services: RefreshService[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-service-"));
  file = path.join(dir, "claude-credentials.json");
});

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Writes a login (temp file + rename, so the service sees a new inode). Returns its tokens. */
async function writeLogin(expiresAt: number, label = "login"): Promise<{ access: string; refresh: string }> {
  counter += 1;
  const access = token("oat01", `${label}-access-${counter}`);
  const refresh = token("ort01", `${label}-refresh-${counter}`);
  const doc = { claudeAiOauth: { accessToken: access, refreshToken: refresh, expiresAt, scopes: ["user:inference"], subscriptionType: "max" }, mcpOAuth: { keep: true } };
  const tmp = `${file}.writing`;
  await fs.writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
  return { access, refresh };
}

interface Harness {
  service: RefreshService;
  clock: FakeClock;
  endpoint: InProcessTokenEndpoint;
  publisher: FakePublisher;
  logs: LogLine[];
  config: PluginConfig;
  lines(level?: LogLine["level"]): string[];
}

function harness(options: { live?: string; refresh?: Partial<RefreshDeps>; config?: Record<string, unknown>; alert?: AlertChannel; alertLedger?: AlertLedger; usageGet?: ServiceDeps["usageGet"]; counting?: ServiceDeps["counting"] } = {}): Harness {
  const clock = new FakeClock(T0);
  const endpoint = fakeEndpoint(clock, options.live ?? "none");
  const publisher = new FakePublisher();
  const logs: LogLine[] = [];
  const record = (level: LogLine["level"]) => (message: string) => {
    logs.push({ level, message });
    allLogLines.push(message);
  };
  const logger: Logger = { info: record("info"), warn: record("warn"), error: record("error") };
  const config = resolveConfig({ credentialsPath: file, usageCheckMinutes: 0, ...options.config }, { stateDir: dir });
  const service = new RefreshService({
    config,
    logger,
    publisher,
    clock,
    refresh: { post: endpoint.post, refreshLockOptions: FAST_LOCK, writeLockOptions: FAST_LOCK, ...options.refresh },
    ...(options.alert ? { alert: options.alert } : {}),
    ...(options.alertLedger ? { alertLedger: options.alertLedger } : {}),
    ...(options.usageGet ? { usageGet: options.usageGet } : {}),
    ...(options.counting ? { counting: options.counting } : {}),
  });
  services.push(service);
  return {
    service,
    clock,
    endpoint,
    publisher,
    logs,
    config,
    lines: (level) => logs.filter((l) => level === undefined || l.level === level).map((l) => l.message),
  };
}

async function start(h: Harness): Promise<void> {
  await h.service.start();
  await settle();
}

// ---- tests -----------------------------------------------------------------------------------

describe("RefreshService start", () => {
  it("logs the seed's lines, publishes the token, does not POST a token that is not due", async () => {
    const login = await writeLogin(T0 + 300 * MINUTE);
    const h = harness({ live: login.refresh });
    await start(h);
    expect(h.lines("info")).toEqual([
      "🔄 Claude OAuth Auto-Refresh plugin loading...",
      "✅ Plugin loaded successfully",
      `   Credentials: ${file}`,
      "   Refresh interval: 30 min",
      "Token still valid for 300 minutes",
    ]);
    expect(h.lines("warn")).toEqual([]);
    expect(h.lines("error")).toEqual([]);
    expect(h.publisher.published).toEqual([{ accessToken: login.access, expiresAt: T0 + 300 * MINUTE }]);
    expect(h.endpoint.requests).toHaveLength(0);
    const status = h.service.status();
    expect(status.state).toBe("ok");
    expect(status.nextRefreshAt).toBe(T0 + 235 * MINUTE); // 60 min configured, ahead of OpenClaw's 5-minute cut-off
    expect(status.account).toEqual({ subscriptionType: "max" });
    expect(h.clock.pending).toBe(1);
  });

  it("start twice is harmless", async () => {
    await writeLogin(T0 + 300 * MINUTE);
    const h = harness();
    await start(h);
    await h.service.start();
    await settle();
    expect(h.lines().filter((l) => l.includes("plugin loading"))).toHaveLength(1);
    expect(h.clock.pending).toBe(1);
  });

  it("schedules the refresh at expiresAt - 65 min (60 configured + OpenClaw's 5-minute cut-off), not at the next periodic check", async () => {
    const login = await writeLogin(T0 + 70 * MINUTE);
    const h = harness({ live: login.refresh });
    await start(h);
    expect(h.endpoint.requests).toHaveLength(0);
    await h.clock.advance(5 * MINUTE - 1);
    expect(h.endpoint.requests).toHaveLength(0);
    await h.clock.advance(1);
    expect(h.endpoint.requests).toHaveLength(1);
    expect(h.endpoint.requests[0]?.at).toBe(T0 + 5 * MINUTE);
    expect(h.endpoint.requests[0]?.request.body.refresh_token).toBe(login.refresh);

    const saved = await readCredentialsFile(file);
    expect(saved.oauth.refreshToken).toBe(h.endpoint.live);
    expect(saved.oauth.expiresAt).toBe(T0 + 5 * MINUTE + 28_800_000);
    expect(saved.mode).toBe(0o600);
    expect(h.publisher.published.at(-1)).toEqual({ accessToken: saved.oauth.accessToken, expiresAt: saved.oauth.expiresAt });
    expect(h.service.status()).toMatchObject({ state: "ok", nextRefreshAt: saved.oauth.expiresAt - 65 * MINUTE, lastRefresh: { result: "ok" } });
    expect(h.lines("info").some((l) => l.startsWith("Token refreshed; valid for 480 minutes"))).toBe(true);

    // and nothing more until the new token is due
    await h.clock.advance(60 * MINUTE);
    expect(h.endpoint.requests).toHaveLength(1);
  });

  it("an expired token is refreshed at once, and only the fresh token is published", async () => {
    const login = await writeLogin(T0 - 5 * MINUTE);
    const h = harness({ live: login.refresh });
    await start(h);
    expect(h.lines("warn")).toContain("Token expired 5 minutes ago; refreshing now");
    expect(h.endpoint.requests).toHaveLength(1);
    expect(h.endpoint.requests[0]?.at).toBe(T0);
    expect(h.publisher.published.map((p) => p.accessToken)).not.toContain(login.access);
    expect(h.publisher.published).toHaveLength(1);
    expect(h.service.status().state).toBe("ok");
  });
});

describe("RefreshService without a usable file", () => {
  it("missing file: logs it once, state no-credentials, picks the file up later without a restart", async () => {
    const h = harness();
    await start(h);
    const notFound = () => h.lines().filter((l) => l.startsWith(`Credentials file not found: ${file}`));
    expect(notFound()).toHaveLength(1);
    expect(h.service.status().state).toBe("no-credentials");
    await h.clock.advance(61 * MINUTE); // two periodic checks and a probe every minute
    expect(notFound()).toHaveLength(1);
    expect(h.service.status().state).toBe("no-credentials");
    expect(h.publisher.published).toHaveLength(0);

    const login = await writeLogin(h.clock.now() + 300 * MINUTE);
    await h.clock.advance(MINUTE);
    expect(h.service.status().state).toBe("ok");
    expect(h.publisher.published.map((p) => p.accessToken)).toEqual([login.access]);
    expect(h.lines("info")).toContain(`Credentials file ${file} has a new login; resuming.`);
    expect(h.endpoint.requests).toHaveLength(0);
  });

  it("a file readable by others is tightened to 0600 with a warning", async () => {
    await writeLogin(T0 + 300 * MINUTE);
    await fs.chmod(file, 0o644);
    const h = harness();
    await start(h);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(h.lines("warn").some((l) => l.includes("readable by other users"))).toBe(true);
  });

  it("a corrupt file: state invalid-credentials, logged once", async () => {
    await fs.writeFile(file, "{ not json", { mode: 0o600 });
    const h = harness();
    await start(h);
    expect(h.service.status().state).toBe("invalid-credentials");
    await h.clock.advance(31 * MINUTE);
    expect(h.lines("error").filter((l) => l.includes("not valid JSON"))).toHaveLength(1);
  });
});

describe("RefreshService failures", () => {
  it("a refresh token the server refused before a restart is never sent again: needs-login at start, no POST, no second alert", async () => {
    const login = await writeLogin(T0 + 300 * MINUTE);
    const ledger = new AlertLedger(path.join(dir, "alerts-restart.json"));
    const alerts: Alert[] = [];
    const first = harness({ live: "sk-ant-ort01-FAKE-server-has-another-token-rrrrrrrr", alertLedger: ledger, alert: async (a) => void alerts.push(a) });
    await start(first);
    await first.service.refreshNow({ force: true });
    expect(first.service.status().state).toBe("needs-login");
    expect(first.endpoint.requests).toHaveLength(1);
    await first.service.stop();

    // the gateway restarts; the file still holds the refused refresh token (and a valid access token)
    const second = harness({ live: "sk-ant-ort01-FAKE-server-has-another-token-rrrrrrrr", alertLedger: ledger, alert: async (a) => void alerts.push(a) });
    await start(second);
    await second.clock.advance(2 * 60 * MINUTE);
    expect(second.service.status().state).toBe("needs-login");
    expect(second.endpoint.requests).toHaveLength(0);
    expect(second.lines("error")).toEqual([expect.stringMatching(/was refused by the token server before this restart.*Log in again/)]);
    expect(second.publisher.published.at(-1)?.accessToken).toBe(login.access);
    expect(alerts.filter((a) => a.kind === "needs-login")).toHaveLength(1);

    // a new login in the file resumes as usual
    const fresh = await writeLogin(second.clock.now() + 30 * MINUTE, "after-restart");
    second.endpoint.live = fresh.refresh;
    await second.clock.advance(MINUTE);
    expect(second.service.status().state).toBe("ok");
    expect(second.endpoint.requests).toHaveLength(1);
  });

  it("invalid_grant -> needs-login, no further POSTs; a new login in the file resumes", async () => {
    await writeLogin(T0 + 30 * MINUTE);
    const h = harness({ live: "sk-ant-ort01-FAKE-server-has-another-token-zzzzzzzz" });
    await start(h);
    expect(h.endpoint.requests).toHaveLength(1);
    const status = h.service.status();
    expect(status.state).toBe("needs-login");
    expect(status.lastError?.code).toBe("needs_login");
    expect(status.nextRefreshAt).toBeUndefined();
    const loginErrors = h.lines("error").filter((l) => l.includes("log in again") || l.includes("Log in again"));
    expect(loginErrors).toHaveLength(1);
    expect(loginErrors[0]).toContain(file);

    await h.clock.advance(61 * MINUTE);
    expect(h.endpoint.requests).toHaveLength(1);
    expect(h.lines("error")).toHaveLength(1);

    const fresh = await writeLogin(h.clock.now() + 30 * MINUTE, "new-login");
    h.endpoint.live = fresh.refresh;
    await h.clock.advance(MINUTE);
    expect(h.lines("info")).toContain(`Credentials file ${file} has a new login; resuming.`);
    expect(h.endpoint.requests).toHaveLength(2);
    expect(h.endpoint.requests[1]?.request.body.refresh_token).toBe(fresh.refresh);
    expect(h.service.status().state).toBe("ok");
  });

  it("Claude Code's blanked file -> needs-login without a POST", async () => {
    await fs.writeFile(file, JSON.stringify({ claudeAiOauth: { accessToken: "", refreshToken: "", expiresAt: 0 } }), { mode: 0o600 });
    const h = harness();
    await start(h);
    expect(h.service.status().state).toBe("needs-login");
    expect(h.endpoint.requests).toHaveLength(0);
  });

  it("5xx -> state retrying with growing back-off, then recovers (and the metrics counters say so)", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const counters = newCounters();
    const h = harness({ live: login.refresh, counting: counting(counters) });
    const fail = (): RawAnswer => ({ status: 502, headers: new Headers(), body: "<html>Bad gateway</html>" });
    h.endpoint.script.push(fail, fail);
    await start(h);
    expect(h.endpoint.requests).toHaveLength(1);
    let s = h.service.status();
    expect(s.state).toBe("retrying");
    expect(s.lastError?.code).toBe("server_error");
    const firstDelay = (s.retryAt ?? 0) - h.clock.now();
    expect(firstDelay).toBeGreaterThanOrEqual(2_500);
    expect(firstDelay).toBeLessThanOrEqual(5_000);
    expect(h.lines("warn").some((l) => l.startsWith("Token refresh failed: Token endpoint failed (HTTP 502)") && l.includes("valid for 30 more minutes"))).toBe(true);

    await h.clock.advance(firstDelay - 1);
    expect(h.endpoint.requests).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.endpoint.requests).toHaveLength(2);
    s = h.service.status();
    expect(s.state).toBe("retrying");
    const secondDelay = (s.retryAt ?? 0) - h.clock.now();
    expect(secondDelay).toBeGreaterThan(firstDelay);

    await h.clock.advance(secondDelay);
    expect(h.endpoint.requests).toHaveLength(3);
    s = h.service.status();
    expect(s.state).toBe("ok");
    expect(s.retryAt).toBeUndefined();
    expect(s.lastError).toBeUndefined();
    expect((await readCredentialsFile(file)).oauth.refreshToken).toBe(h.endpoint.live);
    expect([counters.refreshAttempts, counters.refreshSuccesses, Object.fromEntries(counters.refreshFailures)]).toEqual([3, 1, { server_error: 2 }]);
  });

  it("a server that echoes the refresh token in its error body does not get it into the log", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const h = harness({ live: login.refresh });
    h.endpoint.script.push(() => ({ status: 500, headers: new Headers(), body: `internal error while handling refresh_token=${login.refresh}` }));
    h.endpoint.script.push(() => ({ status: 400, headers: new Headers(), body: JSON.stringify({ error: "invalid_grant", error_description: `token ${login.refresh} not found` }) }));
    await start(h);
    await h.clock.advance((h.service.status().retryAt ?? 0) - h.clock.now());
    expect(h.endpoint.requests).toHaveLength(2);
    expect(h.service.status().state).toBe("needs-login");
    const all = h.lines().join("\n");
    expect(all).toContain("[REDACTED]");
    expect(all).not.toContain(login.refresh);
    expect(all).not.toContain(login.access);
    expect(JSON.stringify(h.service.status())).not.toContain(login.refresh);
  });

  it("429 with Retry-After -> waits at least that long", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const h = harness({ live: login.refresh });
    h.endpoint.script.push(() => ({ status: 429, headers: new Headers({ "retry-after": "120" }), body: "" }));
    await start(h);
    const s = h.service.status();
    expect(s.state).toBe("retrying");
    expect(s.retryAt).toBe(T0 + 120_000);
    await h.clock.advance(119_000);
    expect(h.endpoint.requests).toHaveLength(1);
    await h.clock.advance(1_000);
    expect(h.endpoint.requests).toHaveLength(2);
    expect(h.service.status().state).toBe("ok");
  });

  it("an unknown outcome -> outcome-unknown: that token is POSTed once more only at OpenClaw's cut-off (the last resort; refused here: the server had rotated), never after a restart; a new token in the file resumes", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const sent: Alert[] = [];
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const h = harness({ live: login.refresh, alert: async (a) => void sent.push(a), alertLedger: ledger });
    // The server rotates, the answer never arrives (a timeout, a connection lost mid-request).
    h.endpoint.script.push(() => {
      h.endpoint.live = "sk-ant-ort01-FAKE-rotated-but-lost-xxxxxxxxxxxxxxxx";
      throw new PluginError("outcome_unknown", "Token endpoint did not answer within 15 s; the server may or may not have rotated the refresh token.");
    });
    await start(h);
    expect(h.endpoint.requests).toHaveLength(1);
    let s = h.service.status();
    expect(s.state).toBe("outcome-unknown");
    expect(s.lastError?.code).toBe("outcome_unknown");
    expect(s.retryAt).toBeUndefined();
    expect(s.nextRefreshAt, "only the last resort, when OpenClaw stops using the access token").toBe(T0 + 25 * MINUTE);
    expect(h.lines("error").filter((l) => l.includes("will not send that refresh token again"))).toHaveLength(1);
    expect(sent.map((a) => a.kind)).toEqual(["refresh-outcome-unknown"]);
    await h.service.refreshNow({ force: true });
    expect(h.endpoint.requests, "no reuse while the access token is good, forced or not").toHaveLength(1);

    // Hours pass: at the cut-off the one last-resort probe; the server had rotated, so it is refused.
    await h.clock.advance(3 * 60 * MINUTE);
    expect(h.endpoint.requests).toHaveLength(2);
    expect(h.service.status().state).toBe("needs-login");
    await h.service.refreshNow({ force: true });
    expect(h.endpoint.requests).toHaveLength(2);
    await h.service.stop();

    // A restart (a new process) does not send it either (the ledger knows it was refused), nor alert again.
    const again = harness({ live: h.endpoint.live, alert: async (a) => void sent.push(a), alertLedger: ledger });
    await start(again);
    expect(again.endpoint.requests).toHaveLength(0);
    s = again.service.status();
    expect(s.state).toBe("needs-login");
    expect(sent.map((a) => a.kind)).toEqual(["refresh-outcome-unknown", "needs-login"]);

    // Claude Code refreshed the file, or the owner logged in again: refreshing resumes.
    const fresh = await writeLogin(again.clock.now() + 30 * MINUTE, "new-login");
    again.endpoint.live = fresh.refresh;
    await again.clock.advance(MINUTE);
    expect(again.lines("info")).toContain(`Credentials file ${file} has a new login; resuming.`);
    expect(again.endpoint.requests.map((r) => r.request.body.refresh_token)).toEqual([fresh.refresh]);
    expect(again.service.status().state).toBe("ok");
  });

  it("an unknown outcome that never reached the server: the one last-resort probe at the cut-off keeps the login, no human needed", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const sent: Alert[] = [];
    const h = harness({ live: login.refresh, alert: async (a) => void sent.push(a), alertLedger: new AlertLedger(path.join(dir, "alerts.json")) });
    // A timeout before the server did anything: the refresh token is still the live one.
    h.endpoint.script.push(() => {
      throw new PluginError("outcome_unknown", "Token endpoint did not answer within 15 s; the server may or may not have rotated the refresh token.");
    });
    await start(h);
    expect(h.service.status().state).toBe("outcome-unknown");
    await h.clock.advance(20 * MINUTE);
    expect(h.endpoint.requests, "nothing while the access token is still used").toHaveLength(1);
    await h.clock.advance(6 * MINUTE);
    expect(h.endpoint.requests.map((r) => r.request.body.refresh_token)).toEqual([login.refresh, login.refresh]);
    expect(h.service.status().state).toBe("ok");
    expect(sent.map((a) => a.kind)).toEqual(["refresh-outcome-unknown"]);
  });

  it("an edge refusal (HTML 403, Retry-After) -> retrying, said as what it is, Retry-After honoured, never needs-login", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const h = harness({ live: login.refresh });
    h.endpoint.script.push(() => ({ status: 403, headers: new Headers({ "content-type": "text/html", "retry-after": "90" }), body: "<!DOCTYPE html><html><title>Just a moment...</title></html>" }));
    await start(h);
    const s = h.service.status();
    expect(s.state).toBe("retrying");
    expect(s.lastError?.code).toBe("edge_refused");
    expect(s.retryAt).toBeGreaterThanOrEqual(T0 + 90_000);
    expect(h.lines("warn").some((l) => l.startsWith("Token refresh failed: Anthropic's edge refused the request: HTTP 403, HTML page; nothing was spent."))).toBe(true);
    await h.clock.advance((s.retryAt ?? 0) - h.clock.now());
    expect(h.endpoint.requests.map((r) => r.request.body.refresh_token)).toEqual([login.refresh, login.refresh]);
    expect(h.service.status().state).toBe("ok");
  });

  it("write fails -> the new tokens are kept in memory and published; the retry saves them without a POST", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    let writeFails = true;
    const h = harness({
      live: login.refresh,
      refresh: {
        write: async (p, doc, indent) => {
          if (writeFails) throw new PluginError("persist_failed", `Could not save the credentials file ${p} (ENOSPC): the disk is full: free some space.`);
          await writeCredentialsFile(p, doc, indent);
        },
      },
    });
    await start(h);
    expect(h.endpoint.requests).toHaveLength(1);
    const s = h.service.status();
    expect(s.unsavedTokens).toBe(true);
    expect(h.lines("error").some((l) => l.startsWith("Token refreshed, but NOT saved"))).toBe(true);
    expect(h.publisher.published.at(-1)?.accessToken).not.toBe(login.access);
    expect((await readCredentialsFile(file)).oauth.refreshToken).toBe(login.refresh);

    writeFails = false;
    await h.clock.advance((s.retryAt ?? 0) - h.clock.now());
    expect(h.endpoint.requests).toHaveLength(1);
    expect(h.service.status().unsavedTokens).toBe(false);
    expect((await readCredentialsFile(file)).oauth.refreshToken).toBe(h.endpoint.live);
  });
  it("a write that keeps failing is retried with growing back-off", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const h = harness({
      live: login.refresh,
      refresh: {
        write: async (p) => {
          throw new PluginError("persist_failed", `Could not save the credentials file ${p} (ENOSPC): the disk is full: free some space.`);
        },
      },
    });
    await start(h);
    const first = (h.service.status().retryAt ?? 0) - h.clock.now();
    await h.clock.advance(first);
    const second = (h.service.status().retryAt ?? 0) - h.clock.now();
    expect(h.endpoint.requests).toHaveLength(1);
    expect(second).toBeGreaterThan(first);
  });

  it("a failed publish is retried on a later tick", async () => {
    const login = await writeLogin(T0 + 300 * MINUTE);
    const h = harness({ live: login.refresh });
    h.publisher.fail = true;
    await start(h);
    expect(h.publisher.published).toHaveLength(0);
    expect(h.lines("warn").some((l) => l.startsWith("Could not publish the token to OpenClaw"))).toBe(true);
    h.publisher.fail = false;
    await h.clock.advance(MINUTE);
    expect(h.publisher.published.map((p) => p.accessToken)).toEqual([login.access]);
  });
});

describe("RefreshService refreshNow and stop", () => {
  it("concurrent refreshNow callers share one POST", async () => {
    const login = await writeLogin(T0 + 300 * MINUTE);
    const h = harness({ live: login.refresh });
    await start(h);
    const gate = deferred<void>();
    h.endpoint.gate = gate.promise;
    const a = h.service.refreshNow({ force: true });
    const b = h.service.refreshNow({ force: true });
    const c = h.service.refreshNow();
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(h.service.status().state).toBe("refreshing");
    await settle();
    gate.resolve();
    const reports = await Promise.all([a, b, c]);
    expect(h.endpoint.requests).toHaveLength(1);
    for (const r of reports) expect(r.kind).toBe("refreshed");
    expect(h.service.status().state).toBe("ok");
    // a later call starts a new refresh
    const d = await h.service.refreshNow();
    expect(d.kind).toBe("not-due");
    expect(h.endpoint.requests).toHaveLength(1);
  });

  it("stop() clears every timer and is idempotent", async () => {
    await writeLogin(T0 + 300 * MINUTE);
    const h = harness();
    await start(h);
    expect(h.clock.pending).toBeGreaterThan(0);
    await h.service.stop();
    expect(h.clock.pending).toBe(0);
    expect(h.service.status().state).toBe("stopped");
    const linesBefore = h.logs.length;
    await h.service.stop();
    expect(h.clock.pending).toBe(0);
    expect(h.logs.length).toBe(linesBefore);
    await h.clock.advance(120 * MINUTE);
    expect(h.logs.length).toBe(linesBefore);
  });

  it("stop() during a refresh waits for the new tokens to be saved, then leaves no timers", async () => {
    const login = await writeLogin(T0 - MINUTE);
    const h = harness({ live: login.refresh });
    const gate = deferred<void>();
    h.endpoint.gate = gate.promise;
    await start(h);
    expect(h.endpoint.requests).toHaveLength(1);
    let stopped = false;
    const stopping = h.service.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    await settle();
    expect((await readCredentialsFile(file)).oauth.refreshToken).toBe(h.endpoint.live);
    expect(h.clock.pending).toBe(0);
    expect(h.service.status().state).toBe("stopped");
  });
  it("nothing is POSTed after stop() has returned", async () => {
    const login = await writeLogin(T0 + 300 * MINUTE);
    const h = harness({ live: login.refresh });
    await start(h);
    h.clock.jumpWall(301 * MINUTE); // the token is now expired
    h.clock.fireNext(); // the probe tick starts (reads the file)...
    await h.service.stop(); // ...and the gateway stops meanwhile
    await settle();
    expect(h.endpoint.requests).toHaveLength(0);
  });

  it("a missing-file service stops cleanly too", async () => {
    const h = harness();
    await start(h);
    await h.service.stop();
    expect(h.clock.pending).toBe(0);
  });
});

describe("RefreshService and the wall clock", () => {
  it("a jump forward past expiry triggers a refresh on the next probe", async () => {
    const login = await writeLogin(T0 + 300 * MINUTE);
    const h = harness({ live: login.refresh });
    await start(h);
    h.clock.jumpWall(301 * MINUTE);
    expect(h.endpoint.requests).toHaveLength(0);
    await h.clock.advance(MINUTE);
    expect(h.endpoint.requests).toHaveLength(1);
    expect(h.lines("warn").some((l) => l.startsWith("Clock jumped or the machine was suspended"))).toBe(true);
    expect(h.service.status().state).toBe("ok");
  });
  it("after a jump back, the periodic check still comes within one interval", async () => {
    await writeLogin(T0 + 600 * MINUTE);
    const h = harness();
    await start(h);
    const validLines = () => h.lines("info").filter((l) => l.startsWith("Token still valid for")).length;
    expect(validLines()).toBe(1);
    h.clock.jumpWall(-120 * MINUTE);
    // The jump itself is noticed at the next probe and checked at once...
    await h.clock.advance(2 * MINUTE);
    expect(validLines()).toBe(2);
    // ...and the periodic check keeps its interval from there, not from the old wall time.
    await h.clock.advance(30 * MINUTE);
    expect(validLines()).toBe(3);
  });
});

describe("RefreshService alerts before the login ends", () => {
  const DAY = 24 * 60 * MINUTE;

  async function writeEndingLogin(loginEndsAt: number, expiresAt = T0 + 300 * MINUTE): Promise<string> {
    const refresh = token("ort01", `ending-refresh-${loginEndsAt}`);
    const doc = { claudeAiOauth: { accessToken: token("oat01", `ending-access-${loginEndsAt}`), refreshToken: refresh, expiresAt, refreshTokenExpiresAt: loginEndsAt } };
    await fs.writeFile(file, JSON.stringify(doc), { mode: 0o600 });
    return refresh;
  }

  it("warns once at 3 days, not again after a restart, then once at 1 day", async () => {
    await writeEndingLogin(T0 + 2.5 * DAY);
    const sent: Alert[] = [];
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const h = harness({ alert: async (a) => void sent.push(a), alertLedger: ledger });
    await start(h);
    expect(sent.map((a) => [a.kind, a.daysLeft])).toEqual([["login-ending", 2.5]]);
    expect(h.lines("warn").filter((l) => l.startsWith("The Claude login ends in 2.5 days"))).toHaveLength(1);
    expect(sent[0]?.message).toContain("openclaw claude-oauth login");
    await h.clock.advance(60 * MINUTE);
    expect(sent).toHaveLength(1);
    await h.service.stop();

    // A restarted gateway remembers what it already said.
    const again = harness({ alert: async (a) => void sent.push(a), alertLedger: ledger });
    await start(again);
    expect(sent).toHaveLength(1);
    await again.service.stop();

    // 1.6 days later (0.9 days left): the last warning.
    const later = harness({ alert: async (a) => void sent.push(a), alertLedger: ledger });
    later.clock.wall = T0 + 1.6 * DAY;
    await writeEndingLogin(T0 + 2.5 * DAY, T0 + 1.6 * DAY + 300 * MINUTE);
    await start(later);
    expect(sent.map((a) => [a.kind, a.daysLeft])).toEqual([["login-ending", 2.5], ["login-ending", 0.9]]);
    for (const a of sent) expect(JSON.stringify(a)).not.toMatch(/sk-ant-/);
  });

  it("says the days left rounded down, as every status surface does: 2.96 days reads 2.9, never 3", async () => {
    await writeEndingLogin(T0 + 2.96 * DAY);
    const sent: Alert[] = [];
    const h = harness({ alert: async (a) => void sent.push(a), alertLedger: new AlertLedger(path.join(dir, "alerts.json")) });
    await start(h);
    expect(sent.map((a) => a.daysLeft)).toEqual([2.9]);
    expect(sent[0]?.message).toContain("ends in 2.9 days");
    await h.service.stop();
  });

  it("a new login (another end date) starts the warnings over", async () => {
    const sent: Alert[] = [];
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    await ledger.write({ loginEndsAt: T0 + 1 * DAY, warned: [3, 1] });
    await writeEndingLogin(T0 + 2 * DAY);
    const h = harness({ alert: async (a) => void sent.push(a), alertLedger: ledger });
    await start(h);
    expect(sent.map((a) => a.daysLeft)).toEqual([2]);
  });

  it("invalid_grant sends the needs-login alert once, also across a restart", async () => {
    const login = await writeLogin(T0 + 10 * MINUTE);
    const sent: Alert[] = [];
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const h = harness({ live: "not-" + login.refresh, alert: async (a) => void sent.push(a), alertLedger: ledger });
    await start(h);
    await h.clock.advance(5 * MINUTE);
    expect(h.service.status().state).toBe("needs-login");
    expect(sent.map((a) => a.kind)).toEqual(["needs-login"]);
    expect(sent[0]?.message).toContain("openclaw claude-oauth login");
    await h.service.stop();
    const again = harness({ live: "not-" + login.refresh, alert: async (a) => void sent.push(a), alertLedger: ledger });
    await start(again);
    await again.clock.advance(5 * MINUTE);
    expect(again.service.status().state).toBe("needs-login");
    expect(sent).toHaveLength(1);
  });
});

describe("RefreshService usage checks", () => {
  it("reads usage with the token in service at start and right after each refresh, and never lets it touch the refresh", async () => {
    const login = await writeLogin(T0 + 66 * MINUTE);
    const seen: Array<{ at: number; bearer: string | undefined }> = [];
    const h = harness({
      live: login.refresh,
      config: { usageCheckMinutes: 10 },
      usageGet: async (request) => {
        seen.push({ at: h.clock.now(), bearer: request.headers.authorization });
        // The usage endpoint fails every other time: refreshing must not notice.
        return seen.length % 2 === 0 ? { status: 500, headers: new Headers(), body: "" } : { status: 200, headers: new Headers(), body: JSON.stringify({ five_hour: { utilization: 40, resets_at: null } }) };
      },
    });
    await start(h);
    await h.clock.advance(0);
    expect(seen).toEqual([{ at: T0, bearer: `Bearer ${login.access}` }]);
    expect(h.service.status().usage?.usage?.windows.fiveHour?.utilization).toBe(40);
    await h.clock.advance(MINUTE + 1);
    // the refresh (due at expiry - 65 min) ran, and the new token was checked within a minute
    expect(h.endpoint.requests).toHaveLength(1);
    const fresh = h.publisher.published.at(-1)?.accessToken;
    expect(fresh).not.toBe(login.access);
    await h.clock.advance(MINUTE);
    expect(seen.at(-1)?.bearer).toBe(`Bearer ${fresh}`);
    expect(h.service.status().state).toBe("ok");
    expect(h.lines("warn").filter((l) => l.startsWith("Usage unavailable"))).toHaveLength(1);
  });

  it("no usage request while the login needs a new login", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    let requests = 0;
    const h = harness({ live: "someone-else", config: { usageCheckMinutes: 10 }, usageGet: async () => ((requests += 1), { status: 200, headers: new Headers(), body: "{}" }) });
    void login;
    await start(h);
    await h.clock.advance(MINUTE);
    expect(h.service.status().state).toBe("needs-login");
    const before = requests;
    await h.clock.advance(30 * MINUTE);
    expect(requests).toBe(before);
    expect(h.service.status().usage?.error?.code).toBe("no-token");
  });
});

describe("RefreshService alert: refreshes failing and the token expires within 30 minutes", () => {
  const serverError = (): RawAnswer => ({ status: 503, headers: new Headers(), body: JSON.stringify({ type: "error", error: { type: "api_error", message: "overloaded" } }) });

  it("sends one alert per access token once under 30 minutes are left, none while more is left", async () => {
    const login = await writeLogin(T0 + 50 * MINUTE);
    const sent: Alert[] = [];
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const h = harness({ live: login.refresh, alert: async (a) => void sent.push(a), alertLedger: ledger });
    h.endpoint.script = Array.from({ length: 200 }, () => serverError);
    await start(h);
    // Due at once (50 min left < 60 min margin): failures with 50..31 minutes left send nothing.
    await h.clock.advance(19 * MINUTE);
    expect(h.endpoint.requests.length).toBeGreaterThan(1);
    expect(sent).toEqual([]);
    // The first failure with under 30 minutes left alerts; later failures do not.
    await h.clock.advance(15 * MINUTE);
    expect(sent.map((a) => a.kind)).toEqual(["token-expiring"]);
    expect(sent[0]?.message).toMatch(/^Claude token refreshes keep failing \(.*\) and the access token expires in \d+ minutes/);
    expect(sent[0]?.message).toContain("/claude refresh");
    expect(JSON.stringify(sent)).not.toMatch(/sk-ant-/);
    expect((await ledger.read()).expiringFor).toMatch(/^[0-9a-f]{16}$/);
    await h.service.stop();

    // A restart with the same token does not repeat it.
    const again = harness({ live: login.refresh, alert: async (a) => void sent.push(a), alertLedger: ledger });
    again.clock.wall = T0 + 40 * MINUTE;
    again.endpoint.script = Array.from({ length: 50 }, () => serverError);
    await start(again);
    await again.clock.advance(5 * MINUTE);
    expect(again.endpoint.requests.length).toBeGreaterThan(0);
    expect(sent).toHaveLength(1);
  });

  it("status carries the last alert from the ledger, with where it went and whether it arrived", async () => {
    await writeLogin(T0 + 300 * MINUTE);
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    await ledger.write({ warned: [], lastAlert: { kind: "needs-login", at: T0 - MINUTE, message: "m", targets: ["telegram:1"], deliveredTo: ["telegram:1"], delivered: true } });
    const h = harness({ alertLedger: ledger });
    await start(h);
    expect(h.service.status().lastAlert).toEqual({ kind: "needs-login", at: T0 - MINUTE, delivered: true, targets: ["telegram:1"] });
  });
});

describe("RefreshService events (status and dashboard)", () => {
  it("records a failed refresh and why, the refresh that worked, the login's end and the alert, newest first, with no token", async () => {
    const login = await writeLogin(T0 + 30 * MINUTE);
    const sent: Alert[] = [];
    const h = harness({ live: login.refresh, alert: async (a) => void sent.push(a), alertLedger: new AlertLedger(path.join(dir, "alerts.json")) });
    h.endpoint.script.push(() => ({ status: 502, headers: new Headers(), body: "<html>Bad gateway</html>" }));
    await start(h);
    await h.clock.advance((h.service.status().retryAt ?? 0) - h.clock.now());
    expect(h.service.status().state).toBe("ok");
    const rotated = h.endpoint.live;
    h.endpoint.script.push(() => ({ status: 400, headers: new Headers(), body: JSON.stringify({ error: "invalid_grant", error_description: `token ${rotated} not found` }) }));
    await h.service.refreshNow({ force: true });
    // The needs-login alert goes out in the background (ledger on disk first).
    for (let i = 0; i < 200 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    const events = h.service.status().events ?? [];
    expect(events.map((e) => e.kind)).toEqual(["alert-sent", "needs-login", "refreshed", "refresh-failed"]);
    expect(events[3]?.message).toMatch(/^Refresh failed: Token endpoint failed \(HTTP 502\)/);
    expect(events[2]?.message).toMatch(/^Token refreshed; valid for \d+ minutes/);
    expect(events.every((e, i) => i === 0 || (events[i - 1]?.at ?? 0) >= e.at)).toBe(true);
    const text = JSON.stringify(events);
    for (const t of [login.refresh, login.access, rotated ?? ""]) if (t) expect(text).not.toContain(t);
    expect(text).not.toMatch(/sk-ant-o[ar]t01-/);
  });
});
