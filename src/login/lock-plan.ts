import { readlinkSync, realpathSync } from "node:fs";
import path from "node:path";

/**
 * Which locks guard a credentials file, decided from the file itself: Claude Code's own locks for
 * its `.credentials.json` (so the plugin and Claude Code serialise with each other), the plugin's
 * own lock for any other file. Taking and holding the locks is lock.ts's part.
 */

/** Whose lock protocol guards the credentials file. */
export type LockProtocol = "claude-code" | "plugin";

export interface LockPlan {
  protocol: LockProtocol;
  /**
   * Held around the whole refresh transaction (re-read, decide, POST, persist), taken in this
   * order, all or none: the order Claude Code takes them in, so neither side can deadlock.
   */
  refreshLocks: string[];
  /** Held around the file write only, when Claude Code also writes this file. */
  writeLock?: string;
  /**
   * Refresh locks taken when they can be: Claude Code's legacy `<dir>.lock` lives in the folder
   * above its config folder, which may not be writable by the gateway's user (a read-only home, a
   * config folder mounted into a container). Claude Code itself could not create it there either,
   * and its current releases take `<dir>/.oauth_refresh.lock` first, which we always hold; so we go
   * on without it and say so once, instead of failing every refresh forever.
   */
  optionalLocks?: string[];
}

/** The name Claude Code gives its credentials file inside its config directory. */
export const CLAUDE_CODE_CREDENTIALS_FILE = ".credentials.json";

/**
 * Pure: which lock directories guard this credentials file, decided from the file itself (its
 * real path, symlinks followed), never from this process's environment: a gateway started by a
 * service manager has another HOME and no CLAUDE_CONFIG_DIR, yet must still serialise with the
 * Claude Code that owns the file.
 *
 * A file named `.credentials.json` lives in a Claude Code config directory. Claude Code 2.1.x
 * locks its refresh with `<dir>/.oauth_refresh.lock`, then the legacy `<real dir>.lock` (older
 * releases know only that one), and its file writes with `<dir>/.storage-write.lock`, all
 * proper-lockfile mkdir locks with `realpath: false`.
 */
export function lockPlanFor(realCredentialsPath: string): LockPlan {
  const resolved = path.resolve(realCredentialsPath);
  if (path.basename(resolved) === CLAUDE_CODE_CREDENTIALS_FILE) {
    const dir = path.dirname(resolved);
    return {
      protocol: "claude-code",
      refreshLocks: [path.join(dir, ".oauth_refresh.lock"), `${dir}.lock`],
      writeLock: path.join(dir, ".storage-write.lock"),
      optionalLocks: [`${dir}.lock`],
    };
  }
  return { protocol: "plugin", refreshLocks: [`${resolved}.lock`] };
}

const MAX_LINK_HOPS = 40;

/**
 * The real path of a file that may not exist yet: symlinks are followed as far as they go (also
 * a link whose target is missing), and the existing part of the path is resolved.
 */
export function realPathOf(file: string): string {
  let current = path.resolve(file);
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    try {
      return realpathSync(current);
    } catch {
      // Missing somewhere: follow the link by hand if this is one, else resolve the directory.
    }
    let target: string;
    try {
      target = readlinkSync(current);
    } catch {
      try {
        return path.join(realpathSync(path.dirname(current)), path.basename(current));
      } catch {
        return current;
      }
    }
    current = path.resolve(path.dirname(current), target);
  }
  return current;
}
