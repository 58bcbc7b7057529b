import { promises as fs } from "node:fs";
import type { Logger } from "../core/logger.js";
import { readCredentialsFile, tightenMode, type ClaudeOAuth, type CredentialsFileRead } from "../login/credentials.js";
import { modeTightenedMessage } from "./messages.js";

/**
 * What tells one version of the credentials file from another without reading it (inode, size,
 * mtime): a changed signature means someone wrote it (a login, an import, Claude Code's refresh).
 */
export async function fileSignature(filePath: string): Promise<string> {
  try {
    const st = await fs.stat(filePath);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return "absent";
  }
}

/**
 * The service's view of its credentials file: which version it has seen, whether another writer
 * has changed it since, and reading it. The service re-reads it only when it changed (or at the
 * periodic check), so a wake-up costs one `stat`.
 */
export class WatchedCredentials {
  private seen: string | undefined;

  constructor(
    private readonly filePath: string,
    private readonly log: Logger,
  ) {}

  /** Forget the version seen: the next look counts as a change (`reload` after `import`/`login`). */
  forget(): void {
    this.seen = undefined;
  }

  /** The service wrote (or deleted) the file itself: this version is not news. */
  async wroteIt(): Promise<void> {
    this.seen = await fileSignature(this.filePath);
  }

  async changed(): Promise<boolean> {
    return (await fileSignature(this.filePath)) !== this.seen;
  }

  /**
   * Reads the login. The version counts as seen even when it is unreadable: a broken file is read
   * again when it changes or at the periodic check, not at every wake-up. A file other users can
   * read is made 0600, with a warning.
   */
  async read(): Promise<ClaudeOAuth> {
    const signature = await fileSignature(this.filePath);
    let read: CredentialsFileRead;
    try {
      read = await readCredentialsFile(this.filePath);
    } finally {
      this.seen = signature;
    }
    if (await tightenMode(this.filePath, read.mode).catch(() => false)) this.log.warn(modeTightenedMessage(this.filePath, read.mode));
    return read.oauth;
  }
}
