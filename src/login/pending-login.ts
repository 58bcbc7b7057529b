import { PluginError } from "../core/errors.js";
import { createPkce, parsePastedCode, type PkcePair } from "./pkce.js";

/**
 * The login started from the chat and not finished yet: the PKCE pair lives here, in the
 * gateway's memory only, so the code verifier never leaves the gateway. One at a time: a new
 * `/claude login` replaces the previous one; it expires after 10 minutes; a code is taken once.
 */

export const PENDING_LOGIN_TTL_MS = 10 * 60_000;

export interface StartedLogin {
  pkce: PkcePair;
  expiresAt: number;
}

export class PendingLogin {
  private current: StartedLogin | undefined;
  /** States of logins already completed (or expired): a second paste gets a reason, not a POST. */
  private readonly finished = new Set<string>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = PENDING_LOGIN_TTL_MS,
    private readonly newPkce: () => PkcePair = () => createPkce(),
  ) {}

  /** Starts a login, replacing any pending one. */
  start(): StartedLogin {
    if (this.current) this.finish(this.current);
    this.current = { pkce: this.newPkce(), expiresAt: this.now() + this.ttlMs };
    return this.current;
  }

  /** True while a login waits for its code. */
  isPending(): boolean {
    return this.current !== undefined && this.current.expiresAt > this.now();
  }

  /**
   * The code from `code#state` (or the callback URL) for the pending login, which is consumed:
   * a second paste of the same code is refused without a request. A wrong state leaves the
   * pending login in place (the owner may paste the right code next).
   */
  take(pasted: string): { code: string; pkce: PkcePair } {
    const state = stateOf(pasted);
    const current = this.current;
    if (state !== undefined && this.finished.has(state) && current?.pkce.state !== state) {
      throw new PluginError("rejected", "That code was already used, or its login was replaced or expired. Send /claude login to start a new login.");
    }
    if (!current) throw new PluginError("rejected", "No login is waiting for a code. Send /claude login first, open the link, approve, then send /claude login <code>.");
    if (current.expiresAt <= this.now()) {
      this.finish(current);
      this.current = undefined;
      throw new PluginError("rejected", "The login expired (a login started from the chat is valid for 10 minutes). Send /claude login to start a new one.");
    }
    const code = parsePastedCode(pasted, current.pkce.state);
    this.finish(current);
    this.current = undefined;
    return { code, pkce: current.pkce };
  }

  private finish(login: StartedLogin): void {
    this.finished.add(login.pkce.state);
    // Bounded: only recent logins matter for a helpful message.
    if (this.finished.size > 16) this.finished.delete(this.finished.values().next().value as string);
  }
}

/** The state part of a pasted `code#state` or callback URL, if it has one. */
function stateOf(pasted: string): string | undefined {
  const text = pasted.trim();
  if (/^https?:\/\//.test(text)) {
    try {
      const url = new URL(text);
      return url.searchParams.get("state") ?? (url.hash.replace(/^#/, "") || undefined);
    } catch {
      return undefined;
    }
  }
  const hash = text.indexOf("#");
  return hash > 0 ? text.slice(hash + 1) : undefined;
}
