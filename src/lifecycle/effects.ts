import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { EventLog } from "../alerts/event-log.js";
import type { LoginAlerts } from "../alerts/login-alerts.js";
import type { Effect } from "./decide.js";

/**
 * Carries out the effects the lifecycle decided (decide.ts), in order: log lines, events, alerts.
 * The only memory here is which problem was logged last, so a problem found on every check is
 * logged once.
 */
export class EffectRunner {
  private lastProblem: string | undefined;

  constructor(private readonly deps: { log: Logger; events: EventLog; alerts: LoginAlerts; clock: Clock }) {}

  /** The problem is over (a good read or a refresh returned): the next one is logged again. */
  clearProblem(): void {
    this.lastProblem = undefined;
  }

  run(effects: readonly Effect[]): void {
    const { log, events, alerts, clock } = this.deps;
    // Alerts go out in the background: a failed delivery is logged, never thrown into the loop.
    const alertFailed = (err: unknown): void => log.warn(`Could not send an alert: ${errorMessage(err)}`);
    for (const e of effects) {
      switch (e.kind) {
        case "log":
          log[e.level](e.message);
          break;
        case "problem":
          if (this.lastProblem === e.message) break;
          this.lastProblem = e.message;
          log.error(e.message);
          break;
        case "event":
          events.record(clock.now(), e.event, e.message);
          break;
        case "alert-needs-login":
          void alerts.needsLogin(e.deadToken, e.message).catch(alertFailed);
          break;
        case "alert-maybe-spent":
          void alerts.maybeSpent(e.refreshToken, e.message).catch(alertFailed);
          break;
        case "alert-expiring":
          void alerts.expiring(e.oauth, e.reason).catch(alertFailed);
          break;
      }
    }
  }
}
