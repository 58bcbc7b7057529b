import type { AuthProfileStore } from "openclaw/plugin-sdk/provider-auth";
import { describe, expect, it } from "vitest";
import { PluginError } from "../core/errors.js";
import type { ProfileRanking, PublishedToken } from "./publish.js";
import { PROVIDER, agentStoreCredential, applyRanking, createOpenClawPublisher, createRankingWriter, orderWithFront, subscriptionCredential, withoutProfile, type AgentStoreCredential, type AuthStoreApi, type SubscriptionCredential } from "./publish.js";

const OURS = "anthropic:subscription";
const ACCESS = "sk-ant-oat01-FAKE-published-access-token-000000000";
const EXPIRES = 1_767_254_400_000;

function store(partial: Partial<AuthProfileStore> = {}): AuthProfileStore {
  return { version: 1, profiles: {}, ...partial };
}

describe("orderWithFront", () => {
  it("an empty store -> just ours", () => {
    expect(orderWithFront([OURS], store())).toEqual([OURS]);
  });

  it("puts ours first and keeps the existing order of the rest", () => {
    const s = store({
      profiles: {
        "anthropic:b": { type: "token", provider: "anthropic", token: "FAKE-b" },
        "anthropic:a": { type: "token", provider: "anthropic", token: "FAKE-a" },
      },
      order: { anthropic: ["anthropic:b", OURS, "anthropic:a"] },
    });
    expect(orderWithFront([OURS], s)).toEqual([OURS, "anthropic:b", "anthropic:a"]);
  });

  it("appends Anthropic profiles missing from the order, after the ordered ones", () => {
    const s = store({
      profiles: {
        "anthropic:claude-cli": { type: "token", provider: "anthropic", token: "FAKE-cli" },
        "anthropic:manual": { type: "api_key", provider: "anthropic", key: "FAKE-key" },
        "anthropic:old": { type: "token", provider: "anthropic", token: "FAKE-old" },
      },
      order: { anthropic: ["anthropic:old"] },
    });
    expect(orderWithFront([OURS], s)).toEqual([OURS, "anthropic:old", "anthropic:claude-cli", "anthropic:manual"]);
  });

  it("ignores other providers' profiles and orders", () => {
    const s = store({
      profiles: {
        "openai:default": { type: "api_key", provider: "openai", key: "FAKE-openai" },
        "anthropic:x": { type: "token", provider: "anthropic", token: "FAKE-x" },
        [OURS]: { type: "token", provider: "anthropic", token: "FAKE-ours" },
      },
      order: { openai: ["openai:default"] },
    });
    expect(orderWithFront([OURS], s)).toEqual([OURS, "anthropic:x"]);
  });

  it("lists ours once even when it is already in the order and in the profiles", () => {
    const s = store({ profiles: { [OURS]: { type: "token", provider: "anthropic", token: "FAKE" } }, order: { anthropic: [OURS, OURS] } });
    expect(orderWithFront([OURS], s)).toEqual([OURS]);
  });
});

interface Call {
  kind: "upsert" | "update";
  agentDir: string | undefined;
  credential?: SubscriptionCredential | AgentStoreCredential;
  profileId?: string;
  changed?: boolean;
}

/** An in-memory OpenClaw auth store per agent dir ("" = the shared store). */
function fakeApi(options: { failUpsertFor?: string | undefined; failUpdateFor?: string | undefined; initial?: AuthProfileStore } = {}) {
  const stores = new Map<string, AuthProfileStore>();
  const calls: Call[] = [];
  let loads = 0;
  const get = (dir: string | undefined) => {
    const key = dir ?? "";
    let s = stores.get(key);
    if (!s) {
      s = structuredClone(options.initial ?? store());
      stores.set(key, s);
    }
    return s;
  };
  const api: AuthStoreApi = {
    async upsertAuthProfileWithLock({ profileId, credential, agentDir }) {
      calls.push({ kind: "upsert", agentDir, credential: structuredClone(credential), profileId });
      if ("failUpsertFor" in options && options.failUpsertFor === agentDir) return null;
      const s = get(agentDir);
      // What OpenClaw stores: an oauth profile without its refresh token (the SDK type insists on one).
      s.profiles[profileId] = credential as unknown as AuthProfileStore["profiles"][string];
      return s;
    },
    async updateAuthProfileStoreWithLock({ agentDir, updater }) {
      const s = get(agentDir);
      const changed = updater(s);
      calls.push({ kind: "update", agentDir, changed });
      if ("failUpdateFor" in options && options.failUpdateFor === agentDir) return null;
      return s;
    },
  };
  return {
    stores,
    calls,
    get,
    loads: () => loads,
    loadApi: async () => {
      loads += 1;
      return api;
    },
  };
}

