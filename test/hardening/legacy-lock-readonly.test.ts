// Issue 16, item 7, on a real file system: Claude Code's legacy lock `<config dir>.lock` lives in
// the folder above its config folder. When that folder is read-only for the gateway's user (a
// read-only home, a config folder mounted into a container), the lock cannot be created. Before,
// every refresh failed on it (reported as a server error) and was retried forever while the token
// ran out. Now the refresh goes on under Claude Code's main lock and says once what is wrong.
//
// The tests run as root, where chmod stops nothing, so the folder is made read-only for real: a
// read-only bind mount inside a user + mount namespace (`unshare -rm`), with the config folder
// itself bind-mounted writable on top, exactly the container layout. The child runs the built
// plugin (build/); the fake token endpoint listens in this process (same network namespace).

import { execFile, execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claudeCredentialsJson, startFakeTokenEndpoint, type FakeTokenEndpoint } from "../support/fake-token-endpoint.js";

const CHILD = path.join(import.meta.dirname, "../support/legacy-lock-child.mjs");

function unshareWorks(): boolean {
  try {
    execFileSync("unshare", ["-rm", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let fake: FakeTokenEndpoint;
let root: string;

beforeAll(async () => {
  fake = await startFakeTokenEndpoint();
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cor-legacy-"));
});
afterAll(async () => {
  await fake.close();
  await fs.rm(root, { recursive: true, force: true });
});

interface ChildResult {
  reports: Array<{ kind: string; refreshed: boolean; message: string }>;
  status: { state: string; lastError?: { code: string }; locks?: { refresh: string[]; skipped?: Array<{ path: string; code: string; message: string }> } };
  lines: string[];
}

describe.skipIf(!unshareWorks())("Claude Code's legacy lock in a read-only folder", () => {
  it("refreshes under the main lock, says once what is wrong and what to do, and never retries forever", async () => {
    const home = path.join(root, "home");
    const claudeDir = path.join(home, ".claude");
    await fs.mkdir(claudeDir, { recursive: true, mode: 0o700 });
    const credentialsPath = path.join(claudeDir, ".credentials.json");
    await fs.writeFile(credentialsPath, JSON.stringify(claudeCredentialsJson(fake.mintLogin({ expiresInSec: 300 })), null, 2), { mode: 0o600 });
    const args = JSON.stringify({ credentialsPath, tokenUrl: fake.url, stateDir: path.join(root, "state") });
    const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    const script = [
      `mount --bind ${q(home)} ${q(home)}`,
      `mount --bind ${q(claudeDir)} ${q(claudeDir)}`,
      `mount -o remount,ro,bind ${q(home)}`,
      // The premise: the legacy lock really cannot be created, the config folder really is writable.
      `if mkdir ${q(`${claudeDir}.lock`)} 2>/dev/null; then echo "home is writable" >&2; exit 90; fi`,
      `touch ${q(path.join(claudeDir, ".probe"))} || exit 91`,
      `exec ${q(process.execPath)} ${q(CHILD)} ${q(args)}`,
    ].join(" && ");
    const out = await new Promise<string>((resolve, reject) => {
      execFile("unshare", ["-rm", "sh", "-c", script], { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
    });
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as ChildResult;
    // Both refreshes went through: one POST each, the file holds the newest tokens.
    expect(result.reports.map((r) => r.kind)).toEqual(["refreshed", "refreshed"]);
    expect(fake.posts.length).toBe(2);
    const file = JSON.parse(await fs.readFile(credentialsPath, "utf8")) as { claudeAiOauth: { refreshToken: string } };
    expect(file.claudeAiOauth.refreshToken).toBe(fake.issuedRefreshTokens.at(-1));
    expect(result.status.state).toBe("ok");
    expect(result.status.lastError).toBeUndefined();
    // Said once, with a code, what is wrong and what to do.
    const skipped = result.status.locks?.skipped ?? [];
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ path: `${claudeDir}.lock`, code: "lock_unavailable" });
    expect(skipped[0]?.message).toMatch(/cannot be created \(EROFS: .* is not writable by the gateway's user\)\. Refreshing under Claude Code's main lock .*\.oauth_refresh\.lock alone.* make .* writable by this user/);
    expect(result.lines.filter((l) => l.includes("legacy lock"))).toHaveLength(1);
    expect(result.lines.join("\n")).not.toMatch(/Retrying in/);
  });
});
