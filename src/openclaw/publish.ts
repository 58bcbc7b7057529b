import type { AuthProfileStore } from "openclaw/plugin-sdk/provider-auth";
import { ensureAgentViewCarries, type AgentViewApi } from "./agent-view.js";
import { PluginError } from "../core/errors.js";

/**
 * Puts the access token where OpenClaw's agents read it: an auth profile in OpenClaw's own store,
 * written through the SDK (since 2026.6.5 the store is SQLite; files are ignored). The profile's
 * shape is chosen in subscriptionCredential() below; why, there.
 */

export const PROVIDER = "anthropic";

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
  /**
   * Profiles that carry another account's token for now: an account giving way lends its profile
   * to the account agents move to. OpenClaw keeps a Claude CLI session on the profile it started
   * with whatever the order or a block says, so this is what moves such a session at its next turn;
   * the profile id, and with it the session's auth epoch, stays the same, so the conversation goes
   * on (on the other account of the same owner).
   */
  carry?: Record<string, PublishedToken>;
  /**
   * Profiles that stop carrying another account's token: each gets its own account's token back,
   * but only while it still holds the token it was lent (`lent`, that access token). Anything else
   * there was written since by its own account's publish (a refresh), which is newer: left alone.
   * Without this a profile kept the lent token after lending ended (its account republishes only
   * when its own token changes), and the next account to give way swapped tokens with it.
   */
  giveBack?: Record<string, { token: PublishedToken; lent: string }>;
}

/** The few SDK functions we use, so tests and the CLI can pass their own. */
export interface AuthStoreApi extends AgentViewApi {
  upsertAuthProfileWithLock(params: { profileId: string; credential: SubscriptionCredential | AgentStoreCredential; agentDir?: string }): Promise<AuthProfileStore | null>;
  updateAuthProfileStoreWithLock(params: { agentDir?: string; updater: (store: AuthProfileStore) => boolean }): Promise<AuthProfileStore | null>;
}

/**
 * The profile the plugin writes for one account: an OAuth identity that carries the access token
 * and NO refresh token. Read in OpenClaw 2026.9.6's dist (and proved end to end, see
 * docs/claude-cli-runtime.md):
 *
 * - One identity across rotation. A Claude CLI session is resumed only while its "auth epoch" is
 *   unchanged (`cli-auth-epoch-*.mjs`). For a `token` profile the epoch hashes the token itself,
 *   so every refresh cut the conversation (`cli session reset: reason=auth-epoch`). For an `oauth`
 *   profile it hashes only identity fields (provider, clientId, email, accountId, ...), never
 *   `access`, so a refresh keeps the session.
 * - No email, no accountId. With either, the epoch is that identity; an imported Claude Code file
 *   has no email and the first refresh answer brings one, which would cut every session once (and
 *   again after a restart if the file's email changed). Without them the epoch is
 *   `profile:<profileId>:<fixed hash>`: the same for the life of the profile id, across refreshes
 *   and gateway restarts. The email goes in `displayName`, which no epoch or owner hash reads.
 * - OpenClaw never refreshes it. Its OAuth manager gives up before any request when the profile has
 *   no refresh token (`claimOAuthRefresh`: no `refresh` -> "unavailable"); so it never POSTs our
 *   login with the same client id (two refreshers would burn the rotating refresh token) and never
 *   writes its `openclaw-oauth-refresh-fence` markers over it.
 * - The one cost: OpenClaw counts an OAuth access token as unusable in its last 5 minutes
 *   (DEFAULT_OAUTH_REFRESH_MARGIN_MS) where a `token` profile worked to the end. The plugin
 *   refreshes far earlier than that (schedule.ts), so this only matters when refreshing has
 *   already failed for hours.
 */
export interface SubscriptionCredential {
  type: "oauth";
  provider: "anthropic";
  access: string;
  expires: number;
  displayName?: string;
}

