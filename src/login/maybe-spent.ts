import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import writeFileAtomic from "write-file-atomic";

/** What is known of a refresh token: nothing, an unknown outcome, or that its one probe was sent. */
export type SpentMark = "none" | "maybe-spent" | "probed";

/**
 * The refresh token whose last POST ended with an unknown outcome (a timeout, a connection lost
 * mid-request, a proxy's gateway timeout). The server may have rotated it: sending it again would
 * be a reuse, and a reuse revokes the whole login on every client, the access token agents still
 * use included. So it is not sent again while that access token is good, by this process or any
 * other (the gateway after a restart, the CLI), and only ONCE when it is about to expire (the
 * last-resort probe): then a revocation costs nothing, and if the server never rotated (most
 * timeouts never reached it) the login lives on. The record lives on disk beside the credentials
 * file, holds only a hash, never the token, and says whether the probe was sent.
 *
 * The record stops mattering the moment the file holds another refresh token (Claude Code
 * refreshed it, or a new login): it only ever matches the one token it was written for.
 */
export interface MaybeSpentRecord {
  state(refreshToken: string): Promise<SpentMark>;
  mark(refreshToken: string): Promise<void>;
  /** Written before the probe is sent: one probe per token, whichever process sends it. */
  markProbed(refreshToken: string): Promise<void>;
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
  probedAt?: string;
}

export function fileMaybeSpentRecord(recordPath: () => string, now: () => number = Date.now): MaybeSpentRecord {
  const write = (record: OnDisk): Promise<void> => writeFileAtomic(recordPath(), `${JSON.stringify(record)}\n`, { mode: 0o600, fsync: true });
  return {
    async state(refreshToken) {
      try {
        const record = JSON.parse(await fs.readFile(recordPath(), "utf8")) as Partial<OnDisk>;
        if (record.refreshTokenSha256 !== tokenHash(refreshToken)) return "none";
        return record.probedAt === undefined ? "maybe-spent" : "probed";
      } catch {
        return "none";
      }
    },
    async mark(refreshToken) {
      await write({ refreshTokenSha256: tokenHash(refreshToken), at: new Date(now()).toISOString() });
    },
    async markProbed(refreshToken) {
      const at = new Date(now()).toISOString();
      await write({ refreshTokenSha256: tokenHash(refreshToken), at, probedAt: at });
    },
    async clear() {
      await fs.rm(recordPath(), { force: true });
    },
  };
}

/** For tests and single-process callers. */
export function memoryMaybeSpentRecord(): MaybeSpentRecord & { marked: string[]; probed: string[] } {
  const marked: string[] = [];
  const probed: string[] = [];
  return {
    marked,
    probed,
    state: (t) => Promise.resolve(probed.includes(t) ? "probed" : marked.includes(t) ? "maybe-spent" : "none"),
    mark: (t) => {
      marked.push(t);
      return Promise.resolve();
    },
    markProbed: (t) => {
      probed.push(t);
      return Promise.resolve();
    },
    clear: () => {
      marked.length = 0;
      probed.length = 0;
      return Promise.resolve();
    },
  };
}
