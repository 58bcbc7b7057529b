/**
 * Which OpenClaw sessions are pinned to an auth profile: a Claude CLI session keeps the profile it
 * started with (its `cliSessionBindings` entry), and an embedded-runtime session keeps the profile
 * OpenClaw picked for it (`authProfileOverride`). When an account gives way, these are the sessions
 * that move at their next turn, and the owner is told which.
 */

/** The fields of an OpenClaw session entry that name its auth profile (SessionEntry in the SDK). */
export interface SessionPins {
  authProfileOverride?: string;
  cliSessionBindings?: Record<string, { authProfileId?: string } | undefined>;
}

/** `api.runtime.agent.session` (OpenClaw 2026.9.6); older releases may lack it. */
export interface SessionListing {
  listSessionEntries(params?: { agentId?: string; readOnly?: boolean }): Array<{ sessionKey: string; entry: SessionPins }>;
}

/** Pure: the keys of the sessions pinned to `profileId`, in the store's order, each once. */
export function sessionsPinnedTo(entries: ReadonlyArray<{ sessionKey: string; entry: SessionPins }>, profileId: string): string[] {
  const keys = entries.filter(({ entry }) => entry.authProfileOverride === profileId || Object.values(entry.cliSessionBindings ?? {}).some((b) => b?.authProfileId === profileId)).map((e) => e.sessionKey);
  return [...new Set(keys)];
}

/**
 * Shell: every configured agent's sessions pinned to a profile. Reading sessions is a courtesy to
 * the owner (the log and status name them); it never fails the caller: [] when the API is missing
 * or refuses.
 */
export function pinnedSessionsReader(listing: SessionListing | undefined, agentIds: () => Promise<string[]>): (profileId: string) => Promise<string[]> {
  return async (profileId) => {
    if (!listing || typeof listing.listSessionEntries !== "function") return [];
    const out: string[] = [];
    for (const agentId of await agentIds().catch(() => [])) {
      try {
        out.push(...sessionsPinnedTo(listing.listSessionEntries({ agentId, readOnly: true }), profileId));
      } catch {
        // one agent's unreadable store hides only its own sessions from the message
      }
    }
    return [...new Set(out)];
  };
}
