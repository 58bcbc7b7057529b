import type { PluginConfig } from "../core/config.js";
import { howToLogInAgain, withTokens, type ClaudeOAuth, type TokenSet } from "./credentials.js";
import { defaultStoreDeps, persist, recoverTempFiles, withRefreshLocks, type StoreDeps } from "./credentials-store.js";
import { realPathOf } from "./lock-plan.js";
import { PluginError } from "../core/errors.js";
import { MINUTE_MS, isRefreshDue } from "./schedule.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, buildRefreshRequest, parseTokenAnswer, postToken, type RawAnswer, type TokenRequest } from "./token-endpoint.js";
import { fileMaybeSpentRecord, maybeSpentPathFor, type MaybeSpentRecord } from "./maybe-spent.js";

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
  /**
   * Send a maybe-spent refresh token once more (maybe-spent.ts): only when the access token is
   * about to expire, so a revocation costs the agents nothing they still had.
   */
  lastResort?: boolean;
}

/** Points where tests kill the process to prove nothing is lost. */
export type CrashPoint = "locked" | "before-post" | "after-post" | "after-persist";

/**
 * One deadline for every token POST, Claude Code's file included. A POST is never cut short to
 * suit a lock: the server does not stop because the client gave up, so an answer arriving after
 * the cut has rotated the token and the new one would be lost. Claude Code's lock wait (5 tries,
 * 1-2 s apart) is bounded instead by refreshing while Claude Code has no reason to (see
 * `sharedFileMarginMs` in schedule.ts), and an unknown outcome is never retried with the same
 * token (maybe-spent.ts).
 */
export const TOKEN_POST_TIMEOUT_MS = DEFAULT_REQUEST_TIMEOUT_MS;

/** The store's file access and locks (credentials-store.ts, the file's one writer), plus the POST. */
export interface RefreshDeps extends StoreDeps {
  config: PluginConfig;
  now(): number;
  post(request: TokenRequest): Promise<RawAnswer>;
  /** Refresh tokens whose POST had an unknown outcome: never sent again. */
  maybeSpent: MaybeSpentRecord;
  at?: (point: CrashPoint) => void | Promise<void>;
  /** Told when an optional refresh lock (Claude Code's legacy one) could not be created and was skipped. */
  onLockSkipped?: (lockPath: string, err: NodeJS.ErrnoException) => void;
}

export function defaultRefreshDeps(config: PluginConfig, overrides: Partial<RefreshDeps> = {}): RefreshDeps {
  const store = defaultStoreDeps(config);
  return {
    config,
    now: Date.now,
    post: (request) => postToken(request, { timeoutMs: TOKEN_POST_TIMEOUT_MS }),
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
    maybeSpent: fileMaybeSpentRecord(() => maybeSpentPathFor(realPathOf(config.credentialsPath))),
    ...overrides,
  };
}

function asPersistError(err: unknown): PluginError {
  return err instanceof PluginError ? err : new PluginError("persist_failed", `Could not save the credentials file: ${String(err)}`, { cause: err });
}

const NEVER_AGAIN =
  "The plugin will not send that refresh token again while the access token is good (a second use of a spent token revokes the login everywhere); it tries it once more when the access token is about to expire, and resumes by itself as soon as the credentials file holds a new one.";

function maybeSpentError(credentialsPath: string): PluginError {
  return new PluginError(
    "token_maybe_spent",
    `The refresh token in ${credentialsPath} may already have been spent: an earlier refresh with it ended without an answer. ${NEVER_AGAIN} ` +
      `If Claude Code shares the file, its next refresh may replace it; otherwise: ${howToLogInAgain(credentialsPath)}`,
  );
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

    const spending = current.oauth.refreshToken;
    const mark = await deps.maybeSpent.state(spending);
    if (mark === "probed" || (mark === "maybe-spent" && !options.lastResort)) throw maybeSpentError(config.credentialsPath);
    // The one last-resort probe: on disk before it is sent, so no process sends it twice.
    if (mark === "maybe-spent") await deps.maybeSpent.markProbed(spending);

    await deps.at?.("before-post");
    let tokens: TokenSet;
    try {
      const answer = await deps.post(buildRefreshRequest(spending, config.tokenUrl, config.clientId, config.userAgent));
      tokens = parseTokenAnswer(answer, deps.now(), spending);
    } catch (err) {
      if (err instanceof PluginError && err.code === "outcome_unknown") {
        // Recorded before the lock is released, so no process that takes it next sends this token
        // (a probe that also ended without an answer stays recorded as probed).
        if (mark === "none") await deps.maybeSpent.mark(spending).catch(() => undefined);
        throw new PluginError("outcome_unknown", `${err.message} ${NEVER_AGAIN}`, { cause: err });
      }
      // The probe got an answer that spent nothing (5xx, 429, an edge refusal): it may be tried again.
      if (mark === "maybe-spent" && !(err instanceof PluginError && err.code === "needs_login")) await deps.maybeSpent.mark(spending).catch(() => undefined);
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
    await deps.maybeSpent.clear().catch(() => undefined);
    await deps.at?.("after-persist");
    return { kind: "refreshed", oauth };
  });
}
