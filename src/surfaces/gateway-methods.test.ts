import { describe, expect, it } from "vitest";
import { keepsCredentialsOnLogout } from "../service.js";
import { METHODS, METHOD_SCOPES, ON_DEMAND_USAGE_MIN_INTERVAL_MS, OnDemandLimiter } from "./gateway-methods.js";

describe("gateway method scopes (issue 16, item 2)", () => {
  it("every method that changes anything needs operator.admin; status is readable at operator.read", () => {
    expect(METHOD_SCOPES).toEqual({
      [METHODS.status]: "operator.read",
      [METHODS.refresh]: "operator.admin",
      [METHODS.reload]: "operator.admin",
      [METHODS.logout]: "operator.admin",
    });
  });

  it("a read-only caller's usage checks on demand: one per account per minute", () => {
    const limiter = new OnDemandLimiter();
    const t = 1_000_000;
    expect(limiter.take("default", t)).toBe(true);
    expect(limiter.take("default", t + 1)).toBe(false);
    expect(limiter.take("work", t + 1)).toBe(true);
    expect(limiter.take("default", t + ON_DEMAND_USAGE_MIN_INTERVAL_MS - 1)).toBe(false);
    expect(limiter.take("default", t + ON_DEMAND_USAGE_MIN_INTERVAL_MS)).toBe(true);
  });

  it("logout keeps Claude Code's file unless asked, deletes the plugin's unless asked (item 3)", () => {
    expect(keepsCredentialsOnLogout("claude-code", {})).toBe(true);
    expect(keepsCredentialsOnLogout("claude-code", { deleteCredentials: true })).toBe(false);
    expect(keepsCredentialsOnLogout("plugin", {})).toBe(false);
    expect(keepsCredentialsOnLogout("plugin", { keepCredentials: true })).toBe(true);
  });
});
