import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { OpenClawConfig } from "openclaw/plugin-sdk/plugin-entry";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertLedger, type Alert } from "./alerts.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { counting, newCounters } from "../monitoring/counters.js";
import { MAX_DELIVERY_ATTEMPTS, nextDeliveryDelay, ownerAlertChannel, parseAlertTarget, resolveAlertTargets, type AlertTarget } from "./owner-delivery.js";

const cfg = (ownerAllowFrom: unknown): OpenClawConfig => ({ commands: { ownerAllowFrom } }) as unknown as OpenClawConfig;

describe("alert targets", () => {
  it("parses channel:id at the first colon", () => {
    expect(parseAlertTarget("telegram:123456")).toEqual({ channel: "telegram", to: "123456" });
    expect(parseAlertTarget(" Telegram:123 ")).toEqual({ channel: "telegram", to: "123" });
    expect(parseAlertTarget("matrix:@me:example.org")).toEqual({ channel: "matrix", to: "@me:example.org" });
    for (const bad of ["123456", "*", "telegram:", ":1", "telegram:*", "", 5, null, {}, "tele gram:1"]) expect(parseAlertTarget(bad), String(bad)).toBeUndefined();
  });

  it("uses commands.ownerAllowFrom, skipping entries that name no chat, without duplicates", () => {
    expect(resolveAlertTargets(cfg(["telegram:1", "2", "*", "discord:9", "telegram:1"]), undefined)).toEqual([
      { channel: "telegram", to: "1" },
      { channel: "discord", to: "9" },
    ]);
    expect(resolveAlertTargets(cfg(undefined), undefined)).toEqual([]);
    expect(resolveAlertTargets(undefined, undefined)).toEqual([]);
  });

  it("alertTargets replaces the owners, even when empty", () => {
    expect(resolveAlertTargets(cfg(["telegram:1"]), ["whatsapp:+15550001"])).toEqual([{ channel: "whatsapp", to: "+15550001" }]);
    expect(resolveAlertTargets(cfg(["telegram:1"]), [])).toEqual([]);
  });
});

describe("retry policy", () => {
  it("backs off from 5 s doubling to 5 min, then gives up after the last try", () => {
    const half = () => 0.5;
    expect(nextDeliveryDelay(1, half)).toBe(3_750);
    expect(nextDeliveryDelay(2, half)).toBe(7_500);
    expect(nextDeliveryDelay(9, half)).toBe(225_000);
    expect(nextDeliveryDelay(MAX_DELIVERY_ATTEMPTS, half)).toBeUndefined();
    for (let a = 1; a < MAX_DELIVERY_ATTEMPTS; a++) expect(nextDeliveryDelay(a, () => 1)).toBeLessThanOrEqual(300_000);
  });
});

class StepClock implements Clock {
  wall = 1_000_000;
  readonly timers: Array<{ at: number; fn: () => void }> = [];
  now = () => this.wall;
  monotonic = () => this.wall;
  random = () => 0.5;
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.timers.push({ at: this.wall + ms, fn });
    return {};
  }
  clearTimeout(): void {}
  /** Fires the earliest timer, moving the clock to it; returns the wait. */
  async fire(): Promise<number> {
    this.timers.sort((a, b) => a.at - b.at);
    const next = this.timers.shift();
    if (!next) throw new Error("no timer");
    const waited = next.at - this.wall;
    this.wall = next.at;
    next.fn();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    return waited;
  }
}

