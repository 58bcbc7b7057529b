import path from "node:path";
import { definePluginEntry, type OpenClawConfig } from "openclaw/plugin-sdk/plugin-entry";
import { AlertLedger, commandChannel, fanOut } from "./alerts.js";
import { chatAlertChannel } from "./chat-alert.js";
import { PLUGIN_ID, resolveConfig } from "./config.js";
import { errorMessage } from "./errors.js";
import { registerCli } from "./cli.js";
import { registerGatewayMethods } from "./gateway-methods.js";
import { registerHttpRoutes } from "./http-routes.js";
import { prefixedLogger } from "./logger.js";
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
        await active?.stop();
        const liveConfig = (): OpenClawConfig => {
          try {
            return api.runtime.config.current() as OpenClawConfig;
          } catch {
            return ctx.config;
          }
        };
        const channels = [chatAlertChannel(api.runtime.system)];
        if (config.alertCommand) channels.push(commandChannel(config.alertCommand, logger));
        const service = new RefreshService({
          config,
          logger,
          // The live config, read at each publish: an agent added while the gateway runs counts too.
          publisher: createOpenClawPublisher({ profileId: config.profileId, agentDirs: async () => (await configuredAgents(liveConfig())).map((a) => a.dir) }),
          agents: (await configuredAgents(ctx.config).catch(() => [])).map((a) => a.id),
          alert: fanOut(channels, logger),
          alertLedger: new AlertLedger(path.join(ctx.stateDir, PLUGIN_ID, "alerts.json")),
        });
        active = service;
        await service.start();
      },
      async stop() {
        const service = active;
        active = undefined;
        await service?.stop();
      },
    });
    registerGatewayMethods(api, () => active);
    registerHttpRoutes(api, () => active);
    registerCli(api);
  },
});
