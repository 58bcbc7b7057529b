import { definePluginEntry, type OpenClawConfig } from "openclaw/plugin-sdk/plugin-entry";
import { AlertLedger, alertLedgerPath, commandChannel, fanOut, type AlertChannel } from "./alerts.js";
import { chatAlertChannel } from "./chat-alert.js";
import { registerChatCommand } from "./chat-command.js";
import { PLUGIN_ID, resolveConfig, type PluginConfig } from "./config.js";
import { errorMessage } from "./errors.js";
import { registerCli } from "./cli.js";
import { registerGatewayMethods } from "./gateway-methods.js";
import { prefixedLogger } from "./logger.js";
import { openClawSend, ownerAlertChannel, resolveAlertTargets } from "./owner-delivery.js";
import { PendingLogin } from "./pending-login.js";
import { createOpenClawPublisher } from "./publish.js";
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

/** The running service, for the gateway methods; one per gateway process. */
let active: RefreshService | undefined;
let activeConfig: PluginConfig | undefined;
/** Stops the owner-alert retries of the running service (the next start resumes them). */
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
          config = resolveConfig(api.pluginConfig, { stateDir: ctx.stateDir });
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
        const alertLedger = new AlertLedger(alertLedgerPath(ctx.stateDir));
        const alertTargets = config.alertTargets;
        // Straight to the owner's chat, no model involved; the system event only when no owner is known.
        const ownerAlerts = ownerAlertChannel({
          targets: () => resolveAlertTargets(liveConfig(), alertTargets),
          send: openClawSend(liveConfig),
          fallback: chatAlertChannel(api.runtime.system),
          ledger: alertLedger,
          logger,
        });
        const channels: AlertChannel[] = [ownerAlerts];
        if (config.alertCommand) channels.push(commandChannel(config.alertCommand, logger));
        const service = new RefreshService({
          config,
          logger,
          // The live config, read at each publish: an agent added while the gateway runs counts too.
          publisher: createOpenClawPublisher({ profileId: config.profileId, agentDirs: async () => (await configuredAgents(liveConfig())).map((a) => a.dir) }),
          agents: (await configuredAgents(ctx.config).catch(() => [])).map((a) => a.id),
          alert: fanOut(channels, logger),
          alertLedger,
        });
        active = service;
        activeConfig = config;
        stopOwnerAlerts = () => ownerAlerts.stop();
        await service.start();
        // An alert the owner had not received when the gateway stopped is sent now.
        void ownerAlerts.resume();
      },
      async stop() {
        const service = active;
        active = undefined;
        activeConfig = undefined;
        stopOwnerAlerts?.();
        stopOwnerAlerts = undefined;
        await service?.stop();
      },
    });
    registerGatewayMethods(api, () => active);
    registerChatCommand(api, {
      current: () => (active && activeConfig ? { service: active, config: activeConfig } : undefined),
      pending: pendingLogin,
      logger: prefixedLogger(api.logger),
    });
    registerCli(api);
  },
});