async function publishError(p: Promise<unknown>): Promise<PluginError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return err as PluginError;
  }
  throw new Error("expected publish to fail");
}

describe("createOpenClawPublisher", () => {
  it("loads the SDK lazily, not when created", () => {
    const fake = fakeApi();
    createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi });
    expect(fake.loads()).toBe(0);
  });

  it("writes an oauth anthropic profile with the access token and expires, and NO refresh token; puts it first", async () => {
    const fake = fakeApi({ initial: store({ profiles: { "anthropic:claude-cli": { type: "token", provider: "anthropic", token: "FAKE-cli" } }, order: { anthropic: ["anthropic:claude-cli"] } }) });
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES, email: "someone@example.com" });

    const upserts = fake.calls.filter((c) => c.kind === "upsert");
    expect(upserts).toHaveLength(1);
    expect(upserts[0]?.profileId).toBe(OURS);
    expect(upserts[0]?.agentDir).toBeUndefined();
    expect(upserts[0]?.credential).toEqual({ type: "oauth", provider: PROVIDER, access: ACCESS, expires: EXPIRES, displayName: "someone@example.com" });
    // Without a refresh token OpenClaw's OAuth manager never tries to refresh it (two refreshers
    // would burn the rotating refresh token); a token profile is what cut Claude CLI sessions.
    expect(upserts[0]?.credential).not.toHaveProperty("refresh");
    expect(upserts[0]?.credential).not.toHaveProperty("token");

    const shared = fake.get(undefined);
    expect(shared.profiles[OURS]?.type).toBe("oauth");
    expect(shared.profiles[OURS]?.provider).toBe("anthropic");
    expect(shared.order?.anthropic).toEqual([OURS, "anthropic:claude-cli"]);
  });

  it("leaves out displayName when there is no email", async () => {
    const fake = fakeApi();
    await createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi }).publish({ accessToken: ACCESS, expiresAt: EXPIRES });
    expect(fake.calls[0]?.credential).toEqual({ type: "oauth", provider: "anthropic", access: ACCESS, expires: EXPIRES });
  });

  it("one identity across rotation: only access and expires change; no field OpenClaw's session epoch reads", () => {
    // OpenClaw's Claude CLI session epoch for an oauth profile hashes provider, clientId, email,
    // enterpriseUrl, projectId and accountId (cli-auth-epoch): none may carry anything that moves.
    const epochFields = ["clientId", "email", "enterpriseUrl", "projectId", "accountId", "refresh", "idToken", "token", "tokenRef"];
    const imported = subscriptionCredential({ accessToken: ACCESS, expiresAt: EXPIRES });
    const refreshed = subscriptionCredential({ accessToken: `${ACCESS}-2`, expiresAt: EXPIRES + 8 * 3_600_000, email: "someone@example.com" });
    for (const c of [imported, refreshed]) for (const field of epochFields) expect(c).not.toHaveProperty(field);
    const identity = ({ access: _a, expires: _e, displayName: _d, ...rest }: SubscriptionCredential) => rest;
    expect(identity(refreshed)).toEqual(identity(imported));
  });

  it("does not rewrite the order when ours is already first", async () => {
    const fake = fakeApi();
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES + 1 });
    expect(fake.calls.filter((c) => c.kind === "update").map((c) => c.changed)).toEqual([true, false]);
    expect(fake.get(undefined).profiles[OURS]).toMatchObject({ expires: EXPIRES + 1 });
  });

  const LOCAL_ANTHROPIC = store({ profiles: { "anthropic:local": { type: "token", provider: "anthropic", token: "FAKE-local" } } });

  it("publishes to the shared store and to every agent dir that holds Anthropic profiles of its own", async () => {
    const fake = fakeApi({ initial: LOCAL_ANTHROPIC });
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi, agentDirs: async () => ["/agents/a", "/agents/b"] });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES });
    expect(fake.calls.filter((c) => c.kind === "upsert").map((c) => c.agentDir)).toEqual([undefined, "/agents/a", "/agents/b"]);
    // The shared store gets the oauth profile; an agent's own store a token profile (OpenClaw keeps
    // oauth profiles in the shared store only).
    expect(fake.get(undefined).profiles[OURS]).toMatchObject({ type: "oauth", access: ACCESS });
    for (const dir of ["/agents/a", "/agents/b"]) expect(fake.get(dir).profiles[OURS]).toMatchObject({ type: "token", token: ACCESS, expires: EXPIRES });
    for (const dir of [undefined, "/agents/a", "/agents/b"]) expect(fake.get(dir).order?.anthropic).toEqual([OURS, "anthropic:local"]);
  });

  it("leaves alone an agent dir without Anthropic profiles of its own (it inherits the shared store)", async () => {
    const fake = fakeApi();
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi, agentDirs: async () => ["/agents/a"] });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES });
    expect(fake.calls.filter((c) => c.kind === "upsert").map((c) => c.agentDir)).toEqual([undefined]);
    expect(fake.get("/agents/a").profiles[OURS]).toBeUndefined();
  });

  it("throws publish_failed when OpenClaw refuses the upsert (returns null)", async () => {
    const fake = fakeApi({ failUpsertFor: undefined });
    const e = await publishError(createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi }).publish({ accessToken: ACCESS, expiresAt: EXPIRES }));
    expect(e.code).toBe("publish_failed");
    expect(e.message).toContain(OURS);
    expect(e.message).not.toContain(ACCESS);
  });

  it("throws publish_failed when OpenClaw refuses the order update (returns null)", async () => {
    const fake = fakeApi({ failUpdateFor: undefined });
    const e = await publishError(createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi }).publish({ accessToken: ACCESS, expiresAt: EXPIRES }));
    expect(e.code).toBe("publish_failed");
    expect(e.message).not.toContain(ACCESS);
  });

  it("a refusal in one agent dir fails the publish and names that store", async () => {
    const fake = fakeApi({ failUpsertFor: "/agents/b", initial: LOCAL_ANTHROPIC });
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi, agentDirs: () => ["/agents/a", "/agents/b"] });
    const e = await publishError(publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES }));
    expect(e.code).toBe("publish_failed");
    expect(e.message).toContain("/agents/b");
  });

  /** fakeApi plus a host view per agent dir: stale (the shared store as it was) until a transaction on that dir commits, or forever. */
  function withViews(fake: ReturnType<typeof fakeApi>, opts: { staleDirs: string[]; healable: boolean }): () => Promise<AuthStoreApi> {
    const stale = new Map(opts.staleDirs.map((dir) => [dir, structuredClone(fake.get(undefined))]));
    return async () => {
      const base = await fake.loadApi();
      return {
        ...base,
        ensureAuthProfileStore: (agentDir) => structuredClone((agentDir !== undefined && stale.get(agentDir)) || fake.get(undefined)),
        async updateAuthProfileStoreWithLock(params) {
          const result = await base.updateAuthProfileStoreWithLock(params);
          if (opts.healable && params.agentDir !== undefined && fake.calls.at(-1)?.changed) stale.delete(params.agentDir);
          return result;
        },
      };
    };
  }

  it("after the shared write, rebuilds an agent's stale view once and reports it once; fresh views are left alone", async () => {
    const fake = fakeApi();
    const rebuilt: string[] = [];
    const publisher = createOpenClawPublisher({
      profileId: OURS,
      loadApi: withViews(fake, { staleDirs: ["/agents/main"], healable: true }),
      agentDirs: () => ["/agents/main", "/agents/other"],
      onAgentViewRebuilt: (dir) => rebuilt.push(dir),
    });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES });
    await publisher.publish({ accessToken: `${ACCESS}-2`, expiresAt: EXPIRES + 1 });
    expect(rebuilt).toEqual(["/agents/main"]);
    // The rebuild is a transaction that changes nothing; no token copy lands in the agent's own store.
    expect(fake.calls.filter((c) => c.kind === "upsert").map((c) => c.agentDir)).toEqual([undefined, undefined]);
    expect(fake.get("/agents/main").profiles[OURS]).toBeUndefined();
    expect(fake.calls.filter((c) => c.kind === "update" && c.changed && c.agentDir !== undefined).map((c) => c.agentDir)).toEqual(["/agents/main"]);
  });

  it("a view still stale after the rebuild fails the publish (retried later), naming the agent dir and no token", async () => {
    const fake = fakeApi();
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: withViews(fake, { staleDirs: ["/agents/main"], healable: false }), agentDirs: () => ["/agents/main"] });
    const e = await publishError(publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES }));
    expect(e.code).toBe("publish_failed");
    expect(e.message).toContain("/agents/main");
    expect(e.message).not.toContain(ACCESS);
  });

  it("unpublish removes our profile and our place in the order, nothing else", async () => {
    const fake = fakeApi({ initial: store({ profiles: { "anthropic:other": { type: "token", provider: "anthropic", token: "FAKE-o" } } }) });
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES });
    expect(fake.get(undefined).order?.anthropic).toEqual([OURS, "anthropic:other"]);
    await publisher.unpublish();
    expect(fake.get(undefined).profiles).not.toHaveProperty(OURS);
    expect(fake.get(undefined).profiles).toHaveProperty("anthropic:other");
    expect(fake.get(undefined).order?.anthropic).toEqual(["anthropic:other"]);
    // a second unpublish changes nothing
    await publisher.unpublish();
    expect(fake.calls.at(-1)).toMatchObject({ kind: "update", changed: false });
  });
});

