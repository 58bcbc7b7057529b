import type { PluginConfig } from "../core/config.js";
import { howToLogInAgain, withTokens, type ClaudeOAuth, type TokenSet } from "./credentials.js";
import { defaultStoreDeps, persist, recoverTempFiles, sharedWithClaudeCode, withRefreshLocks, type StoreDeps } from "./credentials-store.js";
import { PluginError } from "../core/errors.js";
import { MINUTE_MS, isRefreshDue } from "./schedule.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, buildRefreshRequest, parseTokenAnswer, postToken, type RawAnswer, type TokenRequest } from "./token-endpoint.js";

/**
 * One refresh transaction: lock, re-read, decide, POST, persist, release. Every caller (the
 * gateway's service, every CLI command, a second gateway on the same file) goes through here,
 * so one refresh token is only ever sent once.
 */

/** Tokens the server issued that could not be written to disk yet: the only copy of the login. */
export interface UnsavedTokens {
  document: Record<string, unknown>;
  indent: string;
  oauth: ClaudeOAuth;
}

export type RefreshResult =
  /** The file's token is not due and nothing was forced. */
  | { kind: "not-due"; oauth: ClaudeOAuth }
  /** Another process refreshed while we waited for the lock: its tokens, no POST from us. */
  | { kind: "refreshed-elsewhere"; oauth: ClaudeOAuth }
  | { kind: "refreshed"; oauth: ClaudeOAuth }
  /** POST succeeded, the write did not: keep `unsaved` in memory and retry the write. */
  | { kind: "refreshed-unsaved"; oauth: ClaudeOAuth; unsaved: UnsavedTokens; error: PluginError };

export interface RefreshOptions {
  force?: boolean;
  /** The refresh token the caller last saw; if the file moved past it, someone else refreshed. */
  knownRefreshToken?: string;
  unsaved?: UnsavedTokens;
  /** The refresh margin to decide "due" with; the config's when absent. */
  marginMs?: number;
}

/** Points where tests kill the process to prove nothing is lost. */
export type CrashPoint = "locked" | "before-post" | "after-post" | "after-persist";

/**
 * The POST's deadline while we hold Claude Code's refresh lock. Claude Code waits for that lock
 * only 5 tries 1-2 s apart (at least ~4 s) and then goes on with the token it has, so our whole
 * hold (read, POST, persist) must stay well under 4 s. A POST cut off at this deadline is
 * "outcome unknown", as any timeout, and is retried with back-off outside the lock.
 */
export const CLAUDE_CODE_POST_TIMEOUT_MS = 3_000;

/** The store's file access and locks (credentials-store.ts, the file's one writer), plus the POST. */
export interface RefreshDeps extends StoreDeps {
  config: PluginConfig;
  now(): number;
  post(request: TokenRequest): Promise<RawAnswer>;
  at?: (point: CrashPoint) => void | Promise<void>;
  /** Told when an optional refresh lock (Claude Code's legacy one) could not be created and was skipped. */
  onLockSkipped?: (lockPath: string, err: NodeJS.ErrnoException) => void;
}

export function defaultRefreshDeps(config: PluginConfig, overrides: Partial<RefreshDeps> = {}): RefreshDeps {
  const store = defaultStoreDeps(config);
  return {
    config,
    now: Date.now,
    post: (request) => postToken(request, { timeoutMs: sharedWithClaudeCode(config.credentialsPath) ? CLAUDE_CODE_POST_TIMEOUT_MS : DEFAULT_REQUEST_TIMEOUT_MS }),
    read: store.read,
    write: store.write,
    // Getters: the plan follows the file's real path at each use (see defaultStoreDeps).
    get lockPlan() {
      return store.lockPlan;
    },
    get refreshLockOptions() {
      return store.refreshLockOptions;
    },
    writeLockOptions: store.writeLockOptions,
    ...overrides,
  };
}

function asPersistError(err: unknown): PluginError {
  return err instanceof PluginError ? err : new PluginError("persist_failed", `Could not save the credentials file: ${String(err)}`, { cause: err });
}

export async function runRefresh(deps: RefreshDeps, options: RefreshOptions = {}): Promise<RefreshResult> {
  const { config } = deps;
  return withRefreshLocks(deps, async () => {
    await deps.at?.("locked");
    // With unsaved tokens the file holds a spent refresh token and memory holds the live one:
    // save them first, and never fall back to what the file says.
    let pending = options.unsaved;
    let pendingError: PluginError | undefined;
    if (pending) {
      try {
        await persist(deps, pending.document, pending.indent);
        pending = undefined;
      } catch (err) {
        pendingError = asPersistError(err);
      }
    }
    if (!pending) await recoverTempFiles(deps);
    const current = pending ?? (await deps.read(config.credentialsPath));

    if (!options.unsaved && options.knownRefreshToken !== undefined && current.oauth.refreshToken !== options.knownRefreshToken) {
      return { kind: "refreshed-elsewhere", oauth: current.oauth };
    }
    const due = isRefreshDue(current.oauth.expiresAt, deps.now(), options.marginMs ?? config.refreshBeforeExpiryMinutes * MINUTE_MS);
    if (!options.force && !due) {
      if (pending && pendingError) return { kind: "refreshed-unsaved", oauth: pending.oauth, unsaved: pending, error: pendingError };
      return { kind: options.unsaved ? "refreshed" : "not-due", oauth: current.oauth };
    }

    await deps.at?.("before-post");
    const answer = await deps.post(buildRefreshRequest(current.oauth.refreshToken, config.tokenUrl, config.clientId));
    let tokens: TokenSet;
    try {
      tokens = parseTokenAnswer(answer, deps.now(), current.oauth.refreshToken);
    } catch (err) {
      // Every caller (log, status, CLI, alert) must be told what to do, not only that it failed.
      if (err instanceof PluginError && err.code === "needs_login") throw new PluginError("needs_login", `${err.message} ${howToLogInAgain(config.credentialsPath)}`, { cause: err });
      throw err;
    }
    await deps.at?.("after-post");

    const merged = withTokens(current.document, tokens);
    const oauth: ClaudeOAuth = { ...current.oauth, ...tokens };
    try {
      await persist(deps, merged, current.indent);
    } catch (err) {
      return { kind: "refreshed-unsaved", oauth, unsaved: { document: merged, indent: current.indent, oauth }, error: asPersistError(err) };
    }
    await deps.at?.("after-persist");
    return { kind: "refreshed", oauth };
  });
}
