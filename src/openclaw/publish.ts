import type { AuthProfileStore } from "openclaw/plugin-sdk/provider-auth";
import { ensureAgentViewCarries, type AgentViewApi } from "./agent-view.js";
import { PluginError } from "../core/errors.js";

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

/**
 * The plugin's own profiles in the order agents should try them, and those that must not be used
 * before a moment (an account at its limit until its window resets). One account: just its profile.
 */
export interface ProfileRanking {
  order: string[];
  blockedUntil: Record<string, number>;
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

/** Pure: the profile order with ours in front, in the given order, and every other Anthropic profile after them. */
export function orderWithFront(ours: readonly string[], store: Pick<AuthProfileStore, "profiles" | "order">): string[] {
  const existing = store.order?.[PROVIDER] ?? [];
  const others = Object.entries(store.profiles ?? {})
    .filter(([id, cred]) => !ours.includes(id) && cred.provider === PROVIDER)
    .map(([id]) => id);
  const rest = [...existing.filter((id) => !ours.includes(id)), ...others.filter((id) => !existing.includes(id))];
  return [...ours, ...rest];
}

/**
 * Why the plugin blocks a profile: OpenClaw's own reason for "a usage probe says this subscription
 * is at its limit". A session pinned to an account keeps it while it is usable, whatever the order
 * says; a block until the window's reset is what moves those sessions to the next account, and
 * OpenClaw lifts it by itself when the moment passes.
 */
export const USAGE_BLOCK_REASON = "subscription_limit";

/** Pure: applies our order and blocks to a store; true when anything changed. */
export function applyRanking(store: AuthProfileStore, ranking: ProfileRanking): boolean {
  let changed = false;
  const ours = ranking.order.filter((id) => id in store.profiles);
  const order = orderWithFront(ours, store);
  if (!sameOrder(store.order?.[PROVIDER], order)) {
    store.order = { ...store.order, [PROVIDER]: order };
    changed = true;
  }
  for (const id of ranking.order) {
    const stats = store.usageStats?.[id];
    const until = ranking.blockedUntil[id];
    if (until !== undefined && (stats?.blockedUntil !== until || stats.blockedReason !== USAGE_BLOCK_REASON)) {
      store.usageStats = { ...store.usageStats, [id]: { ...stats, blockedUntil: until, blockedReason: USAGE_BLOCK_REASON } };
      changed = true;
    } else if (until === undefined && stats?.blockedReason === USAGE_BLOCK_REASON) {
      const { blockedUntil: _until, blockedReason: _reason, ...rest } = stats;
      store.usageStats = { ...store.usageStats, [id]: rest };
      changed = true;
    }
  }
  return changed;
}

function sameOrder(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

export function createOpenClawPublisher(options: {
  profileId: string;
  agentDirs?: () => Promise<string[]> | string[];
  loadApi?: () => Promise<AuthStoreApi>;
  /** With several accounts, the pool's ranking of all of them; otherwise ours alone, first. */
  ranking?: () => ProfileRanking;
  /** Told once per agent whose stale view of the auth store had to be rebuilt (see agent-view.ts). */
  onAgentViewRebuilt?: (agentDir: string) => void;
}): Publisher & { applyRanking(): Promise<void> } {
  const loadApi = options.loadApi ?? (async () => (await import("openclaw/plugin-sdk/provider-auth")) as unknown as AuthStoreApi);
  const { profileId } = options;

  /** Pure over a store: does it hold Anthropic profiles other than ours? */
  const holdsOtherAnthropicProfiles = (store: AuthProfileStore) =>
    Object.entries(store.profiles ?? {}).some(([id, cred]) => id !== profileId && cred.provider === PROVIDER);

  const ranking = options.ranking ?? (() => ({ order: [profileId], blockedUntil: {} }));
  const rebuiltViews = new Set<string>();

  async function rank(api: AuthStoreApi, agentDir: string | undefined, where: string): Promise<void> {
    const r = ranking();
    const ordered = await api.updateAuthProfileStoreWithLock({ ...(agentDir ? { agentDir } : {}), updater: (store) => applyRanking(store, r) });
    if (ordered === null) throw new PluginError("publish_failed", `OpenClaw refused to put ${r.order.join(", ")} first in the ${where}'s Anthropic profile order; will retry.`);
  }

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
        await rank(api, agentDir, where);
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
    async applyRanking() {
      const api = await loadApi();
      for (const agentDir of await targets(api, options.agentDirs ? await options.agentDirs() : [])) await rank(api, agentDir, agentDir ? `agent store ${agentDir}` : "shared auth store");
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
