import { describe, expect, it } from "vitest";
import { FakeClock, settle } from "../../test/support/fake-clock.js";
import type { Logger } from "../core/logger.js";
import type { RawAnswer } from "../login/token-endpoint.js";
import type { UsageRequest } from "./usage.js";
import { UsageMonitor } from "./usage-monitor.js";

const T0 = Date.parse("2026-01-28T03:00:00Z");
const MIN = 60_000;
const URL = "http://127.0.0.1:9/api/oauth/usage";

function ok(fiveHour: number): RawAnswer {
  return { status: 200, headers: new Headers(), body: JSON.stringify({ five_hour: { utilization: fiveHour, resets_at: "2026-01-28T05:00:00Z" }, seven_day: null }) };
}

function setup(options: { token?: string | undefined; every?: number } = {}) {
  const clock = new FakeClock(T0);
  const requests: Array<{ at: number; request: UsageRequest }> = [];
  const lines: string[] = [];
  const log: Logger = { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
  const answers: RawAnswer[] = [];
  let token: string | undefined = "token" in options ? options.token : "sk-ant-oat01-FAKE-monitor-aaaaaaaaaaaaaaaa";
  const monitor = new UsageMonitor({
    usageUrl: URL,
    checkEveryMinutes: options.every ?? 10,
    clock,
    log,
    currentToken: () => (token ? { accessToken: token, expiresAt: clock.now() + 8 * 60 * MIN } : undefined),
    get: async (request) => {
      requests.push({ at: clock.now(), request });
      return answers.shift() ?? ok(1);
    },
  });
  return { clock, requests, lines, answers, monitor, setToken: (t: string | undefined) => (token = t) };
}

describe("UsageMonitor", () => {
  it("checks at start, then every usageCheckMinutes, with the current token", async () => {
    const t = setup();
    t.answers.push(ok(43));
    t.monitor.start();
    await t.clock.advance(0);
    expect(t.requests).toHaveLength(1);
    expect(t.requests[0]?.request.url).toBe(URL);
    expect(t.requests[0]?.request.headers.authorization).toBe("Bearer sk-ant-oat01-FAKE-monitor-aaaaaaaaaaaaaaaa");
    expect(t.monitor.report().usage?.windows.fiveHour?.utilization).toBe(43);
    await t.clock.advance(10 * MIN - 1);
    expect(t.requests).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.requests).toHaveLength(2);
    await t.clock.advance(60 * MIN);
    expect(t.requests).toHaveLength(8);
    t.monitor.stop();
    expect(t.clock.pending).toBe(0);
  });

  it("0 minutes: never starts", async () => {
    const t = setup({ every: 0 });
    t.monitor.start();
    await t.clock.advance(24 * 60 * MIN);
    expect(t.requests).toHaveLength(0);
  });

  it("checks a new token soon after a refresh, but not twice within a minute", async () => {
    const t = setup();
    t.monitor.start();
    await t.clock.advance(0);
    t.monitor.afterTokenChange();
    await t.clock.advance(MIN - 1);
    expect(t.requests).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.requests).toHaveLength(2);
    await t.clock.advance(5 * MIN);
    t.monitor.afterTokenChange();
    await t.clock.advance(0);
    expect(t.requests).toHaveLength(3);
    // and the regular interval starts over from there
    await t.clock.advance(10 * MIN);
    expect(t.requests).toHaveLength(4);
  });

  it("backs off on 429, honouring Retry-After, and does not let refreshes cut the wait short", async () => {
    const t = setup();
    t.answers.push({ status: 429, headers: new Headers({ "retry-after": "3600" }), body: "" });
    t.monitor.start();
    await t.clock.advance(0);
    expect(t.monitor.report().error?.code).toBe("rate_limited");
    t.monitor.afterTokenChange();
    await t.clock.advance(60 * MIN - 1);
    expect(t.requests).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.requests).toHaveLength(2);
    expect(t.monitor.report().error).toBeUndefined();
  });

  it("says once per kind of trouble why usage is unavailable, keeps the last numbers, and says when it is back", async () => {
    const t = setup();
    t.answers.push(ok(20), { status: 403, headers: new Headers(), body: "{}" }, { status: 403, headers: new Headers(), body: "{}" }, { status: 200, headers: new Headers(), body: "<html>" }, ok(30));
    t.monitor.start();
    await t.clock.advance(0);
    await t.clock.advance(40 * MIN);
    const warnings = t.lines.filter((l) => l.startsWith("warn"));
    expect(warnings).toEqual([
      expect.stringMatching(/^warn Usage unavailable: the usage endpoint refused this login \(HTTP 403\).*Refreshing is not affected\.$/),
      expect.stringMatching(/^warn Usage unavailable: the usage endpoint answered with something that is not JSON/),
    ]);
    expect(t.lines.at(-1)).toBe("info Usage available again.");
    expect(t.monitor.report().usage?.windows.fiveHour?.utilization).toBe(30);
  });

  it("with no valid token it asks nothing and says why in the report", async () => {
    const t = setup({ token: undefined });
    t.monitor.start();
    await t.clock.advance(30 * MIN);
    expect(t.requests).toHaveLength(0);
    expect(t.monitor.report().error?.code).toBe("no-token");
    t.setToken("sk-ant-oat01-FAKE-monitor-bbbbbbbbbbbbbbbb");
    t.monitor.afterTokenChange();
    await t.clock.advance(MIN);
    expect(t.requests).toHaveLength(1);
  });

  it("a network failure is reported, not thrown", async () => {
    const clock = new FakeClock(T0);
    const lines: string[] = [];
    const monitor = new UsageMonitor({
      usageUrl: URL,
      checkEveryMinutes: 10,
      clock,
      log: { info: () => undefined, warn: (m) => lines.push(m), error: (m) => lines.push(m) },
      currentToken: () => ({ accessToken: "sk-ant-oat01-FAKE-monitor-cccccccccccccccc", expiresAt: T0 + 60 * MIN }),
      get: () => Promise.reject(new Error("socket hang up")),
    });
    const report = await monitor.checkNow();
    await settle();
    expect(report.error?.code).toBe("network");
    expect(lines).toHaveLength(1);
  });

  it("concurrent on-demand checks share one request", async () => {
    const t = setup();
    const [a, b] = await Promise.all([t.monitor.checkNow(), t.monitor.checkNow()]);
    expect(t.requests).toHaveLength(1);
    expect(a).toEqual(b);
  });
});
