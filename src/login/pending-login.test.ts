import { describe, expect, it } from "vitest";
import { PluginError } from "../core/errors.js";
import { PENDING_LOGIN_TTL_MS, PendingLogin } from "./pending-login.js";
import type { PkcePair } from "./pkce.js";

function setup() {
  let now = 1_000_000;
  let n = 0;
  const pending = new PendingLogin(() => now, PENDING_LOGIN_TTL_MS, (): PkcePair => ({ verifier: `verifier-${++n}`, challenge: `challenge-${n}`, state: `state-${n}` }));
  return { pending, advance: (ms: number) => (now += ms) };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PluginError);
    return (err as Error).message;
  }
  throw new Error("not refused");
}

describe("PendingLogin", () => {
  it("hands out the code and the pair for the matching state, once", () => {
    const { pending } = setup();
    const started = pending.start();
    expect(started.expiresAt).toBe(1_000_000 + 10 * 60_000);
    expect(pending.take("the-code#state-1")).toEqual({ code: "the-code", pkce: started.pkce });
    expect(pending.isPending()).toBe(false);
    expect(refusal(() => pending.take("the-code#state-1"))).toMatch(/already used/);
  });

  it("a wrong state is refused with the reason and the login stays pending", () => {
    const { pending } = setup();
    pending.start();
    expect(refusal(() => pending.take("code#state-of-another-attempt"))).toMatch(/state mismatch/);
    expect(pending.isPending()).toBe(true);
    expect(pending.take("code#state-1").code).toBe("code");
  });

  it("expires after 10 minutes", () => {
    const { pending, advance } = setup();
    pending.start();
    advance(10 * 60_000 - 1);
    expect(pending.isPending()).toBe(true);
    advance(1);
    expect(pending.isPending()).toBe(false);
    expect(refusal(() => pending.take("code#state-1"))).toMatch(/expired.*10 minutes/);
    expect(refusal(() => pending.take("code#state-1"))).toMatch(/already used, or its login was replaced or expired/);
  });

  it("a new login replaces the pending one", () => {
    const { pending } = setup();
    pending.start();
    const second = pending.start();
    expect(refusal(() => pending.take("code#state-1"))).toMatch(/replaced/);
    expect(pending.take("code#state-2").pkce).toBe(second.pkce);
  });

  it("nothing pending: says to start with /claude login; accepts the whole callback URL", () => {
    const { pending } = setup();
    expect(refusal(() => pending.take("code#state-9"))).toMatch(/No login is waiting.*\/claude login/);
    pending.start();
    expect(pending.take("https://platform.claude.com/oauth/code/callback?code=abc&state=state-1").code).toBe("abc");
  });
});
