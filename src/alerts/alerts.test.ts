import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { AlertLedger, alertCommandEnv, commandChannel, dueLoginWarning, fanOut, fingerprint, type Alert } from "./alerts.js";
import type { Logger } from "../core/logger.js";

const DAY = 24 * 3600 * 1000;
const NOW = 1_767_225_600_000;

describe("dueLoginWarning", () => {
  it.each([
    { left: 10 * DAY, sent: [], expected: undefined },
    { left: 3 * DAY + 1, sent: [], expected: undefined },
    { left: 3 * DAY, sent: [], expected: 3 },
    { left: 2 * DAY, sent: [3], expected: undefined },
    { left: 0.9 * DAY, sent: [3], expected: 1 },
    { left: 0.9 * DAY, sent: [], expected: 1 }, // first seen with under a day left: only the last warning
    { left: 0.5 * DAY, sent: [1], expected: undefined },
    { left: 0, sent: [], expected: undefined }, // ended: that is the needs-login alert's job
    { left: -DAY, sent: [], expected: undefined },
  ])("$left ms left, sent $sent -> $expected", ({ left, sent, expected }) => {
    expect(dueLoginWarning(NOW + left, NOW, sent)).toBe(expected);
  });
});

describe("fingerprint", () => {
  it("is short, stable, and does not contain the secret", () => {
    const secret = "sk-ant-ort01-FAKE-fingerprint-xxxxxxxxxxxxxxxx";
    expect(fingerprint(secret)).toBe(fingerprint(secret));
    expect(fingerprint(secret)).toHaveLength(16);
    expect(fingerprint(secret)).not.toContain("sk-ant");
    expect(fingerprint(`${secret}y`)).not.toBe(fingerprint(secret));
  });
});

const alert: Alert = { kind: "login-ending", message: "The Claude login ends in 3 days", credentialsPath: "/x", profileId: "anthropic:subscription", daysLeft: 3 };

function collectingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

describe("AlertLedger", () => {
  it("round-trips, is 0600, and reads a missing or broken file as empty", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-ledger-"));
    const ledger = new AlertLedger(path.join(dir, "sub", "alerts.json"));
    expect(await ledger.read()).toEqual({ warned: [] });
    await ledger.write({ loginEndsAt: 5, warned: [3], needsLoginFor: "abc" });
    expect(await ledger.read()).toEqual({ loginEndsAt: 5, warned: [3], needsLoginFor: "abc" });
    expect((await fs.stat(path.join(dir, "sub", "alerts.json"))).mode & 0o777).toBe(0o600);
    await fs.writeFile(path.join(dir, "sub", "alerts.json"), "{not json");
    expect(await ledger.read()).toEqual({ warned: [] });
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe("commandChannel", () => {
  it("runs the command with the alert as JSON on stdin", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-alertcmd-"));
    const out = path.join(dir, "alert.json");
    const log = collectingLogger();
    await commandChannel(`cat > '${out}'`, log)(alert);
    expect(JSON.parse(await fs.readFile(out, "utf8"))).toEqual(alert);
    expect(log.lines).toEqual([]);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("gets a minimal environment: none of the gateway's secrets, only the variables named in alertCommandEnv (issue 16, item 5)", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cor-alertenv-"));
    const out = path.join(dir, "env.txt");
    vi.stubEnv("OPENCLAW_GATEWAY_TOKEN", "gateway-token-FAKE-secret");
    vi.stubEnv("TELEGRAM_BOT_TOKEN", "123:FAKE-bot-secret");
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-api03-FAKE-provider-key");
    vi.stubEnv("NTFY_TOKEN", "tk_FAKE_for_the_alert");
    vi.stubEnv("TZ", "Europe/Berlin");
    try {
      const log = collectingLogger();
      await commandChannel(`env > '${out}'`, log, undefined, ["NTFY_TOKEN"])(alert);
      const env = await fs.readFile(out, "utf8");
      expect(env).not.toContain("FAKE-secret");
      expect(env).not.toContain("OPENCLAW_GATEWAY_TOKEN");
      expect(env).not.toContain("TELEGRAM_BOT_TOKEN");
      expect(env).not.toContain("ANTHROPIC_API_KEY");
      expect(env).toContain("NTFY_TOKEN=tk_FAKE_for_the_alert");
      expect(env).toContain("TZ=Europe/Berlin");
      expect(env).toMatch(/^PATH=/m);
      expect(env).toMatch(/^HOME=/m);
      // Without the pass-through list the alert's own secret stays out too.
      await commandChannel(`env > '${out}'`, log)(alert);
      expect(await fs.readFile(out, "utf8")).not.toContain("NTFY_TOKEN");
      expect(log.lines).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("alertCommandEnv: PATH falls back to the usual one; only named variables pass", () => {
    expect(alertCommandEnv({ SECRET: "x", LANG: "C.UTF-8" }, [])).toEqual({ LANG: "C.UTF-8", PATH: "/usr/local/bin:/usr/bin:/bin" });
    expect(alertCommandEnv({ SECRET: "x", PATH: "/p" }, ["SECRET", "ABSENT"])).toEqual({ SECRET: "x", PATH: "/p" });
  });

  it("a failing or hanging command is logged, never thrown, and is bounded in time", async () => {
    const log = collectingLogger();
    await commandChannel("echo broken >&2; exit 3", log)(alert);
    expect(log.lines.join("\n")).toMatch(/alertCommand exited with 3: broken/);
    const started = Date.now();
    await commandChannel("sleep 30", log, 300)(alert);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(log.lines.length).toBe(2);
  });

  it("fanOut keeps going when one channel throws", async () => {
    const log = collectingLogger();
    const got: string[] = [];
    await fanOut([async () => { throw new Error("chat down"); }, async (a) => void got.push(a.kind)], log)(alert);
    expect(got).toEqual(["login-ending"]);
    expect(log.lines.join("\n")).toContain("chat down");
  });
});
