import type { AuthProfileStore } from "openclaw/plugin-sdk/provider-auth";

/**
 * Makes sure an agent's view of OpenClaw's auth store (what its next turn reads) carries the token
 * just written to the shared store.
 *
 * Why: OpenClaw 2026.8.1 and 2026.9.1 (read in their dist/, measured end to end) keep a runtime
 * snapshot of each agent's auth store. On a fresh install the shared store lives in the main
 * agent's database until the first shared write moves it to the state database. When that first
 * write happens inside the running gateway (our first publish), the main agent's snapshot keeps
 * its old owner, so no later shared write ever reaches it: the agent keeps the first token until
 * it expires and then fails with "Explicit auth order for anthropic has no usable profiles".
 * 2026.9.6 rebinds such snapshots itself. A transaction on the agent's own store makes every one
 * of these releases rebuild that agent's snapshot from the stores on disk, with the right owner.
 *
 * This checks the outcome instead of a version number: read the agent's view, and only when it is
 * stale, rebuild it.
 */

export interface AgentViewApi {
  /** Absent in a host that does not export it: the view cannot be checked there. */
  ensureAuthProfileStore?: (agentDir?: string, options?: { readOnly?: boolean; syncExternalCli?: boolean; allowKeychainPrompt?: boolean }) => AuthProfileStore;
  updateAuthProfileStoreWithLock(params: { agentDir?: string; updater: (store: AuthProfileStore) => boolean }): Promise<AuthProfileStore | null>;
}

/** fresh: the view already had the token; rebuilt: it was stale and now has it; stale: still not; unchecked: host cannot tell. */
export type AgentViewResult = "fresh" | "rebuilt" | "stale" | "unchecked";

/**
 * Pure: does this store give `profileId` exactly `token`? The plugin writes an `oauth` profile
 * (publish.ts); a `token` one is what plugin versions before it wrote and still counts.
 */
export function viewCarries(store: Pick<AuthProfileStore, "profiles"> | undefined, profileId: string, token: string): boolean {
  const credential = store?.profiles?.[profileId];
  if (credential?.type === "oauth") return credential.access === token;
  return credential?.type === "token" && credential.token === token;
}

function readView(api: AgentViewApi, agentDir: string): AuthProfileStore | undefined {
  // Read-only and without Claude CLI / keychain discovery: this must not change or prompt anything.
  return api.ensureAuthProfileStore?.(agentDir, { readOnly: true, syncExternalCli: false, allowKeychainPrompt: false });
}

export async function ensureAgentViewCarries(api: AgentViewApi, params: { agentDir: string; profileId: string; token: string }): Promise<AgentViewResult> {
  if (typeof api.ensureAuthProfileStore !== "function") return "unchecked";
  const { agentDir, profileId, token } = params;
  if (viewCarries(readView(api, agentDir), profileId, token)) return "fresh";
  // Changes nothing on disk (the store is saved as loaded); OpenClaw rebuilds the agent's snapshot
  // after any committed transaction on that agent's store.
  await api.updateAuthProfileStoreWithLock({ agentDir, updater: () => true });
  return viewCarries(readView(api, agentDir), profileId, token) ? "rebuilt" : "stale";
}