describe("ownerAlertChannel", () => {
  let dir: string;
  const lines: string[] = [];
  const logger: Logger = { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
  const alert: Alert = { kind: "needs-login", message: "The login ended. Log in again: /claude login", credentialsPath: "/x", profileId: "anthropic:subscription" };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-owner-"));
    lines.length = 0;
  });
  afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

  it("sends the text verbatim to every target and records it as delivered", async () => {
    const sent: Array<[string, string]> = [];
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const counters = newCounters();
    const channel = ownerAlertChannel({ targets: () => [{ channel: "telegram", to: "1" }, { channel: "discord", to: "2" }], send: async (t, text) => void sent.push([`${t.channel}:${t.to}`, text]), ledger, logger, clock: new StepClock(), counting: counting(counters) });
    await channel(alert);
    await channel.idle();
    expect(sent).toEqual([
      ["telegram:1", alert.message],
      ["discord:2", alert.message],
    ]);
    expect((await ledger.read()).lastAlert).toMatchObject({ kind: "needs-login", delivered: true, targets: ["telegram:1", "discord:2"], message: alert.message });
    expect(counters.alertsSent, "one per chat, for the metrics route").toBe(2);
  });

  it("retries a failed send with back-off, logs each failure, and records delivery when it finally works", async () => {
    const clock = new StepClock();
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    let tries = 0;
    const send = async (_t: AlertTarget): Promise<void> => {
      tries += 1;
      if (tries < 3) throw new Error("telegram: 502 Bad Gateway");
    };
    const channel = ownerAlertChannel({ targets: () => [{ channel: "telegram", to: "1" }], send, ledger, logger, clock });
    await channel(alert);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect((await ledger.read()).lastAlert?.delivered).toBe(false);
    expect(await clock.fire()).toBe(3_750);
    expect(await clock.fire()).toBe(7_500);
    await channel.idle();
    expect(tries).toBe(3);
    expect(lines.filter((l) => l.startsWith("warn Could not deliver the alert to telegram:1"))).toHaveLength(2);
    expect(lines).toContain("info Alert delivered to telegram:1 after 3 tries.");
    expect((await ledger.read()).lastAlert).toMatchObject({ delivered: true, deliveredTo: ["telegram:1"] });
  });

  it("gives up after the last try and says so, with the alert, in the log", async () => {
    const clock = new StepClock();
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const counters = newCounters();
    const channel = ownerAlertChannel({ targets: () => [{ channel: "telegram", to: "1" }], send: async () => Promise.reject(new Error("chat not found")), ledger, logger, clock, counting: counting(counters) });
    await channel(alert);
    for (let i = 1; i < MAX_DELIVERY_ATTEMPTS; i++) {
      for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
      await clock.fire();
    }
    await channel.idle();
    expect(lines.filter((l) => l.startsWith("error Could not deliver the alert to telegram:1 after 10 tries (chat not found); giving up. The alert: The login ended."))).toHaveLength(1);
    expect((await ledger.read()).lastAlert?.delivered).toBe(false);
    expect([counters.alertsSent, counters.alertsFailed]).toEqual([0, 1]);
  });

  it("with no target: tells once how to set one, and uses the fallback", async () => {
    const fallback: Alert[] = [];
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const channel = ownerAlertChannel({ targets: () => [], send: async () => Promise.reject(new Error("never")), fallback: async (a) => void fallback.push(a), ledger, logger, clock: new StepClock() });
    await channel(alert);
    await channel(alert);
    expect(fallback).toHaveLength(2);
    const howTo = lines.filter((l) => l.includes("commands.ownerAllowFrom"));
    expect(howTo).toHaveLength(1);
    expect(howTo[0]).toContain("alertTargets");
    expect((await ledger.read()).lastAlert).toMatchObject({ delivered: false, targets: [] });
  });

  it("after a restart, sends the last alert to the owner chats that never got it, and only those", async () => {
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const clock = new StepClock();
    await ledger.write({ warned: [], lastAlert: { kind: "needs-login", at: clock.wall - 60_000, message: alert.message, targets: ["telegram:1", "discord:2"], deliveredTo: ["telegram:1"], delivered: false } });
    const sent: Array<[string, string]> = [];
    const targets = () => [{ channel: "telegram", to: "1" }, { channel: "discord", to: "2" }];
    const channel = ownerAlertChannel({ targets, send: async (t, text) => void sent.push([`${t.channel}:${t.to}`, text]), ledger, logger, clock });
    await channel.resume();
    await channel.idle();
    expect(sent).toEqual([["discord:2", alert.message]]);
    expect((await ledger.read()).lastAlert).toMatchObject({ delivered: true, deliveredTo: ["telegram:1", "discord:2"] });
    // Delivered now: another restart sends nothing.
    await channel.resume();
    await channel.idle();
    expect(sent).toHaveLength(1);
  });

  it("does not resend an old undelivered alert (over a day) or one whose target is no longer an owner", async () => {
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    const clock = new StepClock();
    const sent: string[] = [];
    const send = async (t: AlertTarget): Promise<void> => void sent.push(t.to);
    await ledger.write({ warned: [], lastAlert: { kind: "needs-login", at: clock.wall - 25 * 3600_000, message: "m", targets: ["telegram:1"], deliveredTo: [], delivered: false } });
    await ownerAlertChannel({ targets: () => [{ channel: "telegram", to: "1" }], send, ledger, logger, clock }).resume();
    await ledger.write({ warned: [], lastAlert: { kind: "needs-login", at: clock.wall, message: "m", targets: ["telegram:1"], deliveredTo: [], delivered: false } });
    await ownerAlertChannel({ targets: () => [{ channel: "telegram", to: "9" }], send, ledger, logger, clock }).resume();
    expect(sent).toEqual([]);
  });

  it("stop() ends the retries after the current try; the ledger keeps the alert undelivered for resume()", async () => {
    const clock = new StepClock();
    const ledger = new AlertLedger(path.join(dir, "alerts.json"));
    let tries = 0;
    const channel = ownerAlertChannel({ targets: () => [{ channel: "telegram", to: "1" }], send: async () => { tries += 1; throw new Error("down"); }, ledger, logger, clock });
    await channel(alert);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    channel.stop();
    await clock.fire();
    await channel.idle();
    expect(tries).toBe(1);
    expect((await ledger.read()).lastAlert).toMatchObject({ delivered: false, deliveredTo: [] });
  });
});
