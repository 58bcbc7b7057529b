import { definePluginEntry, type OpenClawConfig } from "openclaw/plugin-sdk/plugin-entry";
import { AccountPool } from "./accounts/account-pool.js";
import { DEFAULT_ACCOUNT, alertLedgerPath, listAccounts } from "./accounts/accounts.js";
import { AlertLedger, commandChannel, fanOut, type AlertChannel } from "./alerts/alerts.js";
import { chatAlertChannel } from "./alerts/chat-alert.js";
import { registerChatCommand } from "./surfaces/chat-command.js";
import { PLUGIN_ID, resolveConfig, type PluginConfig } from "./core/config.js";
import { errorMessage } from "./core/errors.js";
import { registerCli } from "./surfaces/cli.js";
import { registerGatewayMethods } from "./surfaces/gateway-methods.js";
import { registerHttpRoutes } from "./surfaces/http-routes.js";
import { prefixedLogger } from "./core/logger.js";
import { openClawSend, ownerAlertChannel, resolveAlertTargets } from "./alerts/owner-delivery.js";
import { PendingLogin } from "./login/pending-login.js";
import { createOpenClawPublisher } from "./openclaw/publish.js";
import { RefreshService } from "./service.js";

/**
 * Wiring only. `register` runs several times per process and in CLI-only passes, so it must not
 * start anything: the timer, the file and the network belong to the service's `start`.
 */

/** Every configured agent's own state dir (where an agent keeps auth profiles of its own). */
async function configuredAgents(config: OpenClawConfig): Promise<Array<{ id: string; dir: string }>> {
  const { listAgentIds, resolveAgentDir } = await import("openclaw/plugin-sdk/agent-scope-runtime");
  return listAgentIds(config).map((id) => ({ id, dir: resolveAgentDir(config, id) }));
}

/** The running accounts, for the gateway methods and the chat command; one pool per gateway process. */
let active: AccountPool | undefined;
let activeConfig: PluginConfig | undefined;
/** Stops the owner-alert retries of the running accounts (the next start resumes them). */
let stopOwnerAlerts: (() => void) | undefined;
/** A login started with `/claude login`, waiting for its code; the verifier stays in this process. */
const pendingLogin = new PendingLogin();

export default definePluginEntry({
  id: PLUGIN_ID,
  name: "Claude OAuth Auto-Refresh",
  description: "Keeps a Claude subscription (OAuth) login alive: refreshes ahead of expiry, saves the rotated refresh token, publishes the access token to every OpenClaw agent.",
  register(api) {
    api.registerService({
      id: PLUGIN_ID,
      async start(ctx) {
        const logger = prefixedLogger(ctx.logger);
        let config;
        try {
          config = resolveConfig(api.pluginConfig, { stateDir: ctx.stateDir, accounts: await listAccounts(ctx.stateDir) });
        } catch (err) {
          logger.error(`Not starting: ${errorMessage(err)}`);
          return;
        }
        stopOwnerAlerts?.();
        await active?.stop();
        const liveConfig = (): OpenClawConfig => {
          try {
            return api.runtime.config.current() as OpenClawConfig;
          } catch {
            return ctx.config;
          }
        };
        const alertTargets = config.alertTargets;
        const owners: Array<ReturnType<typeof ownerAlertChannel>> = [];
        /** One account's alert channels; its ledger records what was sent and whether it arrived. */
        const alertsFor = (ledger: AlertLedger): AlertChannel => {
          // Straight to the owner's chat, no model involved; the system event only when no owner is known.
          const owner = ownerAlertChannel({
            targets: () => resolveAlertTargets(liveConfig(), alertTargets),
            send: openClawSend(liveConfig),
            fallback: chatAlertChannel(api.runtime.system),
            ledger,
            logger,
          });
          owners.push(owner);
          const channels: AlertChannel[] = [owner];
          if (config.alertCommand) channels.push(commandChannel(config.alertCommand, logger, undefined, config.alertCommandEnv));
          return fanOut(channels, logger);
        };
        const defaultLedger = new AlertLedger(alertLedgerPath(ctx.stateDir, DEFAULT_ACCOUNT));
        const defaultAlerts = alertsFor(defaultLedger);
        const agents = (await configuredAgents(ctx.config).catch(() => [])).map((a) => a.id);
        const pool = new AccountPool({
          config,
          stateDir: ctx.stateDir,
          logger,
          alert: defaultAlerts,
          createAccount: (name, accountConfig, hooks) => {
            const publisher = createOpenClawPublisher({
              profileId: accountConfig.profileId,
              // The live config, read at each publish: an agent added while the gateway runs counts too.
              agentDirs: async () => (await configuredAgents(liveConfig())).map((a) => a.dir),
              ranking: hooks.ranking,
              onAgentViewRebuilt: (dir) => hooks.logger.info(`OpenClaw still showed an older token to the agent in ${dir} after the write; rebuilt that agent's view (needed on OpenClaw before 2026.9.6).`),
            });
            const ledger = name === DEFAULT_ACCOUNT ? defaultLedger : new AlertLedger(alertLedgerPath(ctx.stateDir, name));
            const alert = name === DEFAULT_ACCOUNT ? defaultAlerts : alertsFor(ledger);
            // With several accounts every alert names its account; with one, the seed's wording stays.
            const named: AlertChannel = (a) => (name === DEFAULT_ACCOUNT && hooks.accountCount() < 2 ? alert(a) : alert({ ...a, account: name, message: `Claude account "${name}": ${a.message}` }));
            const service = new RefreshService({
              config: accountConfig,
              logger: hooks.logger,
              publisher,
              agents,
              alert: named,
              alertLedger: ledger,
              onChange: hooks.onChange,
              banner: name === DEFAULT_ACCOUNT,
            });
            return { service, applyRanking: () => publisher.applyRanking() };
          },
        });
        active = pool;
        activeConfig = config;
        stopOwnerAlerts = () => owners.forEach((o) => o.stop());
        await pool.start();
        // An alert an owner had not received when the gateway stopped is sent now.
        for (const owner of owners) void owner.resume();
      },
      async stop() {
        const pool = active;
        active = undefined;
        activeConfig = undefined;
        stopOwnerAlerts?.();
        stopOwnerAlerts = undefined;
        await pool?.stop();
      },
    });
    registerGatewayMethods(api, () => active);
    registerChatCommand(api, {
      // The chat command speaks for the configured (default) account.
      current: () => {
        const service = active?.get(DEFAULT_ACCOUNT);
        const pool = active;
        return service && pool && activeConfig ? { service, config: activeConfig, accounts: () => pool.statuses() } : undefined;
      },
      pending: pendingLogin,
      logger: prefixedLogger(api.logger),
    });
    registerHttpRoutes(api, () => active);
    registerCli(api);
  },
});
