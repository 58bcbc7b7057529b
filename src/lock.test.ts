import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PluginError } from "./errors.js";
import { REFRESH_LOCK, WRITE_LOCK, claudeConfigDir, lockPlanFor, withLock } from "./lock.js";

describe("lockPlanFor", () => {
  const claudeDir = "/home/u/.claude";

  it("Claude Code's own file gets Claude Code's refresh and write locks", () => {
    expect(lockPlanFor("/home/u/.claude/.credentials.json", claudeDir)).toEqual({
      refreshLock: "/home/u/.claude/.oauth_refresh.lock",
      writeLock: "/home/u/.claude/.storage-write.lock",
    });
    expect(lockPlanFor("/home/u/other/../.claude/.credentials.json", claudeDir).refreshLock).toBe("/home/u/.claude/.oauth_refresh.lock");
    expect(lockPlanFor("/home/u/.claude/.credentials.json", "/home/u/.claude/")).toHaveProperty("writeLock", "/home/u/.claude/.storage-write.lock");
  });

  it("any other file gets <file>.lock and no write lock", () => {
    expect(lockPlanFor("/srv/oc/claude-credentials.json", claudeDir)).toEqual({ refreshLock: "/srv/oc/claude-credentials.json.lock" });
    // same name in another dir is not Claude Code's file
    expect(lockPlanFor("/home/u/backup/.credentials.json", claudeDir)).toEqual({ refreshLock: "/home/u/backup/.credentials.json.lock" });
  });

  it("a relative path is resolved first", () => {
    const plan = lockPlanFor("creds.json", claudeDir);
    expect(plan.refreshLock).toBe(`${path.resolve("creds.json")}.lock`);
  });

  it("claudeConfigDir: $CLAUDE_CONFIG_DIR, else ~/.claude", () => {
    expect(claudeConfigDir({}, "/home/u")).toBe("/home/u/.claude");
    expect(claudeConfigDir({ CLAUDE_CONFIG_DIR: " " }, "/home/u")).toBe("/home/u/.claude");
    expect(claudeConfigDir({ CLAUDE_CONFIG_DIR: "/opt/claude" }, "/home/u")).toBe("/opt/claude");
  });

  it("default lock timings: stale locks expire; the write lock is short", () => {
    expect(REFRESH_LOCK.staleMs).toBeGreaterThan(0);
    expect(WRITE_LOCK.waitMs).toBeLessThanOrEqual(REFRESH_LOCK.waitMs);
  });
});

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-lock-"));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function lockError(p: Promise<unknown>): Promise<PluginError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return err as PluginError;
  }
  throw new Error("expected lock_busy");
}

describe("withLock", () => {
  const fast = { staleMs: 10_000, waitMs: 3_000 };

  it("holds a lock directory while fn runs, returns fn's value, removes the lock after", async () => {
    const lockPath = path.join(dir, "sub", "creds.json.lock");
    const value = await withLock(lockPath, fast, async () => {
      expect((await fs.stat(lockPath)).isDirectory()).toBe(true);
      return 42;
    });
    expect(value).toBe(42);
    await expect(fs.stat(lockPath)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("releases the lock when fn throws", async () => {
    const lockPath = path.join(dir, "x.lock");
    await expect(withLock(lockPath, fast, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(fs.stat(lockPath)).rejects.toMatchObject({ code: "ENOENT" });
    // taken at once, not after waiting for a holder (fast.waitMs is 3 s)
    const started = Date.now();
    await withLock(lockPath, fast, async () => undefined);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("serialises two concurrent callers in one process: the second waits for the first", async () => {
    const lockPath = path.join(dir, "x.lock");
    const events: string[] = [];
    const first = withLock(lockPath, fast, async () => {
      events.push("first:start");
      await sleep(300);
      events.push("first:end");
    });
    await sleep(20);
    const second = withLock(lockPath, fast, async () => {
      events.push("second:start");
      events.push("second:end");
    });
    await Promise.all([first, second]);
    expect(events).toEqual(["first:start", "first:end", "second:start", "second:end"]);
  });

  it("takes over a stale lock (mtime 2 minutes old)", async () => {
    const lockPath = path.join(dir, "x.lock");
    await fs.mkdir(lockPath);
    const old = new Date(Date.now() - 2 * 60_000);
    await fs.utimes(lockPath, old, old);
    // waitMs is short: a lock not recognised as stale would end in lock_busy
    const value = await withLock(lockPath, { staleMs: 30_000, waitMs: 500 }, async () => "taken");
    expect(value).toBe("taken");
  });

  it("takes over a lock whose mtime is an hour in the future (clock was set back)", async () => {
    const lockPath = path.join(dir, "x.lock");
    await fs.mkdir(lockPath);
    const future = new Date(Date.now() + 60 * 60_000);
    await fs.utimes(lockPath, future, future);
    const value = await withLock(lockPath, { staleMs: 30_000, waitMs: 500 }, async () => "taken");
    expect(value).toBe("taken");
  });

  it("lock_busy after waitMs when a live holder keeps the lock", async () => {
    const lockPath = path.join(dir, "x.lock");
    await fs.mkdir(lockPath); // fresh mtime: a live holder
    const started = Date.now();
    const e = await lockError(withLock(lockPath, { staleMs: 5_000, waitMs: 500 }, async () => "never"));
    const waited = Date.now() - started;
    expect(e.code).toBe("lock_busy");
    expect(e.message).toContain(lockPath);
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(2_500);
    // the holder's lock is left alone
    expect((await fs.stat(lockPath)).isDirectory()).toBe(true);
  });

  it("lock_busy against a holder in the same process that keeps refreshing its lock", async () => {
    const lockPath = path.join(dir, "x.lock");
    let releaseHolder: () => void = () => undefined;
    const holding = new Promise<void>((r) => (releaseHolder = r));
    let entered: () => void = () => undefined;
    const isIn = new Promise<void>((r) => (entered = r));
    const holder = withLock(lockPath, { staleMs: 2_000, waitMs: 500 }, async () => {
      entered();
      await holding;
    });
    await isIn;
    const e = await lockError(withLock(lockPath, { staleMs: 2_000, waitMs: 400 }, async () => "never"));
    expect(e.code).toBe("lock_busy");
    releaseHolder();
    await holder;
  });

  it("reports the loss of a held lock through onCompromised instead of throwing from a timer", async () => {
    const lockPath = path.join(dir, "x.lock");
    const compromised: Error[] = [];
    await withLock(lockPath, { staleMs: 2_000, waitMs: 500, onCompromised: (err) => compromised.push(err) }, async () => {
      await fs.rm(lockPath, { recursive: true, force: true });
      // proper-lockfile checks its lock every max(1 s, staleMs / 6)
      const deadline = Date.now() + 3_000;
      while (compromised.length === 0 && Date.now() < deadline) await sleep(50);
    });
    expect(compromised.length).toBeGreaterThan(0);
  });
});
