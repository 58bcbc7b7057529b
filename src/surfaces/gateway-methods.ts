import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import type { AccountPool, AccountService } from "../accounts/account-pool.js";
import { parseAccountName } from "../accounts/accounts.js";
import { errorMessage } from "../core/errors.js";
import { NOT_RUNNING } from "../status/messages.js";
import { liveStatus } from "../status/live.js";

/**
 * RPC methods on the running gateway. CLI commands run in their own process, and OpenClaw does
 * not see another process's auth-store writes while it runs, so commands that change the token
 * hand the publishing to the gateway through these. Each takes an optional `account` (default
 * "default").
 */
export const METHODS = {
  status: "claude-oauth.status",
  refresh: "claude-oauth.refresh",
  reload: "claude-oauth.reload",
  logout: "claude-oauth.logout",
} as const;

type Respond = (ok: boolean, payload?: unknown, error?: { code: string; message: string }) => void;

export function registerGatewayMethods(api: OpenClawPluginApi, current: () => AccountPool | undefined): void {
  const withPool = async (respond: Respond, fn: (pool: AccountPool) => Promise<unknown> | unknown) => {
    const pool = current();
    if (!pool) {
      respond(false, undefined, { code: "UNAVAILABLE", message: NOT_RUNNING });
      return;
    }
    try {
      respond(true, await fn(pool));
    } catch (err) {
      respond(false, undefined, { code: "FAILED", message: errorMessage(err) });
    }
  };
  const account = (pool: AccountPool, params: Record<string, unknown>): AccountService => {
    const name = parseAccountName(params.account);
    const service = pool.get(name);
    if (!service) throw new Error(`No Claude account named "${name}" in this gateway (accounts: ${pool.names().join(", ")}).`);
    return service;
  };
  // The same JSON as `openclaw claude-oauth status --json`, from the live services.
  api.registerGatewayMethod(
    METHODS.status,
    ({ respond, params }) =>
      withPool(respond, async (pool) => {
        const name = params.account === undefined ? undefined : parseAccountName(params.account);
        if (params.checkUsage === true) await Promise.all(pool.names().filter((n) => name === undefined || n === name).map((n) => pool.get(n)?.checkUsage()));
        return liveStatus(pool, name);
      }),
    { scope: "operator.read" },
  );
  api.registerGatewayMethod(METHODS.refresh, ({ respond, params }) => withPool(respond, (pool) => account(pool, params).refreshNow({ force: params.force === true })), { scope: "operator.write" });
  // A new account's file may have just been written: start it before reloading.
  api.registerGatewayMethod(METHODS.reload, ({ respond, params }) => withPool(respond, async (pool) => (await pool.ensure(parseAccountName(params.account))).reload()), { scope: "operator.write" });
  api.registerGatewayMethod(
    METHODS.logout,
    ({ respond, params }) =>
      withPool(respond, async (pool) => {
        const status = await account(pool, params).logout({ keepCredentials: params.keepCredentials === true });
        if (params.keepCredentials !== true) await pool.remove(parseAccountName(params.account));
        return status;
      }),
    { scope: "operator.write" },
  );
}
