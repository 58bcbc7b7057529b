import { promises as fs } from "node:fs";
import path from "node:path";
import { MAX_CREDENTIALS_BYTES, parseCredentials, type ClaudeOAuth } from "./credentials.js";

/**
 * A process killed between writing its temp file and renaming it leaves the newest login in the
 * temp file while the credentials file still holds a refresh token the server has already spent.
 * Under the refresh lock (so no live writer owns the temp file) we finish that rename.
 *
 * Temp names: write-file-atomic's `<file>.<uint32>` and Claude Code's `<file>.tmp.<hex>`.
 */

function tempPattern(base: string): RegExp {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped}\\.(?:\\d+|tmp\\.[0-9a-fA-F]+)$`);
}

export interface RecoveryOutcome {
  /** The temp file whose login replaced the credentials file, if any. */
  adopted?: string;
  /** Leftover temp files removed (partial, older, or unreadable). */
  removed: string[];
}

function isNewer(candidate: ClaudeOAuth, current: ClaudeOAuth | undefined): boolean {
  if (!current) return true;
  return candidate.refreshToken !== current.refreshToken && candidate.expiresAt > current.expiresAt;
}

/**
 * `current` is the login the credentials file holds now; pass a function to read it only when
 * there is a temp file to compare with (the usual case has none, and then nothing is read).
 */
export async function recoverInterruptedWrite(filePath: string, current: ClaudeOAuth | undefined | (() => Promise<ClaudeOAuth | undefined>)): Promise<RecoveryOutcome> {
  const target = await fs.realpath(filePath).catch(() => path.resolve(filePath));
  const dir = path.dirname(target);
  const pattern = tempPattern(path.basename(target));
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => pattern.test(n));
  } catch {
    return { removed: [] };
  }
  const outcome: RecoveryOutcome = { removed: [] };
  if (names.length === 0) return outcome;
  const installed = typeof current === "function" ? await current() : current;
  let best: { file: string; oauth: ClaudeOAuth } | undefined;
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const st = await fs.lstat(file);
      if (!st.isFile() || st.size > MAX_CREDENTIALS_BYTES) continue;
      const { oauth } = parseCredentials(await fs.readFile(file, "utf8"), file);
      if (isNewer(oauth, best?.oauth ?? installed)) {
        if (best) outcome.removed.push(best.file);
        best = { file, oauth };
      } else outcome.removed.push(file);
    } catch {
      outcome.removed.push(file); // partial write: the process died before it finished
    }
  }
  if (best) {
    await fs.chmod(best.file, 0o600);
    await fs.rename(best.file, target);
    const handle = await fs.open(dir, "r");
    await handle.sync().finally(() => handle.close());
    outcome.adopted = best.file;
  }
  for (const file of outcome.removed) await fs.rm(file, { force: true });
  return outcome;
}
