import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import lockfile from "proper-lockfile";
import { PluginError } from "../core/errors.js";

/**
 * Cross-process locks: proper-lockfile's mkdir protocol (atomic on every local file system), the
 * same one Claude Code uses for its own refresh lock, so a plugin and Claude Code sharing one file
 * serialise with each other. Which locks guard a given credentials file is decided in lock-plan.ts.
 *
 * On top of proper-lockfile's mtime staleness we record the holder's pid beside the lock, so a
 * lock left by a killed process on this machine is taken over at once instead of after `staleMs`
 * (a gateway restarted by systemd would otherwise wait out the stale period before refreshing).
 */

/**
 * Every directory the plugin creates (its state folder, `accounts/`, a lock's parent) is created
 * with this mode in the mkdir call itself: created 0755 and tightened later would leave a window
 * in which others can list the folder.
 */
export const PRIVATE_DIR_MODE = 0o700;

export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. */
  staleMs: number;
  /** How long to wait for a live holder before giving up with `lock_busy`. */
  waitMs: number;
  /** Told when the lock was lost while held (its directory removed or taken over). */
  onCompromised?: (err: Error) => void;
}

export const REFRESH_LOCK: LockOptions = { staleMs: 30_000, waitMs: 45_000 };
/** Claude Code judges its refresh lock stale after 60 s (mtime refreshed every 5 s): so do we. */
export const CLAUDE_CODE_REFRESH_LOCK: LockOptions = { staleMs: 60_000, waitMs: 45_000 };
export const WRITE_LOCK: LockOptions = { staleMs: 15_000, waitMs: 10_000 };

/** Our own holder record; a name Claude Code does not use (it has `<lock>.owner`). */
export function ownerFileOf(lockPath: string): string {
  return `${lockPath}.holder.json`;
}

interface Holder {
  pid: number;
  host: string;
  /** Identity of the lock directory this record belongs to: inode and birth time. */
  lock: string;
}

async function lockIdentity(lockPath: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(lockPath, { bigint: true });
    return `${st.ino}:${st.birthtimeNs}`;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * True only when the record describes this very lock directory, on this host, and its process is
 * gone. A record from an older lock (the holder just died, a new holder has not written its own
 * yet) does not match the directory's identity, so a live lock is never judged dead.
 */
async function heldByDeadProcess(lockPath: string): Promise<boolean> {
  let holder: Holder;
  try {
    holder = JSON.parse(await fs.readFile(ownerFileOf(lockPath), "utf8")) as Holder;
  } catch {
    return false;
  }
  if (holder.host !== os.hostname() || typeof holder.pid !== "number") return false;
  const identity = await lockIdentity(lockPath);
  return identity !== undefined && identity === holder.lock && !pidAlive(holder.pid);
}

/**
 * proper-lockfile never considers a lock stale whose mtime lies in the future, so after the
 * clock was set back a lock left by a dead process would block forever.
 */
async function isFromTheFuture(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    return (await fs.stat(lockPath)).mtimeMs > Date.now() + staleMs;
  } catch {
    return false;
  }
}

type Release = () => Promise<void>;

async function tryLock(lockPath: string, options: LockOptions): Promise<Release | undefined> {
  try {
    const release = await lockfile.lock(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: options.staleMs,
      update: Math.max(1_000, Math.floor(options.staleMs / 6)),
      retries: 0,
      // The default throws from a timer, which would take the whole gateway down.
      onCompromised: options.onCompromised ?? (() => undefined),
    });
    const identity = await lockIdentity(lockPath);
    const holder: Holder = { pid: process.pid, host: os.hostname(), lock: identity ?? "" };
    await fs.writeFile(ownerFileOf(lockPath), JSON.stringify(holder), { mode: 0o600 }).catch(() => undefined);
    return async () => {
      await fs.rm(ownerFileOf(lockPath), { force: true }).catch(() => undefined);
      await release().catch(() => undefined);
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOCKED") return undefined;
    throw err;
  }
}

/**
 * Removing a dead holder's lock is itself serialised (by a short-lived lock of its own), so two
 * waiters can never both remove a lock and both believe they hold the new one.
 */
async function takeOverDeadLock(lockPath: string, options: LockOptions): Promise<Release | undefined> {
  const takeover = await tryLock(`${lockPath}.takeover`, { staleMs: 5_000, waitMs: 0 });
  if (!takeover) return undefined;
  try {
    if ((await heldByDeadProcess(lockPath)) || (await isFromTheFuture(lockPath, options.staleMs))) {
      await fs.rm(lockPath, { recursive: true, force: true });
    }
    return await tryLock(lockPath, options);
  } finally {
    await takeover();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(lockPath: string, options: LockOptions): Promise<Release> {
  await fs.mkdir(path.dirname(lockPath), { recursive: true, mode: PRIVATE_DIR_MODE });
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const release = (await tryLock(lockPath, options)) ?? (await takeOverDeadLock(lockPath, options));
    if (release) return release;
    if (Date.now() >= deadline) {
      throw new PluginError("lock_busy", `Another process has held the refresh lock ${lockPath} for over ${Math.round(options.waitMs / 1000)} s; will try again.`);
    }
    await sleep(150 + Math.random() * 150);
  }
}

/** A lock that cannot be created where it must live (not a busy one): the folder refuses writes. */
export function isUncreatable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "EACCES" || code === "EPERM" || code === "EROFS";
}

export interface OptionalLocks {
  /** Locks skipped when they cannot be created (see LockPlan.optionalLocks). */
  optional?: readonly string[];
  /** Told each time an optional lock was skipped, with the file system's error. */
  onSkipped?: (lockPath: string, err: NodeJS.ErrnoException) => void;
}

/**
 * Takes every lock in `lockPaths`, in order, or none: when one is busy the ones already taken are
 * released before waiting, as Claude Code does, so a peer taking the same locks in the same order
 * is never blocked by a half-held set.
 */
export async function acquireLocks(lockPaths: readonly string[], options: LockOptions, optional: OptionalLocks = {}): Promise<Release> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const held: Release[] = [];
    const releaseAll = async () => {
      for (const release of [...held].reverse()) await release();
    };
    let busy: string | undefined;
    try {
      for (const lockPath of lockPaths) {
        let release: Release | undefined;
        try {
          await fs.mkdir(path.dirname(lockPath), { recursive: true, mode: PRIVATE_DIR_MODE });
          release = (await tryLock(lockPath, options)) ?? (await takeOverDeadLock(lockPath, options));
        } catch (err) {
          if (!optional.optional?.includes(lockPath) || !isUncreatable(err)) throw err;
          optional.onSkipped?.(lockPath, err as NodeJS.ErrnoException);
          continue;
        }
        if (!release) {
          busy = lockPath;
          break;
        }
        held.push(release);
      }
    } catch (err) {
      await releaseAll();
      throw err;
    }
    if (busy === undefined) return releaseAll;
    await releaseAll();
    if (Date.now() >= deadline) {
      throw new PluginError("lock_busy", `Another process has held the refresh lock ${busy} for over ${Math.round(options.waitMs / 1000)} s; will try again.`);
    }
    await sleep(150 + Math.random() * 150);
  }
}

export async function withLocks<T>(lockPaths: readonly string[], options: LockOptions, fn: () => Promise<T>, optional: OptionalLocks = {}): Promise<T> {
  const release = await acquireLocks(lockPaths, options, optional);
  try {
    return await fn();
  } finally {
    await release();
  }
}

export async function withLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await acquireLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}
