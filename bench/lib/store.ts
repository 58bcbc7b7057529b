import { DatabaseSync, type StatementSync } from "node:sqlite";

/**
 * Reads OpenClaw's auth profile store from outside the gateway, read-only, to see the moment a
 * published token lands where agents read it. In 2026.9.6 it is the row `authProfiles.store` of
 * table config_machine_state in `$OPENCLAW_STATE_DIR/state/openclaw.sqlite` (older schemas had an
 * auth_profile_store table; a migration folded it in), with the writer's own `updated_at_ms`.
 */

export interface StoreRow {
  key: string;
  json: string;
  updatedAt: number;
}

export class AuthStoreReader {
  private readonly db: DatabaseSync;
  private readonly query: StatementSync;

  constructor(file: string) {
    // Read-only needs the WAL's -shm file, which exists while the gateway has the database open.
    this.db = new DatabaseSync(file, { readOnly: true });
    this.query = this.db.prepare("SELECT state_key AS key, value_json AS json, updated_at_ms AS updatedAt FROM config_machine_state WHERE state_key LIKE 'authProfiles.%'");
  }

  rows(): StoreRow[] {
    const out: StoreRow[] = [];
    for (const row of this.query.all()) {
      const { key, json, updatedAt } = row;
      if (typeof key === "string" && typeof json === "string") out.push({ key, json, updatedAt: Number(updatedAt) });
    }
    return out;
  }

  /** The row holding `token`, if any. */
  find(token: string): StoreRow | undefined {
    return this.rows().find((r) => r.json.includes(token));
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Polls the store every `intervalMs` for tokens it was asked about and records when each first
 * appeared (Date.now() here) and the row's own updated_at.
 */
export class StoreWatcher {
  private readonly reader: AuthStoreReader;
  private readonly pending = new Map<string, Array<(hit: { seenAt: number; updatedAt: number }) => void>>();
  private timer: NodeJS.Timeout | undefined;
  readonly intervalMs: number;

  constructor(file: string, intervalMs = 5) {
    this.reader = new AuthStoreReader(file);
    this.intervalMs = intervalMs;
  }

  /** Resolves when `token` is in the store, or undefined after `timeoutMs`. */
  waitFor(token: string, timeoutMs = 10_000): Promise<{ seenAt: number; updatedAt: number } | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const list = this.pending.get(token);
        if (list) {
          const i = list.indexOf(done);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.pending.delete(token);
        }
        resolve(undefined);
      }, timeoutMs);
      const done = (hit: { seenAt: number; updatedAt: number }) => {
        clearTimeout(timer);
        resolve(hit);
      };
      const list = this.pending.get(token) ?? [];
      list.push(done);
      this.pending.set(token, list);
      this.ensurePolling();
    });
  }

  private ensurePolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.poll();
  }

  private poll(): void {
    if (this.pending.size === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    let rows: StoreRow[];
    try {
      rows = this.reader.rows();
    } catch {
      return; // busy: try again next time
    }
    const seenAt = Date.now();
    for (const [token, waiters] of this.pending) {
      const row = rows.find((r) => r.json.includes(token));
      if (!row) continue;
      this.pending.delete(token);
      for (const w of waiters) w({ seenAt, updatedAt: row.updatedAt });
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.reader.close();
  }
}
