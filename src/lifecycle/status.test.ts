import { describe, expect, it } from "vitest";
import { initialLifecycle, type Lifecycle } from "./decide.js";
import { statusOf, type StatusParts } from "./status.js";

const NOW = 1_767_225_600_000;
const HOUR = 3_600_000;
const parts: StatusParts = {
  credentialsPath: "/creds.json",
  profileId: "anthropic:claude-oauth",
  agents: undefined,
  lockPlan: { protocol: "plugin", refreshLocks: ["/creds.json.lock"] },
  skippedLocks: [],
  marginMs: HOUR,
  events: [],
};
const running: Lifecycle = { ...initialLifecycle, state: "ok", oauth: { accessToken: "FAKE-a", refreshToken: "FAKE-r", expiresAt: NOW + 8 * HOUR, accountEmail: "a@example.test" } };

describe("statusOf", () => {
  it("shows the planned refresh, the account and the locks, never a token", () => {
    const s = statusOf(running, parts);
    expect(s).toMatchObject({ state: "ok", accessTokenExpiresAt: NOW + 8 * HOUR, nextRefreshAt: NOW + 7 * HOUR, account: { email: "a@example.test" }, unsavedTokens: false, locks: { refresh: ["/creds.json.lock"] } });
    expect(JSON.stringify(s)).not.toContain("FAKE-");
  });

  it("plans no refresh while a new login is needed, and shows the retry moment while retrying", () => {
    expect(statusOf({ ...running, state: "needs-login" }, parts).nextRefreshAt).toBeUndefined();
    expect(statusOf({ ...running, state: "retrying", retryAt: NOW + 5_000 }, parts)).toMatchObject({ nextRefreshAt: NOW + 5_000, retryAt: NOW + 5_000 });
  });

  it("lists skipped locks only when there are some", () => {
    expect(statusOf(running, parts).locks?.skipped).toBeUndefined();
    const skipped = [{ path: "/x.lock", code: "lock_unavailable" as const, message: "m" }];
    expect(statusOf(running, { ...parts, skippedLocks: skipped }).locks?.skipped).toEqual(skipped);
  });
});
