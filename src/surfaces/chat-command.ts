import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import type { PluginConfig } from "../core/config.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { PendingLogin } from "../login/pending-login.js";
// Static: pending-login.ts, which registering needs, imports it anyway.
import { buildAuthorizeUrl } from "../login/pkce.js";
import { redact } from "../core/redact.js";
import type { RefreshService } from "../service.js";
import { NOT_RUNNING } from "../status/messages.js";
import type { AccountStatus, ServiceStatus } from "../status/types.js";

/**
 * `/claude` in any chat OpenClaw serves, answered by the plugin itself (no model call):
 * status, refresh, login, help. Owner-only: `requiredScopes: ["operator.admin"]` makes
 * OpenClaw admit only senders in `commands.ownerAllowFrom` and gateway clients holding
 * `operator.admin`; everyone else gets OpenClaw's refusal and the handler never runs.
 */

export type ChatService = Pick<RefreshService, "status" | "refreshNow" | "reload">;

export interface ChatCommandDeps {
  /**
   * The configured (default) account's service and config, and every account's status (several
   * accounts: status replies show each); undefined when the plugin is not running.
   */
  current: () => { service: ChatService; config: PluginConfig; accounts?: () => AccountStatus[] } | undefined;
  pending: PendingLogin;
  logger: Logger;
  now?: () => number;
}

export { NOT_RUNNING };

/** One account's state, or, with several, every account's in the order agents use them (the pool's snapshot). */
async function summary(status: ServiceStatus, now: number, accounts: AccountStatus[] = []): Promise<string> {
  const [{ formatChatAccounts, formatChatStatus }, { statusFromAccounts, toStatusJson }] = await Promise.all([import("./chat-reply.js"), import("../status/build.js")]);
  if (accounts.length < 2) return formatChatStatus(toStatusJson(status, now, { source: "gateway" }), now);
  return formatChatAccounts(statusFromAccounts(accounts, now, { source: "gateway" }).accounts ?? [], now);
}

/**
 * The reply text for `/claude <args>`; never throws, never contains token material. The wording
 * and the status builder are imported on the first command, not when the plugin registers it (the
 * gateway loads the plugin's entry twice at start-up, and every `openclaw` command once).
 */
export async function runChatCommand(args: string | undefined, deps: ChatCommandDeps): Promise<string> {
  const { CHAT_HELP, formatLoggedIn, formatLoginStarted, formatRefreshOutcome, parseChatCommand } = await import("./chat-reply.js");
  const now = deps.now ?? Date.now;
  const command = parseChatCommand(args);
  if (command.kind === "help") return CHAT_HELP;
  if (command.kind === "unknown") return `Unknown subcommand "${command.word.slice(0, 40)}".\n${CHAT_HELP}`;
  const running = deps.current();
  if (!running) return NOT_RUNNING;
  const { service, config } = running;
  try {
    switch (command.kind) {
      case "status":
        return await summary(service.status(), now(), running.accounts?.());
      case "refresh": {
        const report = await service.refreshNow({ force: true });
        return `${formatRefreshOutcome(report)}\n${await summary(report.status, now(), running.accounts?.())}`;
      }
      case "login-start": {
        const started = deps.pending.start();
        deps.logger.info("Login started from the chat; waiting for the code (valid 10 minutes).");
        return formatLoginStarted(buildAuthorizeUrl(config.authorizeUrl, config.clientId, started.pkce), started.expiresAt, now());
      }
      case "login-finish": {
        let taken;
        try {
          taken = deps.pending.take(command.pasted);
        } catch (err) {
          return `Login refused: ${redact(errorMessage(err))}`;
        }
        const { completeLogin, loginFailureMessage } = await import("../login/login-exchange.js");
        try {
          const { tokens, published } = await completeLogin(config, taken.code, taken.pkce, () => service.reload());
          deps.logger.info(`Logged in from the chat${tokens.accountEmail ? ` as ${tokens.accountEmail}` : ""}; saved to ${config.credentialsPath} (mode 600) and published.`);
          const reply = formatLoggedIn(tokens.accountEmail, tokens.expiresAt, now());
          return published.state === "ok" ? reply : `${reply}\n${await summary(published, now())}`;
        } catch (err) {
          const reason = loginFailureMessage(err, "send /claude login to start again");
          deps.logger.warn(`Login from the chat failed: ${reason}`);
          return `Login failed: ${reason}`;
        }
      }
    }
  } catch (err) {
    return `Failed: ${redact(errorMessage(err))}`;
  }
}

export function registerChatCommand(api: OpenClawPluginApi, deps: ChatCommandDeps): void {
  api.registerCommand({
    name: "claude",
    description: "Claude login: status, refresh, login, help (owner only)",
    acceptsArgs: true,
    requireAuth: true,
    requiredScopes: ["operator.admin"],
    handler: async (ctx) => ({ text: await runChatCommand(ctx.args, deps) }),
  });
}
