import { promises as fs } from "node:fs";
import type { PluginConfig } from "../core/config.js";
import { DEFAULT_INDENT, readCredentialsFile, withTokens, writeCredentialsFile, type CredentialsFileRead, type TokenSet } from "./credentials.js";
import { CLAUDE_CODE_REFRESH_LOCK, REFRESH_LOCK, WRITE_LOCK, withLock, withLocks, type LockOptions } from "./lock.js";
import { lockPlanFor, realPathOf, type LockPlan } from "./lock-plan.js";
import { recoverInterruptedWrite } from "./write-recovery.js";

/**
 * The one writer of a credentials file. Every change to it (a refresh's new tokens, an imported
 * file, a new login, a logout's delete, finishing a write a killed process left half-done) goes
 * through here, so the locks that guard the file and the atomic write live in one place:
 * - the refresh locks (ours, or Claude Code's when the file is its `.credentials.json`) around the
 *   whole change, so no refresher reads the file half-way through it;
 * - Claude Code's write lock around the write itself when the file is its own;
 * - the write: temp file, fsync, rename, fsync of the directory, mode 0600 (credentials.ts).
 */

export interface StoreDeps {
  config: Pick<PluginConfig, "credentialsPath">;
  read(path: string): Promise<CredentialsFileRead>;
  write(path: string, document: Record<string, unknown>, indent: string): Promise<void>;
  lockPlan: LockPlan;
  refreshLockOptions: LockOptions;
  writeLockOptions: LockOptions;
  /** Told when an optional refresh lock (Claude Code's legacy one) could not be created and was skipped. */
  onLockSkipped?: (lockPath: string, err: NodeJS.ErrnoException) => void;
}

/** Whether the file is Claude Code's: then its locks and its short lock hold apply. */
export function sharedWithClaudeCode(credentialsPath: string): boolean {
  return lockPlanFor(realPathOf(credentialsPath)).protocol === "claude-code";
}

export function defaultStoreDeps(config: Pick<PluginConfig, "credentialsPath">): StoreDeps {
  // Planned from the file's real path at each use, not once: a symlink to Claude Code's file made
  // while the gateway runs takes Claude Code's locks from the next transaction on.
  const plan = () => lockPlanFor(realPathOf(config.credentialsPath));
  return {
    config,
    read: readCredentialsFile,
    write: writeCredentialsFile,
    get lockPlan() {
      return plan();
    },
    get refreshLockOptions() {
      return plan().protocol === "claude-code" ? CLAUDE_CODE_REFRESH_LOCK : REFRESH_LOCK;
    },
    writeLockOptions: WRITE_LOCK,
  };
}

/** Runs `fn` holding every refresh lock of the plan (Claude Code's, when the file is its). */
export function withRefreshLocks<T>(deps: StoreDeps, fn: () => Promise<T>): Promise<T> {
  const { lockPlan, refreshLockOptions } = deps;
  return withLocks(lockPlan.refreshLocks, refreshLockOptions, fn, { ...(lockPlan.optionalLocks ? { optional: lockPlan.optionalLocks } : {}), ...(deps.onLockSkipped ? { onSkipped: deps.onLockSkipped } : {}) });
}

/** Writes the file under the write lock when there is one; call it holding the refresh locks. */
export async function persist(deps: StoreDeps, document: Record<string, unknown>, indent: string): Promise<void> {
  const { credentialsPath } = deps.config;
  const write = () => deps.write(credentialsPath, document, indent);
  if (deps.lockPlan.writeLock) await withLock(deps.lockPlan.writeLock, deps.writeLockOptions, write);
  else await write();
}

/** Finishes a write a killed process left half-done (see write-recovery.ts); call it holding the refresh locks. */
export async function recoverTempFiles(deps: StoreDeps): Promise<void> {
  const { credentialsPath } = deps.config;
  const current = () => deps.read(credentialsPath).then((r) => r.oauth).catch(() => undefined);
  const recover = () => recoverInterruptedWrite(credentialsPath, current);
  if (deps.lockPlan.writeLock) await withLock(deps.lockPlan.writeLock, deps.writeLockOptions, recover);
  else await recover();
}

/** The same recovery for a process starting up, under the refresh locks. */
export function recoverAtStart(deps: StoreDeps): Promise<void> {
  return withRefreshLocks(deps, () => recoverTempFiles(deps));
}

/** `import`: a whole checked credentials document replaces the file, as it came (its indent kept). */
export function saveDocument(deps: StoreDeps, document: Record<string, unknown>, indent: string): Promise<void> {
  return withRefreshLocks(deps, () => persist(deps, document, indent));
}

/** A new login: its tokens replace the login in the file; whatever else the file holds (another tool's keys) stays. */
export function saveLogin(deps: StoreDeps, tokens: TokenSet): Promise<void> {
  return withRefreshLocks(deps, async () => {
    const existing = await deps.read(deps.config.credentialsPath).then((r) => r.document).catch(() => ({}));
    await persist(deps, withTokens(existing, tokens), DEFAULT_INDENT);
  });
}

/** `logout`: the file goes, under the same locks, so a refresh in another process never writes it back half-way. */
export function deleteCredentials(deps: StoreDeps): Promise<void> {
  return withRefreshLocks(deps, () => fs.rm(deps.config.credentialsPath, { force: true }));
}