describe("withoutProfile (native-login mode)", () => {
  it("writes no profile; removes one left from before, once; ranking writes nothing", async () => {
    const fake = fakeApi();
    const real = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi });
    await real.publish({ accessToken: ACCESS, expiresAt: EXPIRES }); // what the plugin wrote before the switch
    const calls = fake.calls.length;
    const native = withoutProfile(real);
    await native.publish({ accessToken: `${ACCESS}-2`, expiresAt: EXPIRES + 1 });
    expect(fake.get(undefined).profiles).not.toHaveProperty(OURS);
    expect(fake.get(undefined).order?.anthropic ?? []).not.toContain(OURS);
    const afterClear = fake.calls.length;
    expect(afterClear).toBeGreaterThan(calls);
    await native.publish({ accessToken: `${ACCESS}-3`, expiresAt: EXPIRES + 2 });
    await native.applyRanking();
    expect(fake.calls.length, "nothing more touches OpenClaw's store").toBe(afterClear);
    expect(fake.calls.filter((c) => c.kind === "upsert")).toHaveLength(1);
  });
});

describe("carry: an account giving way lends its profile another account's token", () => {
  it("applyRanking writes the carried token into our profile (once); publish of the lender's own token is replaced", async () => {
    const fake = fakeApi();
    let ranking: ProfileRanking = { order: [OURS], blockedUntil: {} };
    const publisher = createOpenClawPublisher({ profileId: OURS, loadApi: fake.loadApi, ranking: () => ranking });
    await publisher.publish({ accessToken: ACCESS, expiresAt: EXPIRES });
    const other = { accessToken: "sk-ant-oat01-FAKE-other-account", expiresAt: EXPIRES + 5, email: "other@example.test" };
    ranking = { order: ["anthropic:other", OURS], blockedUntil: { [OURS]: EXPIRES }, carry: { [OURS]: other } };
    await publisher.applyRanking();
    expect(fake.get(undefined).profiles[OURS]).toEqual({ type: "oauth", provider: "anthropic", access: other.accessToken, expires: other.expiresAt, displayName: "other@example.test" });
    const updates = fake.calls.filter((c) => c.kind === "update" && c.changed).length;
    await publisher.applyRanking();
    expect(fake.calls.filter((c) => c.kind === "update" && c.changed)).toHaveLength(updates); // nothing new
    // our own refresh while giving way still publishes the carried token
    await publisher.publish({ accessToken: `${ACCESS}-refreshed`, expiresAt: EXPIRES + 9 });
    expect(fake.get(undefined).profiles[OURS]).toMatchObject({ access: other.accessToken });
    // the block ends: our own token again
    ranking = { order: ["anthropic:other", OURS], blockedUntil: {} };
    await publisher.publish({ accessToken: `${ACCESS}-refreshed`, expiresAt: EXPIRES + 9 });
    expect(fake.get(undefined).profiles[OURS]).toMatchObject({ access: `${ACCESS}-refreshed` });
  });
});

