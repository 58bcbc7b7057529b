import type { AuthProfileStore } from "openclaw/plugin-sdk/provider-auth";
import { ensureAgentViewCarries, type AgentViewApi } from "./agent-view.js";
import { PluginError } from "./errors.js";

/**
 * Puts the access token where OpenClaw's agents read it: a `type: "token"` auth profile in
 * OpenClaw's own store, written through the SDK (since 2026.6.5 the store is SQLite; files are
 * ignored). Never an `oauth` profile: OpenClaw would refresh that itself with the same endpoint
 * and the two refreshers would burn each other's rotating refresh tokens.
 */

export interface PublishedToken {
  accessToken: string;
  expiresAt: number;
  email?: string;
}

export interface Publisher {
  publish(token: PublishedToken): Promise<void>;
  /** Removes our profile (logout). */
  unpublish(): Promise<void>;
}

/** The few SDK functions we use, so tests and the CLI can pass their own. */
export interface AuthStoreApi extends AgentViewApi {
  upsertAuthProfileWithLock(params: { profileId: string; credential: TokenCredential; agentDir?: string }): Promise<AuthProfileStore | null>;
  updateAuthProfileStoreWithLock(params: { agentDir?: string; updater: (store: AuthProfileStore) => boolean }): Promise<AuthProfileStore | null>;
}

export interface TokenCredential {
  type: "token";
  provider: "anthropic";
  token: string;
  expires: number;
  email?: string;
}

export const PROVIDER = "anthropic";

/** Pure: the profile order with ours first and every other Anthropic profile after it. */
export function orderWithFirst(profileId: string, store: Pick<AuthProfileStore, "profiles" | "order">): string[] {
  const existing = store.order?.[PROVIDER] ?? [];
  const others = Object.entries(store.profiles ?? {})
    .filter(([id, cred]) => id !== profileId && cred.provider === PROVIDER)
    .map(([id]) => id);
  const rest = [...existing.filter((id) => id !== profileId), ...others.filter((id) => !existing.includes(id))];
  return [profileId, ...rest];
}

function sameOrder(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

export function createOpenClawPublisher(options: {
  profileId: string;
  agentDirs?: () => Promise<string[]> | string[];
  loadApi?: () => Promise<AuthStoreApi>;
  /** Told once per agent whose stale view of the auth store had to be rebuilt (see agent-view.ts). */
  onAgentViewRebuilt?: (agentDir: string) => void;
}): Publisher {
  const loadApi = options.loadApi ?? (async () => (await import("openclaw/plugin-sdk/provider-auth")) as unknown as AuthStoreApi);
  const { profileId } = options;

  /** Pure over a store: does it hold Anthropic profiles other than ours? */
  const holdsOtherAnthropicProfiles = (store: AuthProfileStore) =>
    Object.entries(store.profiles ?? {}).some(([id, cred]) => id !== profileId && cred.provider === PROVIDER);

  const rebuiltViews = new Set<string>();

  async function targets(api: AuthStoreApi, agentDirs: string[]): Promise<Array<string | undefined>> {
    // `undefined` is the shared store every agent inherits from. An agent with Anthropic profiles
    // of its own reads those before the shared ones, so it gets our profile in its own store too.
    const out: Array<string | undefined> = [undefined];
    for (const agentDir of agentDirs) {
      let local = false;
      await api.updateAuthProfileStoreWithLock({ agentDir, updater: (store) => ((local = holdsOtherAnthropicProfiles(store)), false) });
      if (local) out.push(agentDir);
    }
    return out;
  }

  return {
    async publish(token) {
      const api = await loadApi();
      const credential: TokenCredential = { type: "token", provider: PROVIDER, token: token.accessToken, expires: token.expiresAt, ...(token.email ? { email: token.email } : {}) };
      const agentDirs = options.agentDirs ? await options.agentDirs() : [];
      for (const agentDir of await targets(api, agentDirs)) {
        const where = agentDir ? `agent store ${agentDir}` : "shared auth store";
        const written = await api.upsertAuthProfileWithLock({ profileId, credential, ...(agentDir ? { agentDir } : {}) });
        if (written === null) throw new PluginError("publish_failed", `OpenClaw refused to save profile ${profileId} in its ${where}; will retry.`);
        const ordered = await api.updateAuthProfileStoreWithLock({
          ...(agentDir ? { agentDir } : {}),
          updater: (store) => {
            const order = orderWithFirst(profileId, store);
            if (sameOrder(store.order?.[PROVIDER], order)) return false;
            store.order = { ...store.order, [PROVIDER]: order };
            return true;
          },
        });
        if (ordered === null) throw new PluginError("publish_failed", `OpenClaw refused to put ${profileId} first in the ${where}'s Anthropic profile order; will retry.`);
      }
      // Written is not yet seen: check what each agent's next turn will read.
      for (const agentDir of agentDirs) {
        const view = await ensureAgentViewCarries(api, { agentDir, profileId, token: token.accessToken });
        if (view === "stale") throw new PluginError("publish_failed", `OpenClaw saved profile ${profileId}, but agent store ${agentDir} still shows an older token; will retry.`);
        if (view === "rebuilt" && !rebuiltViews.has(agentDir)) {
          rebuiltViews.add(agentDir);
          options.onAgentViewRebuilt?.(agentDir);
        }
      }
    },
    async unpublish() {
      const api = await loadApi();
      for (const agentDir of await targets(api, options.agentDirs ? await options.agentDirs() : [])) {
        const done = await api.updateAuthProfileStoreWithLock({
          ...(agentDir ? { agentDir } : {}),
          updater: (store) => {
            if (!(profileId in store.profiles) && !store.order?.[PROVIDER]?.includes(profileId)) return false;
            delete store.profiles[profileId];
            const order = store.order?.[PROVIDER];
            if (order) store.order = { ...store.order, [PROVIDER]: order.filter((id) => id !== profileId) };
            return true;
          },
        });
        if (done === null) throw new PluginError("publish_failed", `OpenClaw refused to remove profile ${profileId}.`);
      }
    },
  };
}
