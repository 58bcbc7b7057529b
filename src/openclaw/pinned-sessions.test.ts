import { describe, expect, it } from "vitest";
import { pinnedSessionsReader, sessionsPinnedTo, type SessionListing } from "./pinned-sessions.js";

const P = "anthropic:subscription";

describe("sessionsPinnedTo", () => {
  it("finds Claude CLI sessions by their binding and embedded sessions by their override", () => {
    const entries = [
      { sessionKey: "agent:main:main", entry: { cliSessionBindings: { "claude-cli": { authProfileId: P } } } },
      { sessionKey: "agent:main:telegram:1", entry: { authProfileOverride: P } },
      { sessionKey: "agent:main:other", entry: { cliSessionBindings: { "claude-cli": { authProfileId: "anthropic:subscription-work" } } } },
      { sessionKey: "agent:main:none", entry: {} },
    ];
    expect(sessionsPinnedTo(entries, P)).toEqual(["agent:main:main", "agent:main:telegram:1"]);
  });
  it("a session pinned both ways is named once", () => {
    expect(sessionsPinnedTo([{ sessionKey: "k", entry: { authProfileOverride: P, cliSessionBindings: { "claude-cli": { authProfileId: P } } } }], P)).toEqual(["k"]);
  });
});

describe("pinnedSessionsReader", () => {
  it("reads every agent's store, read-only", async () => {
    const asked: unknown[] = [];
    const listing: SessionListing = {
      listSessionEntries: (p) => {
        asked.push(p);
        return [{ sessionKey: `agent:${p?.agentId}:main`, entry: { authProfileOverride: P } }];
      },
    };
    expect(await pinnedSessionsReader(listing, async () => ["main", "ops"])(P)).toEqual(["agent:main:main", "agent:ops:main"]);
    expect(asked).toEqual([{ agentId: "main", readOnly: true }, { agentId: "ops", readOnly: true }]);
  });
  it("never fails its caller: no API, a refusing store, a failing agent list", async () => {
    expect(await pinnedSessionsReader(undefined, async () => ["main"])(P)).toEqual([]);
    const refusing: SessionListing = {
      listSessionEntries: (p) => {
        if (p?.agentId === "broken") throw new Error("store locked");
        return [{ sessionKey: "agent:main:main", entry: { authProfileOverride: P } }];
      },
    };
    expect(await pinnedSessionsReader(refusing, async () => ["broken", "main"])(P)).toEqual(["agent:main:main"]);
    expect(await pinnedSessionsReader(refusing, async () => Promise.reject(new Error("no config")))(P)).toEqual([]);
  });
});