describe("giveBack: a profile that stops lending gets its own token back", () => {
  const own = { accessToken: "sk-ant-oat01-FAKE-own", expiresAt: EXPIRES, email: "own@example.test" };
  const lent = { accessToken: "sk-ant-oat01-FAKE-lent", expiresAt: EXPIRES + 5, email: "lent@example.test" };
  const holding = (token: PublishedToken) => ({ version: 1, profiles: { [OURS]: subscriptionCredential(token) as unknown as AuthProfileStore["profiles"][string] } }) as AuthProfileStore;

  it("writes its own token where the profile still holds the lent one", () => {
    const s = holding(lent);
    expect(applyRanking(s, { order: [OURS], blockedUntil: {}, giveBack: { [OURS]: { token: own, lent: lent.accessToken } } })).toBe(true);
    expect(s.profiles[OURS]).toEqual({ type: "oauth", provider: "anthropic", access: own.accessToken, expires: own.expiresAt, displayName: "own@example.test" });
    // already given back: nothing changes
    expect(applyRanking(s, { order: [OURS], blockedUntil: {}, giveBack: { [OURS]: { token: own, lent: lent.accessToken } } })).toBe(false);
  });

  it("leaves alone a profile its own publish rewrote since (a refresh: newer than the token the pool read)", () => {
    const refreshed = { accessToken: "sk-ant-oat01-FAKE-own-refreshed", expiresAt: EXPIRES + 9 };
    const s = holding(refreshed);
    applyRanking(s, { order: [OURS], blockedUntil: {}, giveBack: { [OURS]: { token: own, lent: lent.accessToken } } });
    expect(s.profiles[OURS]).toMatchObject({ access: refreshed.accessToken });
  });

  it("in an agent's own store, lends and gives back `token` profiles, as publish writes there", () => {
    const s = { version: 1, profiles: { [OURS]: agentStoreCredential(own) as unknown as AuthProfileStore["profiles"][string] } } as AuthProfileStore;
    applyRanking(s, { order: [OURS], blockedUntil: {}, carry: { [OURS]: lent } }, "agent");
    expect(s.profiles[OURS]).toEqual({ type: "token", provider: "anthropic", token: lent.accessToken, expires: lent.expiresAt });
    applyRanking(s, { order: [OURS], blockedUntil: {}, giveBack: { [OURS]: { token: own, lent: lent.accessToken } } }, "agent");
    expect(s.profiles[OURS]).toEqual({ type: "token", provider: "anthropic", token: own.accessToken, expires: own.expiresAt });
  });

  it("the ranking writer gives back in the shared store and in an agent's own store, each in its shape", async () => {
    const f = fakeApi();
    f.get(undefined).profiles[OURS] = subscriptionCredential(lent) as unknown as AuthProfileStore["profiles"][string];
    f.get("/agents/own").profiles[OURS] = agentStoreCredential(lent) as unknown as AuthProfileStore["profiles"][string];
    f.get("/agents/own").profiles["anthropic:manual"] = { type: "token", provider: PROVIDER, token: "sk-ant-oat01-FAKE-manual" } as AuthProfileStore["profiles"][string];
    const writer = createRankingWriter({ loadApi: f.loadApi, agentDirs: () => ["/agents/own"] });
    await writer.applyRanking({ order: [OURS], blockedUntil: {}, giveBack: { [OURS]: { token: own, lent: lent.accessToken } } });
    expect(f.get(undefined).profiles[OURS]).toMatchObject({ type: "oauth", access: own.accessToken });
    expect(f.get("/agents/own").profiles[OURS]).toMatchObject({ type: "token", token: own.accessToken });
  });
});