/** The profile written into an agent's own store (see publish). */
export interface AgentStoreCredential {
  type: "token";
  provider: "anthropic";
  token: string;
  expires: number;
}

/** Pure: the `token` profile for an agent's own store. */
export function agentStoreCredential(token: PublishedToken): AgentStoreCredential {
  return { type: "token", provider: PROVIDER, token: token.accessToken, expires: token.expiresAt };
}

/** Pure: the profile for one published token (see SubscriptionCredential). */
export function subscriptionCredential(token: PublishedToken): SubscriptionCredential {
  return { type: "oauth", provider: PROVIDER, access: token.accessToken, expires: token.expiresAt, ...(token.email ? { displayName: token.email } : {}) };
}


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

/** Which store a ranking goes into: the shared one, or an agent's own (which gets `token` profiles, see publish). */
export type StoreKind = "shared" | "agent";

type StoredProfile = AuthProfileStore["profiles"][string];

/**
 * Pure: the profile for a token in a store of this kind. An agent's own store gets a `token`
 * profile: OpenClaw keeps `oauth` profiles in the shared store whatever agent dir is named, so an
 * agent that reads its own Anthropic profiles first never found an `oauth` one there (measured on
 * 2026.9.6). The cost, for such agents only: a Claude CLI session there starts over after a
 * refresh (a token profile's epoch holds the token).
 */
export function credentialFor(token: PublishedToken, kind: StoreKind): SubscriptionCredential | AgentStoreCredential {
  return kind === "agent" ? agentStoreCredential(token) : subscriptionCredential(token);
}

/** The same, typed as a stored profile, for the ranking's direct store edits. */
const storedCredential = (token: PublishedToken, kind: StoreKind): StoredProfile => credentialFor(token, kind) as unknown as StoredProfile;

/** Pure: the access token a stored profile carries (oauth: `access`, token: `token`). */
function carriedAccess(profile: StoredProfile): string | undefined {
  const p = profile as { type?: string; access?: unknown; token?: unknown };
  const value = p.type === "oauth" ? p.access : p.type === "token" ? p.token : undefined;
  return typeof value === "string" ? value : undefined;
}

