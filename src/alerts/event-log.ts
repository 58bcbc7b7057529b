import { redact } from "../core/redact.js";

/**
 * The last few things the service did or saw (refreshes, failures and why, alerts sent), for the
 * dashboard and `status --json`. Kept in memory only: it tells what happened since this gateway
 * started, which is what an operator looking at a live dashboard asks; the log file keeps the rest.
 */

export type ServiceEventKind = "refreshed" | "refresh-failed" | "needs-login" | "new-login" | "alert-sent";

export interface ServiceEvent {
  /** ms since the epoch. */
  at: number;
  kind: ServiceEventKind;
  /** One line for people; never token material (redacted again here, whatever the caller passed). */
  message: string;
}

export const EVENT_LOG_SIZE = 10;

export class EventLog {
  private readonly entries: ServiceEvent[] = [];

  constructor(private readonly capacity = EVENT_LOG_SIZE) {}

  record(at: number, kind: ServiceEventKind, message: string): void {
    this.entries.push({ at, kind, message: redact(message) });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** Newest first. */
  list(): ServiceEvent[] {
    return this.entries.map((e) => ({ ...e })).reverse();
  }
}