describe("createRankingWriter (the pool's one writer of the shared order)", () => {
  it("writes order and blocks into the shared store and into every agent store holding any Anthropic profile, ours included", async () => {
    const f = fakeApi();
    f.get("/agents/own").profiles["anthropic:manual"] = { type: "token", provider: PROVIDER, token: "sk-ant-oat01-FAKE-manual" } as AuthProfileStore["profiles"][string];
    f.get("/agents/ours-only").profiles[OURS] = subscriptionCredential({ accessToken: ACCESS, expiresAt: 1 }) as unknown as AuthProfileStore["profiles"][string];
    f.get("/agents/empty");
    for (const dir of ["", "/agents/own", "/agents/ours-only"]) f.get(dir || undefined).profiles[`${OURS}-work`] = subscriptionCredential({ accessToken: ACCESS, expiresAt: 1 }) as unknown as AuthProfileStore["profiles"][string];
    const writer = createRankingWriter({ loadApi: f.loadApi, agentDirs: () => ["/agents/own", "/agents/ours-only", "/agents/empty"] });
    const ranking: ProfileRanking = { order: [`${OURS}-work`, OURS], blockedUntil: { [OURS]: 42 } };
    await writer.applyRanking(ranking);
    expect(f.get(undefined).order?.[PROVIDER]?.[0]).toBe(`${OURS}-work`);
    expect(f.get("/agents/own").order?.[PROVIDER]?.slice(0, 1)).toEqual([`${OURS}-work`]);
    expect(f.get("/agents/ours-only").order?.[PROVIDER]?.[0]).toBe(`${OURS}-work`);
    expect(f.get("/agents/empty").order).toBeUndefined();
    expect(f.get(undefined).usageStats?.[OURS]).toMatchObject({ blockedUntil: 42 });
  });
});