/** Pure: applies our order, blocks and lent tokens to a store; true when anything changed. */
export function applyRanking(store: AuthProfileStore, ranking: ProfileRanking, kind: StoreKind = "shared"): boolean {
  let changed = false;
  const ours = ranking.order.filter((id) => id in store.profiles);
  const order = orderWithFront(ours, store);
  if (!sameOrder(store.order?.[PROVIDER], order)) {
    store.order = { ...store.order, [PROVIDER]: order };
    changed = true;
  }
  for (const [id, token] of Object.entries(ranking.carry ?? {})) {
    const current = store.profiles[id];
    if (current === undefined) continue; // not published (yet): its own publish will carry it
    const wanted = storedCredential(token, kind);
    if (current.type === wanted.type && carriedAccess(current) === token.accessToken && (current as { expires?: unknown }).expires === token.expiresAt) continue;
    store.profiles[id] = wanted;
    changed = true;
  }
  for (const [id, back] of Object.entries(ranking.giveBack ?? {})) {
    const current = store.profiles[id];
    if (current === undefined || carriedAccess(current) !== back.lent) continue;
    store.profiles[id] = storedCredential(back.token, kind);
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

/** Where the stores are and how to reach them: what every writer of the auth store needs. */
interface StoreAccess {
  agentDirs?: () => Promise<string[]> | string[];
  loadApi?: () => Promise<AuthStoreApi>;
}

const defaultLoadApi = async (): Promise<AuthStoreApi> => (await import("openclaw/plugin-sdk/provider-auth")) as unknown as AuthStoreApi;

/** Pure over a store: does it hold Anthropic profiles other than these? */
function holdsOtherAnthropicProfiles(store: AuthProfileStore, ours: readonly string[]): boolean {
  return Object.entries(store.profiles ?? {}).some(([id, cred]) => !ours.includes(id) && cred.provider === PROVIDER);
}

/**
 * The stores a write goes to: `undefined` is the shared store every agent inherits from. An agent
 * with Anthropic profiles of its own reads those before the shared ones, so it gets ours too.
 */
async function targetStores(api: AuthStoreApi, agentDirs: string[], ours: readonly string[]): Promise<Array<string | undefined>> {
  const out: Array<string | undefined> = [undefined];
  for (const agentDir of agentDirs) {
    let local = false;
    await api.updateAuthProfileStoreWithLock({ agentDir, updater: (store) => ((local = holdsOtherAnthropicProfiles(store, ours)), false) });
    if (local) out.push(agentDir);
  }
  return out;
}

async function writeRanking(api: AuthStoreApi, agentDir: string | undefined, r: ProfileRanking): Promise<void> {
  const where = agentDir ? `agent store ${agentDir}` : "shared auth store";
  const ordered = await api.updateAuthProfileStoreWithLock({ ...(agentDir ? { agentDir } : {}), updater: (store) => applyRanking(store, r, agentDir ? "agent" : "shared") });
  if (ordered === null) throw new PluginError("publish_failed", `OpenClaw refused to put ${r.order.join(", ")} first in the ${where}'s Anthropic profile order; will retry.`);
}

/**
 * The pool's writer of the shared ranking (order, blocks, lent and given-back tokens) into every store: one for
 * all accounts, not any one account's publisher.
 */
export function createRankingWriter(options: StoreAccess): { applyRanking(ranking: ProfileRanking): Promise<void> } {
  const loadApi = options.loadApi ?? defaultLoadApi;
  return {
    async applyRanking(r) {
      const api = await loadApi();
      // Every store that holds any Anthropic profile (ours included) needs our order.
      for (const agentDir of await targetStores(api, options.agentDirs ? await options.agentDirs() : [], [])) await writeRanking(api, agentDir, r);
    },
  };
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
  const loadApi = options.loadApi ?? defaultLoadApi;
  const { profileId } = options;
  const ranking: () => ProfileRanking = options.ranking ?? (() => ({ order: [profileId], blockedUntil: {} }));
  const rebuiltViews = new Set<string>();
  const targets = (api: AuthStoreApi, agentDirs: string[]) => targetStores(api, agentDirs, [profileId]);

  return {
    async publish(own) {
      const api = await loadApi();
      // An account giving way publishes the token of the account its sessions move to.
      const token = ranking().carry?.[profileId] ?? own;
      const agentDirs = options.agentDirs ? await options.agentDirs() : [];
      for (const agentDir of await targets(api, agentDirs)) {
        const where = agentDir ? `agent store ${agentDir}` : "shared auth store";
        const written = await api.upsertAuthProfileWithLock({ profileId, credential: credentialFor(token, agentDir ? "agent" : "shared"), ...(agentDir ? { agentDir } : {}) });
        if (written === null) throw new PluginError("publish_failed", `OpenClaw refused to save profile ${profileId} in its ${where}; will retry.`);
        await writeRanking(api, agentDir, ranking());
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
      for (const agentDir of await targets(api, options.agentDirs ? await options.agentDirs() : [])) await writeRanking(api, agentDir, ranking());
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

/**
 * Native-login mode (`publishProfile: false`): agents use Claude Code's own login, so nothing is
 * written into OpenClaw. A profile this plugin wrote before the switch is removed once, at the first
 * publish, so OpenClaw never forwards a copy to Claude Code in place of its own login.
 */
export function withoutProfile(publisher: Publisher & { applyRanking(): Promise<void> }): Publisher & { applyRanking(): Promise<void> } {
  let cleared = false;
  return {
    async publish() {
      if (cleared) return;
      await publisher.unpublish();
      cleared = true;
    },
    async applyRanking() {},
    unpublish: () => publisher.unpublish(),
  };
}
