import { promises as fs } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import { PluginError } from "./errors.js";

/**
 * Cross-process locks: proper-lockfile's mkdir protocol (atomic on every local file system), the
 * same one Claude Code uses for its own refresh lock, so a plugin and Claude Code sharing one file
 * serialise with each other.
 */

export interface LockPlan {
  /** Held around the whole refresh transaction: re-read, decide, POST, persist. */
  refreshLock: string;
  /** Held around the file write only, when Claude Code also writes this file. */
  writeLock?: string;
}

/** Claude Code's config dir, where its own locks live. */
export function claudeConfigDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  const fromEnv = env.CLAUDE_CONFIG_DIR?.trim();
  return fromEnv ? path.resolve(fromEnv) : path.join(homeDir, ".claude");
}

/** Pure: which lock directories guard this credentials file. */
export function lockPlanFor(credentialsPath: string, claudeDir: string): LockPlan {
  const resolved = path.resolve(credentialsPath);
  if (resolved === path.join(claudeDir, ".credentials.json")) {
    return { refreshLock: path.join(claudeDir, ".oauth_refresh.lock"), writeLock: path.join(claudeDir, ".storage-write.lock") };
  }
  return { refreshLock: `${resolved}.lock` };
}

export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. */
  staleMs: number;
  /** How long to wait for a live holder before giving up with `lock_busy`. */
  waitMs: number;
  /** Told when the lock was lost while held (its directory removed or taken over). */
  onCompromised?: (err: Error) => void;
}

export const REFRESH_LOCK: LockOptions = { staleMs: 30_000, waitMs: 45_000 };
export const WRITE_LOCK: LockOptions = { staleMs: 15_000, waitMs: 10_000 };

/**
 * proper-lockfile never considers a lock stale whose mtime lies in the future, so after the
 * clock was set back a lock left by a dead process would block forever. Such a lock is removed.
 */
async function clearLockFromTheFuture(lockPath: string, staleMs: number, now: number): Promise<void> {
  try {
    const st = await fs.stat(lockPath);
    if (st.mtimeMs > now + staleMs) await fs.rm(lockPath, { recursive: true, force: true });
  } catch {
    // absent: nothing to clear
  }
}

export async function withLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  await clearLockFromTheFuture(lockPath, options.staleMs, Date.now());
  const attempts = Math.max(1, Math.ceil(options.waitMs / 250));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: options.staleMs,
      update: Math.max(1_000, Math.floor(options.staleMs / 6)),
      retries: { retries: attempts, factor: 1, minTimeout: 200, maxTimeout: 300, randomize: true },
      // The default throws from a timer, which would take the whole gateway down.
      onCompromised: options.onCompromised ?? (() => undefined),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOCKED") {
      throw new PluginError("lock_busy", `Another process has held the refresh lock ${lockPath} for over ${Math.round(options.waitMs / 1000)} s; will try again.`, { cause: err });
    }
    throw err;
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
