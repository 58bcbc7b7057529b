/**
 * What happened since the gateway started, per account, for the metrics route: plain numbers the
 * service, the usage monitor and the owner delivery bump through small hooks. No library here: the
 * metrics library is loaded only when the route is read (metrics.ts); counting must cost nothing.
 * Counters live as long as the process (a config reload keeps them), as Prometheus expects.
 */

export interface AccountCounters {
  /** Every refresh transaction run (including ones that found the token fresh or renewed elsewhere). */
  refreshAttempts: number;
  /** Refreshes that got a new token from the token endpoint. */
  refreshSuccesses: number;
  /** Failed refreshes by error code (`needs_login`, `network`, `rate_limited`, ...). */
  refreshFailures: Map<string, number>;
  /** Failed usage checks by error code. */
  usageCheckFailures: Map<string, number>;
  /** Alerts that reached an owner chat (one per target). */
  alertsSent: number;
  /** Alerts given up on after every retry (one per target). */
  alertsFailed: number;
}

/** The hooks the counted code calls; all optional, so tests and the CLI pass nothing. */
export interface RefreshCounting {
  refreshAttempted(): void;
  refreshSucceeded(): void;
  refreshFailed(reason: string): void;
}

export interface UsageCounting {
  usageCheckFailed(reason: string): void;
}

export interface DeliveryCounting {
  alertDelivered(): void;
  alertGaveUp(): void;
}

export type Counting = RefreshCounting & UsageCounting & DeliveryCounting;

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

export function newCounters(): AccountCounters {
  return { refreshAttempts: 0, refreshSuccesses: 0, refreshFailures: new Map(), usageCheckFailures: new Map(), alertsSent: 0, alertsFailed: 0 };
}

/** The hooks over one account's counters. */
export function counting(c: AccountCounters): Counting {
  return {
    refreshAttempted: () => void (c.refreshAttempts += 1),
    refreshSucceeded: () => void (c.refreshSuccesses += 1),
    refreshFailed: (reason) => void bump(c.refreshFailures, reason),
    usageCheckFailed: (reason) => void bump(c.usageCheckFailures, reason),
    alertDelivered: () => void (c.alertsSent += 1),
    alertGaveUp: () => void (c.alertsFailed += 1),
  };
}

/** One set of counters per account name for the life of the process. */
export class CounterBook {
  private readonly byAccount = new Map<string, AccountCounters>();

  for(account: string): AccountCounters {
    let c = this.byAccount.get(account);
    if (!c) {
      c = newCounters();
      this.byAccount.set(account, c);
    }
    return c;
  }

  get(account: string): AccountCounters | undefined {
    return this.byAccount.get(account);
  }
}

/** The gateway process's book (index.ts writes it, the metrics route reads it). */
export const counterBook = new CounterBook();
