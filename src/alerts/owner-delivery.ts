import type { OpenClawConfig } from "openclaw/plugin-sdk/plugin-entry";
import type { Alert, AlertChannel, AlertLedger } from "./alerts.js";
import { systemClock, type Clock } from "../core/clock.js";
import { PLUGIN_ID } from "../core/config.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { redact } from "../core/redact.js";
import { retryDelay, type BackoffPolicy } from "../login/schedule.js";
import type { DeliveryCounting } from "../monitoring/counters.js";

/**
 * Alerts delivered straight into the owner's chat (Telegram, WhatsApp, Discord, ...) through
 * OpenClaw's durable outbound send: no model, no heartbeat, so they arrive when the Claude
 * login is dead and with heartbeats off. Targets are `alertTargets` from the plugin config, or
 * else the `channel:id` entries of `commands.ownerAllowFrom`. Each alert is sent verbatim; a
 * failed send is retried with back-off and every failure is logged. With no target at all, the
 * log says once how to set one and the alert goes to the fallback (a system event).
 */

export interface AlertTarget {
  channel: string;
  to: string;
}

/** "telegram:123456" -> { channel: "telegram", to: "123456" } (split at the first ":"). */
export function parseAlertTarget(entry: unknown): AlertTarget | undefined {
  if (typeof entry !== "string" && typeof entry !== "number") return undefined;
  const text = String(entry).trim();
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1) return undefined;
  const channel = text.slice(0, colon).trim().toLowerCase();
  const to = text.slice(colon + 1).trim();
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(channel) || to === "" || to.includes("*")) return undefined;
  return { channel, to };
}

export function targetName(t: AlertTarget): string {
  return `${t.channel}:${t.to}`;
}

/** `alertTargets` replaces the owners from `commands.ownerAllowFrom`; duplicates dropped. */
export function resolveAlertTargets(cfg: OpenClawConfig | undefined, alertTargets: readonly string[] | undefined): AlertTarget[] {
  const commands = (cfg as { commands?: { ownerAllowFrom?: unknown } } | undefined)?.commands;
  const owners: unknown = commands?.ownerAllowFrom;
  const source: readonly unknown[] = alertTargets ?? (Array.isArray(owners) ? (owners as unknown[]) : []);
  const seen = new Set<string>();
  const out: AlertTarget[] = [];
  for (const entry of source) {
    const t = parseAlertTarget(entry);
    if (!t || seen.has(targetName(t))) continue;
    seen.add(targetName(t));
    out.push(t);
  }
  return out;
}

/** 5 s doubling to 5 min, 10 tries: about 25 minutes of trying before giving up on a target. */
export const DELIVERY_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 5 * 60_000 };
export const MAX_DELIVERY_ATTEMPTS = 10;
/** An alert still undelivered when the gateway stopped is sent after a restart within this window. */
export const RESUME_WINDOW_MS = 24 * 3600_000;

/** Pure: how long to wait before try `attempt + 1`, or undefined when it is time to give up. */
export function nextDeliveryDelay(attempt: number, random: () => number): number | undefined {
  if (attempt >= MAX_DELIVERY_ATTEMPTS) return undefined;
  return retryDelay(attempt, random, DELIVERY_BACKOFF);
}

/** One send to one target; resolves on delivery, rejects with the reason otherwise. */
export type SendToTarget = (target: AlertTarget, text: string) => Promise<void>;

/** OpenClaw's durable, LLM-free outbound send (`sendDurableMessageBatch`). */
export function openClawSend(config: () => OpenClawConfig): SendToTarget {
  return async (target, text) => {
    const { sendDurableMessageBatch } = await import("openclaw/plugin-sdk/channel-outbound");
    const result = await sendDurableMessageBatch({ cfg: config(), channel: target.channel, to: target.to, payloads: [{ text }] });
    if (result.status === "sent") return;
    const why = result.status === "suppressed" ? `suppressed (${result.reason})` : `${result.status}: ${errorMessage(result.error)}`;
    throw new Error(why);
  };
}

export interface OwnerAlertDeps {
  targets: () => AlertTarget[];
  send: SendToTarget;
  /** Where an alert goes when no owner target is configured. */
  fallback?: AlertChannel;
  ledger?: AlertLedger;
  logger: Logger;
  clock?: Clock;
  /** Counts deliveries and give-ups for the metrics route. */
  counting?: DeliveryCounting;
}

