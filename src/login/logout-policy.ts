import type { LockProtocol } from "./lock-plan.js";

export interface LogoutOptions {
  /** Keep the credentials file (any file). */
  keepCredentials?: boolean;
  /** Delete the credentials file even when it is Claude Code's own. */
  deleteCredentials?: boolean;
}

/** Pure: whether logout leaves the credentials file. Claude Code's file stays unless asked. */
export function keepsCredentialsOnLogout(protocol: LockProtocol, options: LogoutOptions): boolean {
  if (options.keepCredentials) return true;
  if (options.deleteCredentials) return false;
  return protocol === "claude-code";
}
