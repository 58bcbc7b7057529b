import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// No gateway in a unit test: every command does the work itself, as on a server with none running.
vi.mock("../openclaw/gateway-client.js", () => ({ callPluginMethod: async () => ({ reachable: false, reason: "not reachable (unit test)" }) }));

// OpenClaw's auth store needs Node 24; these tests are about the credentials file.
vi.mock("../openclaw/publish.js", () => ({ createOpenClawPublisher: () => ({ publish: async () => undefined, unpublish: async () => undefined, applyRanking: async () => undefined }), withoutProfile: <T>(p: T) => p }));

const { refreshCommand, reportExit, statusCommand, logoutCommand, importCommand, loginCommand } = await import("./commands.js");

let dir: string;
let out: string[];
const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t), stdin: process.stdin };

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-cmd-"));
  out = [];
  vi.stubEnv("OPENCLAW_STATE_DIR", dir);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await fs.rm(dir, { recursive: true, force: true });
});

describe("refresh exit codes (0 healthy, 1 attention, 2 broken), as status has them", () => {
  it("a missing credentials file: exit 2", async () => {
    const code = await refreshCommand({ credentialsPath: path.join(dir, "missing.json") }, {}, io);
    expect(out.join("\n")).toMatch(/not found/i);
    expect(code).toBe(2);
  });

  it("a broken credentials file: exit 2, the file untouched", async () => {
    const file = path.join(dir, "creds.json");
    await fs.writeFile(file, "{ not json", { mode: 0o600 });
    const code = await refreshCommand({ credentialsPath: file }, { force: true }, io);
    expect(code).toBe(2);
    expect(await fs.readFile(file, "utf8")).toBe("{ not json");
  });

  it("a file Claude Code blanked after its login ended: exit 2 (needs a login)", async () => {
    const file = path.join(dir, ".credentials.json");
    await fs.writeFile(file, JSON.stringify({ claudeAiOauth: { accessToken: "", refreshToken: "", expiresAt: 0, scopes: ["user:inference"] } }), { mode: 0o600 });
    const code = await refreshCommand({ credentialsPath: file }, { force: true }, io);
    expect(out.join("\n")).toMatch(/Log in again/);
    expect(code).toBe(2);
  });

  it("a token endpoint that cannot be reached: exit 1 (it will retry), not 2", async () => {
    const file = path.join(dir, "creds.json");
    await fs.writeFile(file, JSON.stringify({ claudeAiOauth: { accessToken: "a".repeat(30), refreshToken: "r".repeat(30), expiresAt: Date.now() + 60_000 } }), { mode: 0o600 });
    // Port 9 (discard) on loopback: nothing listens, the connection is refused before sending.
    const code = await refreshCommand({ credentialsPath: file, tokenUrl: "http://127.0.0.1:9/v1/oauth/token" }, { force: true }, io);
    expect(code).toBe(1);
  });

  it("reportExit: success is 0 whatever the state", () => {
    const status = { state: "ok" as const, credentialsPath: "/x", profileId: "p", unsavedTokens: false };
    expect(reportExit({ kind: "refreshed", status })).toBe(0);
    expect(reportExit({ kind: "failed", status: { ...status, state: "retrying" } })).toBe(1);
    // The gateway still serves a token, but the file vanished: broken all the same.
    expect(reportExit({ kind: "failed", status: { ...status, lastError: { code: "credentials_missing", message: "m" } } })).toBe(2);
  });
});

describe("status with no gateway", () => {
  const login = (hours: number) => JSON.stringify({ claudeAiOauth: { accessToken: `sk-ant-oat01-FAKE-${"a".repeat(30)}`, refreshToken: `sk-ant-ort01-FAKE-${"r".repeat(30)}`, expiresAt: Date.now() + hours * 3600_000 } });

  it("each account's place is the order agents use (order.json), and the top-level health and the exit code are the worst account's", async () => {
    const pluginDir = path.join(dir, "claude-oauth-refresh");
    await fs.mkdir(path.join(pluginDir, "accounts"), { recursive: true, mode: 0o700 });
    const defaultFile = path.join(dir, "default-creds.json");
    await fs.writeFile(defaultFile, login(5), { mode: 0o600 });
    await fs.writeFile(path.join(pluginDir, "accounts", "work.json"), login(-1), { mode: 0o600 });
    await fs.writeFile(path.join(pluginDir, "accounts", "home.json"), login(6), { mode: 0o600 });
    await fs.writeFile(path.join(pluginDir, "order.json"), JSON.stringify({ order: ["home", "default", "work"] }));
    const code = await statusCommand({ credentialsPath: defaultFile, usageCheckMinutes: 0 }, { json: true }, io);
    const s = JSON.parse(out.join("\n")) as { health: string; state: string; accounts: Array<{ name: string; place: number; health: string }> };
    expect(s.accounts.map((a) => [a.name, a.place, a.health])).toEqual([
      ["default", 2, "healthy"],
      ["home", 1, "healthy"],
      ["work", 3, "broken"],
    ]);
    expect(s.state).toBe("ok");
    expect(s.health).toBe("broken");
    expect(code).toBe(2);
    out = [];
    expect(await statusCommand({ credentialsPath: defaultFile, usageCheckMinutes: 0 }, { json: true, account: "default" }, io)).toBe(0);
    expect((JSON.parse(out.join("\n")) as { health: string }).health).toBe("healthy");
  });
});

