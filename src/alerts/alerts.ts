import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { redact } from "../core/redact.js";
import { DAY_MS } from "../status/durations.js";
import { LOGIN_WARNING_DAYS } from "../status/thresholds.js";
import { parseUsageMemory, type UsageMemory } from "./usage-alert-decisions.js";

/**
 * Telling the owner before the login ends, and once when it has ended: in the gateway log, in the
 * chat the owner already uses (an OpenClaw system event to the main agent's session) and through
 * an optional `alertCommand`. Each alert is sent once per login, across restarts. When (3 and 1
 * days ahead) is status/thresholds.ts's LOGIN_WARNING_DAYS, the same rule that makes status say "attention".
 */

export type AlertKind = "login-ending" | "needs-login" | "token-expiring" | "all-nearly-used-up" | "usage" | "usage-digest" | "refresh-outcome-unknown";

export interface Alert {
  kind: AlertKind;
  message: string;
  credentialsPath: string;
  profileId: string;
  loginEndsAt?: string;
  daysLeft?: number;
  /** The account it is about, when the gateway keeps several. */
  account?: string;
}

/** Pure: which warning (3 or 1 days ahead) is due now and was not sent yet, if any. */
export function dueLoginWarning(loginEndsAt: number, now: number, sent: readonly number[]): number | undefined {
  const left = loginEndsAt - now;
  if (left <= 0) return undefined;
  const crossed = LOGIN_WARNING_DAYS.filter((d) => left <= d * DAY_MS);
  const smallest = crossed.length ? Math.min(...crossed) : undefined;
  if (smallest === undefined || sent.some((d) => d <= smallest)) return undefined;
  return smallest;
}

/** A short, irreversible name for a refresh token: enough to tell logins apart, useless to an attacker. */
export function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}

export interface AlertRecord {
  /** `refreshTokenExpiresAt` of the login the warnings were sent for. */
  loginEndsAt?: number;
  warned: number[];
  /** Fingerprint of the refresh token whose rejection was already reported. */
  needsLoginFor?: string;
  /** Fingerprint of the refresh token whose unknown outcome was already reported. */
  maybeSpentFor?: string;
  /** Fingerprint of the access token whose "expires soon, refreshes failing" alert was sent. */
  expiringFor?: string;
  /** The latest alert and where it reached (owner delivery). */
  lastAlert?: LastAlert;
  /** Usage marks already told, per window, for the window period they belong to (usage-alerts.ts). */
  usage?: UsageMemory;
  /** The local day ("YYYY-MM-DD") whose daily usage summary was sent. */
  digestSentOn?: string;
}

export interface LastAlert {
  kind: AlertKind;
  /** ms since the epoch. */
  at: number;
  message: string;
  /** `channel:id` targets it was sent to (none: only the log and the fallback). */
  targets: string[];
  deliveredTo: string[];
  /** True once every target has it. */
  delivered: boolean;
}

function parseLastAlert(v: unknown): LastAlert | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const a = v as Partial<LastAlert>;
  const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []);
  if (typeof a.kind !== "string" || typeof a.at !== "number" || typeof a.message !== "string") return undefined;
  return { kind: a.kind, at: a.at, message: a.message, targets: strings(a.targets), deliveredTo: strings(a.deliveredTo), delivered: a.delivered === true };
}

export class AlertLedger {
  private last: AlertRecord | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async read(): Promise<AlertRecord> {
    let record: AlertRecord;
    try {
      const v = JSON.parse(await fs.readFile(this.file, "utf8")) as Partial<AlertRecord>;
      const lastAlert = parseLastAlert(v.lastAlert);
      const usage = parseUsageMemory(v.usage);
      record = {
        warned: Array.isArray(v.warned) ? v.warned.filter((d): d is number => typeof d === "number") : [],
        ...(typeof v.loginEndsAt === "number" ? { loginEndsAt: v.loginEndsAt } : {}),
        ...(typeof v.needsLoginFor === "string" ? { needsLoginFor: v.needsLoginFor } : {}),
        ...(typeof v.maybeSpentFor === "string" ? { maybeSpentFor: v.maybeSpentFor } : {}),
        ...(typeof v.expiringFor === "string" ? { expiringFor: v.expiringFor } : {}),
        ...(lastAlert ? { lastAlert } : {}),
        ...(usage ? { usage } : {}),
        ...(typeof v.digestSentOn === "string" ? { digestSentOn: v.digestSentOn } : {}),
      };
    } catch {
      record = { warned: [] };
    }
    this.last = record;
    return record;
  }

  async write(record: AlertRecord): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await fs.writeFile(this.file, JSON.stringify(record), { mode: 0o600 });
    this.last = record;
  }

  /** Read, change, write, one change at a time (the refresh loop and deliveries share the file). */
  update(change: (record: AlertRecord) => AlertRecord): Promise<AlertRecord> {
    const run = this.queue.then(async () => {
      const next = change(await this.read());
      await this.write(next);
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The record as last read or written by this process (for status, which is synchronous). */
  peek(): AlertRecord | undefined {
    return this.last;
  }
}

export type AlertChannel = (alert: Alert) => Promise<void>;

/**
 * What alertCommand's process sees of the gateway's environment: enough to find programs, write
 * temp files and format text, and nothing else, because the gateway's environment holds its own
 * token, chat bot tokens and provider keys. A command that needs a secret of its own gets it
 * through `alertCommandEnv` (by name) or reads it from a file.
 */
export const ALERT_COMMAND_BASE_ENV = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TMPDIR"] as const;
const FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Pure: the environment alertCommand runs with. */
export function alertCommandEnv(parent: NodeJS.ProcessEnv, passThrough: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...ALERT_COMMAND_BASE_ENV, ...passThrough]) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= FALLBACK_PATH;
  return env;
}

/** Runs the operator's command with the alert as JSON on stdin; bounded, never throws. */
export function commandChannel(command: string, log: Logger, timeoutMs = 30_000, passThroughEnv: readonly string[] = []): AlertChannel {
  return (alert) =>
    new Promise<void>((resolve) => {
      // Its own process group, so a timeout also ends whatever the shell started.
      const child = spawn("/bin/sh", ["-c", command], { stdio: ["pipe", "ignore", "pipe"], detached: true, env: alertCommandEnv(process.env, passThroughEnv) });
      let stderr = "";
      const timer = setTimeout(() => {
        log.warn(`alertCommand did not finish within ${Math.round(timeoutMs / 1000)} s; stopped it.`);
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, timeoutMs);
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString().slice(0, 2000)));
      child.on("error", (err) => {
        clearTimeout(timer);
        log.warn(`alertCommand could not run: ${errorMessage(err)}`);
        resolve();
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (code !== 0 && signal !== "SIGKILL") log.warn(`alertCommand exited with ${code ?? signal}${stderr ? `: ${redact(stderr.trim())}` : ""}`);
        resolve();
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(JSON.stringify(alert));
    });
}

/** Sends to every channel; one failing channel never stops the others. */
export function fanOut(channels: AlertChannel[], log: Logger): AlertChannel {
  return async (alert) => {
    for (const channel of channels) {
      try {
        await channel(alert);
      } catch (err) {
        log.warn(`Could not deliver an alert: ${errorMessage(err)}`);
      }
    }
  };
}
