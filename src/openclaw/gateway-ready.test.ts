import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { gatewayReady, markGatewayReady } from "./gateway-ready.js";

const KEY = Symbol.for("claude-oauth-refresh.gateway-ready");
const forget = (): void => void delete (globalThis as { [KEY]?: unknown })[KEY];

describe("gatewayReady", () => {
  beforeEach(() => {
    forget();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    forget();
  });

  const settledAfter = async (p: Promise<void>, ms: number): Promise<boolean> => {
    let settled = false;
    void p.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(ms);
    return settled;
  };

  it("waits for the gateway_start hook, not for the fallback", async () => {
    const ready = gatewayReady(10_000);
    expect(await settledAfter(ready, 9_000)).toBe(false);
    markGatewayReady();
    expect(await settledAfter(ready, 0)).toBe(true);
  });

  it("starts anyway after the fallback when the hook never fires", async () => {
    expect(await settledAfter(gatewayReady(10_000), 10_000)).toBe(true);
  });

  it("answers at once after the hook fired, also for a fresh copy of the module (a plugin reload)", async () => {
    markGatewayReady();
    vi.resetModules();
    const fresh = (await import("./gateway-ready.js")) as typeof import("./gateway-ready.js");
    expect(await settledAfter(fresh.gatewayReady(10_000), 0)).toBe(true);
  });

  it("wakes every waiter and leaves no timer behind", async () => {
    const both = [gatewayReady(10_000), gatewayReady(20_000)];
    markGatewayReady();
    expect(await settledAfter(Promise.all(both).then(() => undefined), 0)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
