import type { Clock } from "../core/clock.js";
import type { PluginConfig } from "../core/config.js";
import type { AlertChannel, AlertLedger } from "../alerts/alerts.js";
import type { Logger } from "../core/logger.js";
import type { Publisher } from "../openclaw/publish.js";
import type { RefreshDeps, RefreshResult } from "../login/refresh.js";
import type { RawAnswer } from "../login/token-endpoint.js";
import type { UsageRequest } from "../accounts/usage.js";
import type { RefreshCounting, UsageCounting } from "../monitoring/counters.js";
import type { ServiceStatus } from "../status/types.js";

/** What `refreshNow` answers: whether a refresh happened, its kind, the sentence, and the status after. */
export interface RefreshReport {
  refreshed: boolean;
  kind: RefreshResult["kind"] | "failed";
  message: string;
  status: ServiceStatus;
}

/** What one account's service is given: its config and the edges it talks to. */
export interface ServiceDeps {
  config: PluginConfig;
  logger: Logger;
  publisher: Publisher;
  clock?: Clock;
  refresh?: Partial<RefreshDeps>;
  /** How long `stop()` waits for a refresh in flight to save its tokens. */
  stopGraceMs?: number;
  /** Where alerts go besides the log (chat, alertCommand); and where sent ones are remembered. */
  alert?: AlertChannel;
  alertLedger?: AlertLedger;
  agents?: string[];
  /** The usage endpoint's GET, for tests; the real one otherwise. */
  usageGet?: (request: UsageRequest) => Promise<RawAnswer>;
  /** Told whenever the state, the token or the usage may have changed (the account pool re-ranks). */
  onChange?: () => void;
  /** The seed's start-up lines; only the first account prints them. Default true. */
  banner?: boolean;
  /** Counts refreshes and usage-check failures for the metrics route. */
  counting?: RefreshCounting & UsageCounting;
}
