import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accountConfig, alertLedgerPath } from "../accounts/accounts.js";
import { AlertLedger } from "../alerts/alerts.js";
import { resolveConfig } from "../core/config.js";
import { writeCredentialsFile } from "./credentials.js";
import { REFRESH_LOCK, withLocks } from "./lock.js";
import { withRefreshLocks } from "./credentials-store.js";
import { defaultRefreshDeps } from "./refresh.js";

// Issue 16, item 4: every directory the plugin creates is 0700 from the start. The usual umask
// (022) turns a plain mkdir into 0755: the old lock code created the folders that way before the
// credentials write's own 0700 mkdir ran, which does not change a folder that already exists.

let root: string;
let umask: number;
beforeEach(async () => {
  umask = process.umask(0o022);
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cor-dirs-"));
});
afterEach(async () => {
  process.umask(umask);
  await fs.rm(root, { recursive: true, force: true });
});

const modeOf = async (p: string) => ((await fs.stat(p)).mode & 0o777).toString(8);

describe("the plugin's directories are created 0700", () => {
  it("an extra account's first refresh lock creates <state>/claude-oauth-refresh/ and accounts/ as 0700, before any file is written", async () => {
    const stateDir = path.join(root, "state");
    await fs.mkdir(stateDir);
    const config = accountConfig(resolveConfig({}, { stateDir }), "work", stateDir);
    await withRefreshLocks(defaultRefreshDeps(config), async () => {
      // Inside the lock, before the credentials write: the window the old code left open.
      expect(await modeOf(path.join(stateDir, "claude-oauth-refresh"))).toBe("700");
      expect(await modeOf(path.join(stateDir, "claude-oauth-refresh", "accounts"))).toBe("700");
    });
    await writeCredentialsFile(config.credentialsPath, { claudeAiOauth: { accessToken: "a".repeat(30), refreshToken: "r".repeat(30), expiresAt: 1 } });
    expect(await modeOf(config.credentialsPath)).toBe("600");
  });

  it("a lock's missing parents, the alert ledger's folder and a credentials file's folder: 0700 at every level", async () => {
    await withLocks([path.join(root, "a", "b", "c.lock")], { ...REFRESH_LOCK, waitMs: 1_000 }, async () => undefined);
    expect(await modeOf(path.join(root, "a"))).toBe("700");
    expect(await modeOf(path.join(root, "a", "b"))).toBe("700");
    await new AlertLedger(alertLedgerPath(path.join(root, "s2"), "work")).write({ warned: [] });
    expect(await modeOf(path.join(root, "s2"))).toBe("700");
    expect(await modeOf(path.join(root, "s2", "claude-oauth-refresh"))).toBe("700");
    await writeCredentialsFile(path.join(root, "d", "e", "f.json"), { claudeAiOauth: { accessToken: "a".repeat(30), refreshToken: "r".repeat(30), expiresAt: 1 } });
    expect(await modeOf(path.join(root, "d"))).toBe("700");
    expect(await modeOf(path.join(root, "d", "e"))).toBe("700");
  });
});
