import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PluginError } from "../core/errors.js";
import { CLAUDE_CODE_REFRESH_LOCK, REFRESH_LOCK, WRITE_LOCK, acquireLock, isUncreatable, withLock, withLocks } from "./lock.js";
import { lockPlanFor, realPathOf } from "./lock-plan.js";

describe("lockPlanFor (decided from the file, never from the environment)", () => {
  it("a file named .credentials.json gets Claude Code's locks in its directory, in Claude Code's order", () => {
    expect(lockPlanFor("/home/u/.claude/.credentials.json")).toEqual({
      protocol: "claude-code",
      refreshLocks: ["/home/u/.claude/.oauth_refresh.lock", "/home/u/.claude.lock"],
      writeLock: "/home/u/.claude/.storage-write.lock",
      optionalLocks: ["/home/u/.claude.lock"],
    });
    expect(lockPlanFor("/home/u/other/../.claude/.credentials.json").refreshLocks[0]).toBe("/home/u/.claude/.oauth_refresh.lock");
    // Any config dir (CLAUDE_CONFIG_DIR of another process), whatever this process's env says.
    vi.stubEnv("CLAUDE_CONFIG_DIR", "/elsewhere");
    expect(lockPlanFor("/srv/cc-config/.credentials.json")).toEqual({
      protocol: "claude-code",
      refreshLocks: ["/srv/cc-config/.oauth_refresh.lock", "/srv/cc-config.lock"],
      writeLock: "/srv/cc-config/.storage-write.lock",
      optionalLocks: ["/srv/cc-config.lock"],
    });
    vi.unstubAllEnvs();
  });

  it("any other file gets <file>.lock and no write lock", () => {
    expect(lockPlanFor("/srv/oc/claude-credentials.json")).toEqual({ protocol: "plugin", refreshLocks: ["/srv/oc/claude-credentials.json.lock"] });
    expect(lockPlanFor("/srv/oc/credentials.json").protocol).toBe("plugin");
  });

  it("a relative path is resolved first", () => {
    expect(lockPlanFor("creds.json").refreshLocks).toEqual([`${path.resolve("creds.json")}.lock`]);
  });
});

describe("realPathOf", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "cor-real-")));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("follows symlinks to an existing file, to a missing one, and through a linked directory", async () => {
    const ccDir = path.join(dir, "cc");
    await fs.mkdir(ccDir);
    await fs.writeFile(path.join(ccDir, ".credentials.json"), "{}");
    await fs.symlink(path.join(ccDir, ".credentials.json"), path.join(dir, "link.json"));
    expect(realPathOf(path.join(dir, "link.json"))).toBe(path.join(ccDir, ".credentials.json"));
    // A link whose target does not exist yet (Claude Code not logged in yet).
    await fs.symlink("cc/missing.json", path.join(dir, "dangling.json"));
    expect(realPathOf(path.join(dir, "dangling.json"))).toBe(path.join(ccDir, "missing.json"));
    // A linked directory holding a file that does not exist yet.
    await fs.symlink(ccDir, path.join(dir, "cc-link"));
    expect(realPathOf(path.join(dir, "cc-link", "new.json"))).toBe(path.join(ccDir, "new.json"));
    // A chain of links.
    await fs.symlink(path.join(dir, "link.json"), path.join(dir, "link2.json"));
    expect(lockPlanFor(realPathOf(path.join(dir, "link2.json"))).protocol).toBe("claude-code");
  });
});

describe("acquireLocks: all or none, in order", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-locks-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("while the second lock is held elsewhere, the first is not kept (a peer that wants it is never blocked)", async () => {
    const first = path.join(dir, "a.lock");
    const second = path.join(dir, "b.lock");
    const holder = await acquireLock(second, { staleMs: 10_000, waitMs: 0 });
    let done = false;
    const waiting = withLocks([first, second], { staleMs: 10_000, waitMs: 5_000 }, async () => {
      done = true;
    });
    // While we wait for `second`, `first` is free most of the time: a peer can take it.
    let peerGotFirst = false;
    for (let i = 0; i < 40 && !peerGotFirst; i++) {
      const release = await acquireLock(first, { staleMs: 10_000, waitMs: 0 }).catch(() => undefined);
      if (release) {
        peerGotFirst = true;
        await release();
      } else await new Promise((r) => setTimeout(r, 25));
    }
    expect(peerGotFirst).toBe(true);
    expect(done).toBe(false);
    await holder();
    await waiting;
    expect(done).toBe(true);
    await expect(fs.stat(first)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(fs.stat(second)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("gives up with lock_busy after waitMs, holding nothing", async () => {
    const first = path.join(dir, "a.lock");
    const second = path.join(dir, "b.lock");
    const holder = await acquireLock(second, { staleMs: 10_000, waitMs: 0 });
    await expect(withLocks([first, second], { staleMs: 10_000, waitMs: 300 }, async () => undefined)).rejects.toMatchObject({ code: "lock_busy" });
    await expect(fs.stat(first)).rejects.toMatchObject({ code: "ENOENT" });
    await holder();
  });
});

describe("lock timings", () => {
  it("default lock timings: stale locks expire; the write lock is short", () => {
    expect(REFRESH_LOCK.staleMs).toBeGreaterThan(0);
    expect(WRITE_LOCK.waitMs).toBeLessThanOrEqual(REFRESH_LOCK.waitMs);
    // Claude Code's own values for its locks: stale after 60 s (refresh), 15 s (write).
    expect(CLAUDE_CODE_REFRESH_LOCK.staleMs).toBe(60_000);
    expect(WRITE_LOCK.staleMs).toBe(15_000);
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

describe("an optional lock that cannot be created (issue 16, item 7)", () => {
  it("only the optional lock, and only for a refused folder (EACCES/EPERM/EROFS), is skipped and reported; others still fail", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "cor-optlock-"));
    try {
      // A regular file where a folder should be: mkdir of the lock under it fails (EEXIST), which
      // is not "refused": it still fails the transaction.
      await fs.writeFile(path.join(root, "file"), "");
      const broken = path.join(root, "file", "x.lock");
      const skipped: string[] = [];
      await expect(withLocks([path.join(root, "a.lock"), broken], { ...REFRESH_LOCK, waitMs: 500 }, async () => "ran", { optional: [broken], onSkipped: (p) => skipped.push(p) })).rejects.toMatchObject({ code: "EEXIST" });
      expect(skipped).toEqual([]);
      expect(isUncreatable({ code: "EROFS" })).toBe(true);
      expect(isUncreatable({ code: "EACCES" })).toBe(true);
      expect(isUncreatable({ code: "ENOTDIR" })).toBe(false);
      expect(isUncreatable({ code: "ELOCKED" })).toBe(false);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
