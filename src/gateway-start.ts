import type { OpenClawConfig } from "openclaw/plugin-sdk/plugin-entry";
import { AccountPool } from "./accounts/account-pool.js";
import { DEFAULT_ACCOUNT, alertLedgerPath } from "./accounts/accounts.js";
import { AlertLedger, commandChannel, fanOut, type AlertChannel } from "./alerts/alerts.js";
import { chatAlertChannel } from "./alerts/chat-alert.js";
import { accountAlertMessage } from "./alerts/pool-alerts.js";
import { openClawSend, ownerAlertChannel, resolveAlertTargets } from "./alerts/owner-delivery.js";
import type { PluginConfig } from "./core/config.js";
import type { Logger } from "./core/logger.js";
import { pinnedSessionsReader, type SessionListing } from "./openclaw/pinned-sessions.js";
import { createOpenClawPublisher, createRankingWriter, withoutProfile } from "./openclaw/publish.js";
import { RefreshService } from "./service.js";
import { UsageAlerts } from "./alerts/usage-alerts.js";
import { systemClock } from "./core/clock.js";
import { counterBook, counting } from "./monitoring/counters.js";
import { liveStatus } from "./status/live.js";

/**
 * What the plugin's service starts inside the gateway: the account pool with one RefreshService
 * per account, each wired to OpenClaw (publisher, owner alerts). index.ts imports this module
 * only when the service starts, and only after the service's `start` has returned, so neither
 * loading this code nor the accounts' file and store work delays the gateway's ready.
 */

/** Every configured agent's own state dir (where an agent keeps auth profiles of its own). */
async function configuredAgents(config: OpenClawConfig): Promise<Array<{ id: string; dir: string }>> {
  const { listAgentIds, resolveAgentDir } = await import("openclaw/plugin-sdk/agent-scope-runtime");
  return listAgentIds(config).map((id) => ({ id, dir: resolveAgentDir(config, id) }));
}

export interface GatewayStartDeps {
  config: PluginConfig;
  stateDir: string;
  logger: Logger;
  /** The gateway's config when the service started; `liveConfig` reads the current one. */
  startConfig: OpenClawConfig;
  liveConfig: () => OpenClawConfig;
  /** OpenClaw's system events (the alert fallback when no owner is known). */
  system: Parameters<typeof chatAlertChannel>[0];
  /** OpenClaw's session store (`api.runtime.agent.session`), to name the sessions that move between accounts. */
  sessions?: SessionListing;
}

export interface RunningAccounts {
  pool: AccountPool;
  /** Stops the owner-alert retries of the running accounts (the next start resumes them). */
  stopOwnerAlerts: () => void;
  /** Stops the usage alerts and the daily summary. */
  stopUsageAlerts: () => void;
}

export async function startAccounts(deps: GatewayStartDeps): Promise<RunningAccounts> {
  const { config, stateDir, logger, liveConfig } = deps;
  const owners: Array<ReturnType<typeof ownerAlertChannel>> = [];
  /** One account's alert channels; its ledger records what was sent and whether it arrived. */
  const alertsFor = (ledger: AlertLedger, account: string): AlertChannel => {
    // Straight to the owner's chat, no model involved; the system event only when no owner is known.
    const owner = ownerAlertChannel({
      targets: () => resolveAlertTargets(liveConfig(), config.alertTargets),
      send: openClawSend(liveConfig),
      fallback: chatAlertChannel(deps.system),
      ledger,
      logger,
      counting: counting(counterBook.for(account)),
    });
    owners.push(owner);
    const channels: AlertChannel[] = [owner];
    if (config.alertCommand) channels.push(commandChannel(config.alertCommand, logger, undefined, config.alertCommandEnv));
    return fanOut(channels, logger);
  };
  const defaultLedger = new AlertLedger(alertLedgerPath(stateDir, DEFAULT_ACCOUNT));
  const defaultAlerts = alertsFor(defaultLedger, DEFAULT_ACCOUNT);
  /** Each account's ledger and owner channel, for the usage alerts (which name the account themselves). */
  const channels = new Map<string, { ledger: AlertLedger; alert: AlertChannel }>([[DEFAULT_ACCOUNT, { ledger: defaultLedger, alert: defaultAlerts }]]);
  let pool: AccountPool | undefined;
  const usage = new UsageAlerts({
    percents: config.usageAlertPercents,
    ...(config.usageDigestAt ? { digestAt: config.usageDigestAt } : {}),
    clock: systemClock,
    log: logger,
    statuses: () => pool?.statuses() ?? [],
    statusJson: async () => (pool ? ((await liveStatus(pool)).accounts ?? []) : []),
    channelOf: (name) => channels.get(name),
    digest: () => channels.get(DEFAULT_ACCOUNT),
  });
  const agents = (await configuredAgents(deps.startConfig).catch(() => [])).map((a) => a.id);
  // The live config, read at each write: an agent added while the gateway runs counts too.
  const agentDirs = async () => (await configuredAgents(liveConfig())).map((a) => a.dir);
  // Native-login mode publishes nothing, so there is no order to write either.
  const rankingWriter = config.publishProfile ? createRankingWriter({ agentDirs }) : { applyRanking: async () => undefined };
  pool = new AccountPool({
    config,
    stateDir,
    logger,
    alert: defaultAlerts,
    afterRerank: () => void usage.check(),
    applyRanking: (ranking) => rankingWriter.applyRanking(ranking),
    // The live config: an agent added while the gateway runs has sessions too.
    pinnedSessions: pinnedSessionsReader(deps.sessions, async () => (await configuredAgents(liveConfig())).map((a) => a.id)),
    createAccount: (name, accountConfig, hooks) => {
      const toOpenClaw = createOpenClawPublisher({
        profileId: accountConfig.profileId,
        agentDirs,
        ranking: hooks.ranking,
        onAgentViewRebuilt: (dir) => hooks.logger.info(`OpenClaw still showed an older token to the agent in ${dir} after the write; rebuilt that agent's view (needed on OpenClaw before 2026.9.6).`),
      });
      // Native-login mode: agents use Claude Code's own login; nothing goes into OpenClaw.
      const publisher = accountConfig.publishProfile ? toOpenClaw : withoutProfile(toOpenClaw);
      const ledger = name === DEFAULT_ACCOUNT ? defaultLedger : new AlertLedger(alertLedgerPath(stateDir, name));
      const alert = name === DEFAULT_ACCOUNT ? defaultAlerts : alertsFor(ledger, name);
      channels.set(name, { ledger, alert });
      // With several accounts every alert names its account; with one, the seed's wording stays.
      const named: AlertChannel = (a) => (name === DEFAULT_ACCOUNT && hooks.accountCount() < 2 ? alert(a) : alert({ ...a, account: name, message: accountAlertMessage(name, a.message) }));
      const service = new RefreshService({
        config: accountConfig,
        logger: hooks.logger,
        publisher,
        agents,
        alert: named,
        alertLedger: ledger,
        onChange: hooks.onChange,
        banner: name === DEFAULT_ACCOUNT,
        counting: counting(counterBook.for(name)),
      });
      return { service, token: () => service.currentToken() };
    },
  });
  const stopOwnerAlerts = () => owners.forEach((o) => o.stop());
  const stopUsageAlerts = () => usage.stop();
  usage.start();
  try {
    await pool.start();
  } catch (err) {
    stopOwnerAlerts();
    stopUsageAlerts();
    await pool.stop();
    throw err;
  }
  // An alert an owner had not received when the gateway stopped is sent now.
  for (const owner of owners) void owner.resume();
  return { pool, stopOwnerAlerts, stopUsageAlerts };
}
