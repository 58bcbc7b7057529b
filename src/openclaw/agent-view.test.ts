import type { AuthProfileStore } from "openclaw/plugin-sdk/provider-auth";
import { describe, expect, it } from "vitest";
import { ensureAgentViewCarries, viewCarries, type AgentViewApi } from "./agent-view.js";

const OURS = "anthropic:subscription";
const NEW = "sk-ant-oat01-FAKE-new-000000000000000000";
const OLD = "sk-ant-oat01-FAKE-old-000000000000000000";
const DIR = "/state/agents/main/agent";

function storeWith(token: string | undefined): AuthProfileStore {
  const credential = { type: "oauth", provider: "anthropic", access: token, expires: 1 } as unknown as AuthProfileStore["profiles"][string];
  return { version: 1, profiles: token === undefined ? {} : { [OURS]: credential } };
}

/**
 * A host whose view of the agent is `initial` until a transaction on the agent's store commits,
 * and `afterTouch` from then on (what OpenClaw 2026.8.1 does when it rebuilds the snapshot).
 */
function host(initial: string | undefined, afterTouch: string | undefined) {
  let touched = false;
  const reads: Array<{ agentDir: string | undefined; options: unknown }> = [];
  const updates: Array<{ agentDir: string | undefined; changed: boolean }> = [];
  const api: Required<AgentViewApi> = {
    ensureAuthProfileStore: (agentDir, options) => {
      reads.push({ agentDir, options });
      return storeWith(touched ? afterTouch : initial);
    },
    async updateAuthProfileStoreWithLock({ agentDir, updater }) {
      const changed = updater(storeWith(initial));
      updates.push({ agentDir, changed });
      touched = true;
      return storeWith(afterTouch);
    },
  };
  return { api, reads, updates };
}

describe("viewCarries", () => {
  it("true only for our profile with exactly that token (oauth as published, token as older plugins wrote)", () => {
    expect(viewCarries(storeWith(NEW), OURS, NEW)).toBe(true);
    expect(viewCarries({ profiles: { [OURS]: { type: "token", provider: "anthropic", token: NEW } } }, OURS, NEW)).toBe(true);
    expect(viewCarries({ profiles: { [OURS]: { type: "token", provider: "anthropic", token: OLD } } }, OURS, NEW)).toBe(false);
    expect(viewCarries(storeWith(OLD), OURS, NEW)).toBe(false);
    expect(viewCarries(storeWith(undefined), OURS, NEW)).toBe(false);
    expect(viewCarries(undefined, OURS, NEW)).toBe(false);
    expect(viewCarries({ profiles: { [OURS]: { type: "api_key", provider: "anthropic", key: NEW } } }, OURS, NEW)).toBe(false);
    expect(viewCarries(storeWith(NEW), "anthropic:other", NEW)).toBe(false);
  });
});

describe("ensureAgentViewCarries", () => {
  it("fresh view: reads once, read-only and without Claude CLI or keychain discovery, writes nothing", async () => {
    const h = host(NEW, NEW);
    expect(await ensureAgentViewCarries(h.api, { agentDir: DIR, profileId: OURS, token: NEW })).toBe("fresh");
    expect(h.reads).toEqual([{ agentDir: DIR, options: { readOnly: true, syncExternalCli: false, allowKeychainPrompt: false } }]);
    expect(h.updates).toEqual([]);
  });

  it("stale view (the old token, or none): one transaction on that agent's store, then it carries the new token", async () => {
    for (const before of [OLD, undefined]) {
      const h = host(before, NEW);
      expect(await ensureAgentViewCarries(h.api, { agentDir: DIR, profileId: OURS, token: NEW })).toBe("rebuilt");
      expect(h.updates).toEqual([{ agentDir: DIR, changed: true }]);
      expect(h.reads).toHaveLength(2);
    }
  });

  it("still stale after the rebuild: says so (the caller fails the publish and retries)", async () => {
    const h = host(OLD, OLD);
    expect(await ensureAgentViewCarries(h.api, { agentDir: DIR, profileId: OURS, token: NEW })).toBe("stale");
    expect(h.updates).toHaveLength(1);
  });

  it("a host without ensureAuthProfileStore: unchecked, nothing touched", async () => {
    const updates: unknown[] = [];
    const api: AgentViewApi = {
      async updateAuthProfileStoreWithLock(params) {
        updates.push(params);
        return null;
      },
    };
    expect(await ensureAgentViewCarries(api, { agentDir: DIR, profileId: OURS, token: NEW })).toBe("unchecked");
    expect(updates).toEqual([]);
  });
});
