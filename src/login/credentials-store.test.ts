import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCredentialsFile } from "./credentials.js";
import { defaultStoreDeps, deleteCredentials, saveDocument, saveLogin, type StoreDeps } from "./credentials-store.js";
import { acquireLock } from "./lock.js";

const ACCESS = "sk-ant-oat01-FAKE-store-access-aaaaaaaaaaaaaaaaaaaa";
const REFRESH = "sk-ant-ort01-FAKE-store-refresh-aaaaaaaaaaaaaaaaaaa";
const NEW_ACCESS = "sk-ant-oat01-FAKE-store-access-bbbbbbbbbbbbbbbbbbbb";
const NEW_REFRESH = "sk-ant-ort01-FAKE-store-refresh-bbbbbbbbbbbbbbbbbbb";

let dir: string;
let file: string;
let deps: StoreDeps;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-store-"));
  file = path.join(dir, "claude-credentials.json");
  deps = { ...defaultStoreDeps({ credentialsPath: file }), refreshLockOptions: { staleMs: 10_000, waitMs: 200 } };
});

afterEach(() => fs.rm(dir, { recursive: true, force: true }));

const doc = (accessToken: string, refreshToken: string) => ({ claudeAiOauth: { accessToken, refreshToken, expiresAt: 1_767_225_600_000, scopes: ["user:inference"] }, mcpOAuth: { keep: true } });

describe("credentials store (the file's one writer)", () => {
  it("import: saves the document as given, mode 0600, its indent kept", async () => {
    await saveDocument(deps, doc(ACCESS, REFRESH), "\t");
    const read = await readCredentialsFile(file);
    expect(read.oauth.refreshToken).toBe(REFRESH);
    expect(read.indent).toBe("\t");
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it("login: replaces the login and keeps the file's other keys", async () => {
    await saveDocument(deps, doc(ACCESS, REFRESH), "  ");
    await saveLogin(deps, { accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: 1_767_229_200_000 });
    const read = await readCredentialsFile(file);
    expect(read.oauth).toMatchObject({ accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH });
    expect(read.document.mcpOAuth).toEqual({ keep: true });
  });

  it("login: writes a new file when there is none", async () => {
    await saveLogin(deps, { accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: 1_767_229_200_000 });
    expect((await readCredentialsFile(file)).oauth.refreshToken).toBe(NEW_REFRESH);
  });

  it("delete: removes the file; a missing file is fine", async () => {
    await saveDocument(deps, doc(ACCESS, REFRESH), "  ");
    await deleteCredentials(deps);
    await expect(fs.stat(file)).rejects.toMatchObject({ code: "ENOENT" });
    await deleteCredentials(deps);
  });

  it("every change waits for the refresh lock a refresher holds", async () => {
    const release = await acquireLock(deps.lockPlan.refreshLocks[0] as string, { staleMs: 10_000, waitMs: 1_000 });
    try {
      await expect(saveDocument(deps, doc(ACCESS, REFRESH), "  ")).rejects.toMatchObject({ code: "lock_busy" });
      await expect(deleteCredentials(deps)).rejects.toMatchObject({ code: "lock_busy" });
    } finally {
      await release();
    }
    await fs.stat(file).then(
      () => expect.unreachable("written while locked"),
      () => undefined,
    );
  });
});

describe("native-login mode: a login saved into Claude Code's own file", () => {
  it("takes Claude Code's locks (a held write lock blocks it) and keeps Claude Code's other keys", async () => {
    const configDir = path.join(dir, ".claude");
    await fs.mkdir(configDir, { mode: 0o700 });
    const ccFile = path.join(configDir, ".credentials.json");
    await fs.writeFile(ccFile, JSON.stringify(doc(ACCESS, REFRESH)), { mode: 0o600 });
    const cc: StoreDeps = { ...defaultStoreDeps({ credentialsPath: ccFile }), refreshLockOptions: { staleMs: 10_000, waitMs: 200 }, writeLockOptions: { staleMs: 10_000, waitMs: 200 } };
    expect(cc.lockPlan.protocol).toBe("claude-code");
    const tokens = { accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH, expiresAt: 1_767_254_400_000 };

    const held = await acquireLock(path.join(configDir, ".storage-write.lock"), { staleMs: 10_000, waitMs: 1_000 });
    try {
      await expect(saveLogin(cc, tokens)).rejects.toMatchObject({ code: "lock_busy" });
    } finally {
      await held();
    }
    expect((await readCredentialsFile(ccFile)).oauth.accessToken).toBe(ACCESS);

    await saveLogin(cc, tokens);
    const saved = JSON.parse(await fs.readFile(ccFile, "utf8")) as { claudeAiOauth: { accessToken: string; refreshToken: string }; mcpOAuth?: unknown };
    expect(saved.claudeAiOauth).toMatchObject({ accessToken: NEW_ACCESS, refreshToken: NEW_REFRESH });
    expect(saved.mcpOAuth).toEqual({ keep: true });
    expect((await fs.stat(ccFile)).mode & 0o777).toBe(0o600);
  });
});