describe("status --check with no gateway: one line, OpenClaw's check codes (0 ok, 1 broken, 2 attention)", () => {
  const DAY = 86_400_000;
  const login = (loginEndsIn: number) => JSON.stringify({ claudeAiOauth: { accessToken: "a".repeat(30), refreshToken: "r".repeat(30), expiresAt: Date.now() + 3 * 3600_000, refreshTokenExpiresAt: Date.now() + loginEndsIn } });

  it("ok: exit 0; a login ending in 2 days: exit 2; no credentials: exit 1 (plain status: 0, 1, 2)", async () => {
    const file = path.join(dir, "creds.json");
    await fs.writeFile(file, login(20 * DAY), { mode: 0o600 });
    const config = { credentialsPath: file, usageCheckMinutes: 0 };
    expect(await statusCommand(config, { check: true }, io)).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^OK claude-oauth: login ends in 19\.9 days$/)]);
    await fs.writeFile(file, login(2 * DAY), { mode: 0o600 });
    out = [];
    expect(await statusCommand(config, { check: true }, io)).toBe(2);
    expect(out).toEqual([expect.stringMatching(/^WARNING claude-oauth: login ends in 1\.9 days$/)]);
    expect(await statusCommand(config, {}, io), "plain status: 1 for attention").toBe(1);
    await fs.rm(file);
    out = [];
    expect(await statusCommand(config, { check: true }, io)).toBe(1);
    // stdout carries the one line; the reason for the operator goes to stderr as always.
    expect(out.filter((l) => !l.startsWith("error: "))).toEqual(["CRITICAL claude-oauth: no credentials, log in"]);
    expect(await statusCommand(config, {}, io), "plain status: 2 for broken").toBe(2);
  });
});

describe("logout and Claude Code's own file (issue 16, item 3)", () => {
  const login = JSON.stringify({ claudeAiOauth: { accessToken: "a".repeat(30), refreshToken: "r".repeat(30), expiresAt: Date.now() + 3_600_000 } });

  it("a .credentials.json is Claude Code's login: logout keeps it, says so, and names the flag that deletes it", async () => {
    await fs.mkdir(path.join(dir, "claude"), { mode: 0o700 });
    const file = path.join(dir, "claude", ".credentials.json");
    await fs.writeFile(file, login, { mode: 0o600 });
    expect(await logoutCommand({ credentialsPath: file }, {}, io)).toBe(0);
    expect(await fs.readFile(file, "utf8")).toBe(login);
    const text = out.join("\n");
    expect(text).toContain(`kept ${file}: it is Claude Code's own login, and Claude Code stays logged in`);
    expect(text).toContain("openclaw claude-oauth logout --delete-credentials");
    out = [];
    expect(await logoutCommand({ credentialsPath: file }, { deleteCredentials: true }, io)).toBe(0);
    await expect(fs.stat(file)).rejects.toMatchObject({ code: "ENOENT" });
    expect(out.join("\n")).toMatch(/deleted .*Claude Code on this machine is logged out too/);
  });

  it("the plugin's own file is deleted as before, unless --keep-credentials; both flags at once are refused", async () => {
    const file = path.join(dir, "claude-credentials.json");
    await fs.writeFile(file, login, { mode: 0o600 });
    expect(await logoutCommand({ credentialsPath: file }, { keepCredentials: true, deleteCredentials: true }, io)).toBe(2);
    expect(await logoutCommand({ credentialsPath: file }, { keepCredentials: true }, io)).toBe(0);
    expect(await fs.readFile(file, "utf8")).toBe(login);
    expect(await logoutCommand({ credentialsPath: file }, {}, io)).toBe(0);
    await expect(fs.stat(file)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("an account whose profile is the config's profileId is refused (issue 16, item 6)", () => {
  it("import --account work and login --account work with profileId anthropic:subscription-work: refused before anything is written", async () => {
    const source = path.join(dir, "pc.json");
    await fs.writeFile(source, JSON.stringify({ claudeAiOauth: { accessToken: "a".repeat(30), refreshToken: "r".repeat(30), expiresAt: Date.now() + 3_600_000 } }), { mode: 0o600 });
    const config = { profileId: "anthropic:subscription-work" };
    await expect(importCommand(config, source, io, { account: "work" })).rejects.toMatchObject({ code: "config_invalid", message: expect.stringMatching(/Account "work" would use OpenClaw profile anthropic:subscription-work, which the config's profileId already gives the default account/) });
    await expect(loginCommand(config, io, { account: "work" })).rejects.toMatchObject({ code: "config_invalid" });
    await expect(fs.stat(path.join(dir, "claude-oauth-refresh", "accounts", "work.json"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(out.join("\n")).not.toContain("Open this URL");
    // Another name is fine.
    expect(await importCommand(config, source, io, { account: "home" })).toBe(0);
    // And once account "home" exists, a profileId naming it is refused for every command.
    await expect(refreshCommand({ profileId: "anthropic:subscription-home" }, {}, io)).rejects.toMatchObject({ code: "config_invalid", message: expect.stringContaining('the account "home"') });
  });
});
