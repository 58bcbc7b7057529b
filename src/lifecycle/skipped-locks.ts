import path from "node:path";
import type { Logger } from "../core/logger.js";
import { lockSkippedMessage } from "./messages.js";

export interface SkippedLock {
  path: string;
  code: "lock_unavailable";
  message: string;
}

/**
 * Claude Code's legacy lock cannot be created (its folder's parent is read-only for us): every
 * refresh would otherwise fail on it and retry forever. We refresh under Claude Code's main lock
 * alone, and say once per lock what is wrong and what to do (log, and `locks.skipped` in status).
 */
export class SkippedLocks {
  private readonly byPath = new Map<string, SkippedLock>();

  constructor(private readonly log: Logger) {}

  skipped(lockPath: string, err: NodeJS.ErrnoException, mainLock: string | undefined): void {
    if (this.byPath.has(lockPath)) return;
    const message = lockSkippedMessage(lockPath, err.code, path.dirname(lockPath), mainLock);
    this.byPath.set(lockPath, { path: lockPath, code: "lock_unavailable", message });
    this.log.warn(message);
  }

  list(): SkippedLock[] {
    return [...this.byPath.values()];
  }
}
