import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import writeFileAtomic from "write-file-atomic";

/**
 * The refresh token whose last POST ended with an unknown outcome (a timeout, a connection lost
 * mid-request, a proxy's gateway timeout). The server may have rotated it: sending it again would
 * be a reuse, and a reuse revokes the whole login on every client. So it is never sent again, by
 * this process or any other (the gateway after a restart, the CLI): the record lives on disk
 * beside the credentials file, and holds only a hash, never the token.
 *
 * The record stops mattering the moment the file holds another refresh token (Claude Code
 * refreshed it, or a new login): it only ever matches the one token it was written for.
 */
export interface MaybeSpentRecord {
  has(refreshToken: string): Promise<boolean>;
  mark(refreshToken: string): Promise<void>;
  clear(): Promise<void>;
}

/** Not reversible and not the token: enough to recognise it, useless to anyone who reads it. */
export function tokenHash(refreshToken: string): string {
  return createHash("sha256").update(refreshToken).digest("hex").slice(0, 32);
}

/** Beside the credentials file's real path: every process sharing the file finds the same record. */
export function maybeSpentPathFor(realCredentialsPath: string): string {
  return `${realCredentialsPath}.maybe-spent.json`;
}

interface OnDisk {
  refreshTokenSha256: string;
  at: string;
}

export function fileMaybeSpentRecord(recordPath: () => string, now: () => number = Date.now): MaybeSpentRecord {
  return {
    async has(refreshToken) {
      try {
        const record = JSON.parse(await fs.readFile(recordPath(), "utf8")) as Partial<OnDisk>;
        return record.refreshTokenSha256 === tokenHash(refreshToken);
      } catch {
        return false;
      }
    },
    async mark(refreshToken) {
      const record: OnDisk = { refreshTokenSha256: tokenHash(refreshToken), at: new Date(now()).toISOString() };
      await writeFileAtomic(recordPath(), `${JSON.stringify(record)}\n`, { mode: 0o600, fsync: true });
    },
    async clear() {
      await fs.rm(recordPath(), { force: true });
    },
  };
}

/** For tests and single-process callers. */
export function memoryMaybeSpentRecord(): MaybeSpentRecord & { marked: string[] } {
  const marked: string[] = [];
  return {
    marked,
    has: (t) => Promise.resolve(marked.includes(t)),
    mark: (t) => {
      marked.push(t);
      return Promise.resolve();
    },
    clear: () => {
      marked.length = 0;
      return Promise.resolve();
    },
  };
}
