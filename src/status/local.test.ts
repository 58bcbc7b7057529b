import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PLUGIN_ID } from "../core/config.js";
import { MINUTE_MS } from "./durations.js";
import { placesByPolicy, statusFromFiles } from "./local.js";
import type { ServiceStatus } from "./types.js";

const NOW = Date.parse("2026-12-06T12:00:00.000Z");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function status(name: string, over: Partial<ServiceStatus> = {}): ServiceStatus {
  return { state: "ok", credentialsPath: `/nowhere/${name}.json`, profileId: `anthropic:${name}`, unsavedTokens: false, accessTokenExpiresAt: NOW + 300 * MINUTE_MS, ...over };
}

/** A state dir with accounts default, home and work, and the pool's order.json. */
function stateDir(order?: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "status-local-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, PLUGIN_ID, "accounts"), { recursive: true });
  for (const n of ["home", "work"]) writeFileSync(path.join(dir, PLUGIN_ID, "accounts", `${n}.json`), "{}");
  if (order) writeFileSync(path.join(dir, PLUGIN_ID, "order.json"), JSON.stringify({ order }));
  return dir;
}

describe("status with no gateway: each account's place is the order agents use", () => {
  it("follows the pool's order.json, not the order the files are listed in", async () => {
    const dir = stateDir(["work", "default", "home"]);
    const s = await statusFromFiles({ stateDir: dir, inspect: async (name) => status(name), switchAtPercent: 95, now: () => NOW });
    expect(s.source).toBe("file");
    expect(s.accounts?.map((a) => [a.name, a.place])).toEqual([
      ["default", 2],
      ["home", 3],
      ["work", 1],
    ]);
  });

  it("applies the pool's policy to what the files say: a dead login goes last, whatever order.json says", async () => {
    const dir = stateDir(["work", "default", "home"]);
    const inspect = async (name: string) => status(name, name === "work" ? { state: "needs-login" } : {});
    const s = await statusFromFiles({ stateDir: dir, inspect, switchAtPercent: 95, now: () => NOW });
    expect(s.accounts?.find((a) => a.name === "work")?.place).toBe(3);
    expect(s.health).toBe("broken");
  });

  it("no order.json yet: the policy decides (most room first)", () => {
    const usage = (pct: number) => ({ usage: { checkedAt: NOW, windows: { fiveHour: { utilization: pct } } } });
    const places = placesByPolicy([["default", status("default", { usage: usage(80) })], ["work", status("work", { usage: usage(10) })]], [], 95, NOW);
    expect([...places]).toEqual([
      ["work", 1],
      ["default", 2],
    ]);
  });

  it("one account asked for: that account alone, as before", async () => {
    const dir = stateDir(["work", "default"]);
    const s = await statusFromFiles({ stateDir: dir, inspect: async (name) => status(name), switchAtPercent: 95, now: () => NOW }, "home");
    expect(s.profileId).toBe("anthropic:home");
    expect(s.accounts).toBeUndefined();
  });
});
