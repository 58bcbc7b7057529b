import { definePluginEntry, type OpenClawConfig } from "openclaw/plugin-sdk/plugin-entry";
import type { AccountPool } from "./accounts/account-pool.js";
import { DEFAULT_ACCOUNT, listAccounts } from "./accounts/accounts.js";
import { PLUGIN_ID, resolveConfig, type PluginConfig } from "./core/config.js";
import { errorMessage } from "./core/errors.js";
import { prefixedLogger } from "./core/logger.js";
import type { RunningAccounts } from "./gateway-start.js";
import { PendingLogin } from "./login/pending-login.js";
import { gatewayReady, markGatewayReady } from "./openclaw/gateway-ready.js";
import { handlersWaitFor } from "./openclaw/wait-for-start.js";
import { registerChatCommand } from "./surfaces/chat-command.js";
import { registerCli } from "./surfaces/cli.js";
import { registerGatewayMethods } from "./surfaces/gateway-methods.js";
import { registerHttpRoutes } from "./surfaces/http-routes.js";
import { registerMetricsRoute } from "./monitoring/metrics-route.js";
import type { SessionListing } from "./openclaw/pinned-sessions.js";

/**
 * Wiring only. `register` runs several times per process and in CLI-only passes (every
 * `openclaw ...` command loads it), so it imports only what registering needs and starts nothing:
 * the accounts' code (gateway-start.ts: the pool, the services, the publisher, the alerts) is
 * imported when the service starts. And the service's `start` returns at once and the accounts
 * start once the gateway is ready (its `gateway_start` hook): OpenClaw starts plugin services while
 * it is still getting ready, and loading the accounts' code, reading the files and writing
 * OpenClaw's stores then lengthened its start-up (bench part 1). No agent turn runs before ready,
 * so nothing the accounts do at start needs to come earlier. Handlers (gateway methods, the HTTP
 * route, `/claude`) wait for the accounts to be up before answering.
 */

/** How long the accounts wait for the gateway to say it is ready before they start anyway. */
const READY_FALLBACK_MS = 10_000;

/** The running accounts, for the gateway methods and the chat command; one pool per gateway process. */
let running: (RunningAccounts & { config: PluginConfig }) | undefined;
/** The accounts' start-up in progress (settled when nothing is starting). */
let starting: Promise<void> = Promise.resolve();
/** A login started with `/claude login`, waiting for its code; the verifier stays in this process. */
const pendingLogin = new PendingLogin();

async function stopRunning(): Promise<void> {
  await starting;
  const current = running;
  running = undefined;
  current?.stopOwnerAlerts();
  current?.stopUsageAlerts();
  await current?.pool.stop();
}

export default definePluginEntry({
  id: PLUGIN_ID,
  name: "Claude OAuth Auto-Refresh",
  description: "Keeps a Claude subscription (OAuth) login alive: refreshes ahead of expiry, saves the rotated refresh token, publishes the access token to every OpenClaw agent.",
  register(api) {
    api.registerService({
      id: PLUGIN_ID,
      async start(ctx) {
        const logger = prefixedLogger(ctx.logger);
        let config: PluginConfig;
        try {
          config = resolveConfig(api.pluginConfig, { stateDir: ctx.stateDir, accounts: await listAccounts(ctx.stateDir) });
        } catch (err) {
          logger.error(`Not starting: ${errorMessage(err)}`);
          return;
        }
        const liveConfig = (): OpenClawConfig => {
          try {
            return api.runtime.config.current() as OpenClawConfig;
          } catch {
            return ctx.config;
          }
        };
        const system = api.runtime.system;
        // Absent on older OpenClaw releases: then moved sessions are not named, nothing else changes.
        const sessions = (api.runtime as { agent?: { session?: SessionListing } }).agent?.session;
        const previous = stopRunning();
        starting = previous
          .then(() => gatewayReady(READY_FALLBACK_MS))
          .then(() => import("./gateway-start.js"))
          .then(({ startAccounts }) => startAccounts({ config, stateDir: ctx.stateDir, logger, startConfig: ctx.config, liveConfig, system, ...(sessions ? { sessions } : {}) }))
          .then(
            (accounts) => {
              running = { ...accounts, config };
            },
            (err: unknown) => logger.error(`Could not start: ${errorMessage(err)}`),
          );
      },
      stop: stopRunning,
    });
    api.on("gateway_start", markGatewayReady);
    const waiting = handlersWaitFor(api, () => starting);
    const pool = (): AccountPool | undefined => running?.pool;
    registerGatewayMethods(waiting, pool);
    registerChatCommand(waiting, {
      // The chat command speaks for the configured (default) account.
      current: () => {
        const service = running?.pool.get(DEFAULT_ACCOUNT);
        const current = running;
        return service && current ? { service, config: current.config, accounts: () => current.pool.statuses() } : undefined;
      },
      pending: pendingLogin,
      logger: prefixedLogger(api.logger),
    });
    registerHttpRoutes(waiting, pool);
    registerMetricsRoute(waiting, pool);
    registerCli(api);
  },
});