const HOW_TO_SET_TARGETS =
  `Alerts cannot reach you directly: no owner chat is configured. Make yourself the owner with ` +
  `openclaw config set commands.ownerAllowFrom '["telegram:<your user id>"]' (any channel:id OpenClaw serves), ` +
  `or list where alerts go with openclaw config set plugins.entries.${PLUGIN_ID}.config.alertTargets '["telegram:<id>"]'. ` +
  `Until then alerts go to the gateway log and, as a system event, to the main agent's next turn.`;

/** The alert channel: straight to every owner target, retried until delivered (bounded). */
export function ownerAlertChannel(deps: OwnerAlertDeps): AlertChannel & { idle(): Promise<void>; resume(): Promise<void>; stop(): void } {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger;
  let toldHowToSet = false;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();

  type Sendable = Pick<Alert, "kind" | "message">;

  const record = async (alert: Sendable, at: number, targets: string[], delivered: string[]): Promise<void> => {
    await deps.ledger
      ?.update((r) => {
        // A newer alert owns the record; this one's late delivery must not overwrite it.
        if (r.lastAlert && r.lastAlert.at > at) return r;
        return { ...r, lastAlert: { kind: alert.kind, at, message: alert.message, targets, deliveredTo: delivered, delivered: targets.length > 0 && delivered.length === targets.length } };
      })
      .catch((err: unknown) => log.warn(`Could not record the alert's delivery: ${errorMessage(err)}`));
  };

  const deliver = async (alert: Sendable, at: number, target: AlertTarget, names: string[], delivered: string[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      // Stopped (gateway stopping, config reload): the next start's resume() takes over from the ledger.
      if (stopped) return;
      try {
        await deps.send(target, alert.message);
        delivered.push(targetName(target));
        deps.counting?.alertDelivered();
        if (attempt > 1) log.info(`Alert delivered to ${targetName(target)} after ${attempt} tries.`);
        await record(alert, at, names, delivered);
        return;
      } catch (err) {
        const delay = nextDeliveryDelay(attempt, () => clock.random());
        if (delay === undefined) {
          deps.counting?.alertGaveUp();
          log.error(`Could not deliver the alert to ${targetName(target)} after ${attempt} tries (${redact(errorMessage(err))}); giving up. The alert: ${alert.message}`);
          return;
        }
        log.warn(`Could not deliver the alert to ${targetName(target)} (try ${attempt}: ${redact(errorMessage(err))}); retrying in ${Math.round(delay / 1000)} s.`);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      }
    }
  };

  const channel = async (alert: Alert): Promise<void> => {
    const targets = deps.targets();
    const at = clock.now();
    const names = targets.map(targetName);
    if (targets.length === 0) {
      if (!toldHowToSet) {
        toldHowToSet = true;
        log.warn(HOW_TO_SET_TARGETS);
      }
      await record(alert, at, [], []);
      await deps.fallback?.(alert);
      return;
    }
    const delivered: string[] = [];
    await record(alert, at, names, delivered);
    start(alert, at, targets, names, delivered);
  };
  const start = (alert: Sendable, at: number, targets: AlertTarget[], names: string[], delivered: string[]): void => {
    // Each target on its own: a slow or failing channel never holds back the others, and
    // retries run in the background so the refresh loop never waits on a chat service.
    for (const target of targets) {
      const run = deliver(alert, at, target, names, delivered).finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
  };

  return Object.assign(channel, {
    /** After a restart: finish delivering the last alert if some owner chat never got it. */
    async resume(): Promise<void> {
      const last = (await deps.ledger?.read().catch(() => undefined))?.lastAlert;
      if (!last || last.delivered || clock.now() - last.at > RESUME_WINDOW_MS) return;
      const missing = deps.targets().filter((t) => last.targets.includes(targetName(t)) && !last.deliveredTo.includes(targetName(t)));
      if (missing.length === 0) return;
      log.info(`Sending the last alert (${last.kind}) again: ${missing.map(targetName).join(", ")} did not get it before the restart.`);
      start(last, last.at, missing, last.targets, [...last.deliveredTo]);
    },
    /** Ends the retries after their current try; what is undelivered stays in the ledger. */
    stop(): void {
      stopped = true;
    },
    /** Resolves when every delivery started so far has succeeded or given up (tests). */
    async idle(): Promise<void> {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  });
}
