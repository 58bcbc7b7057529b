import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import type { AccountPool, AccountService } from "../accounts/account-pool.js";
import { parseAccountName } from "../accounts/accounts.js";
import { errorMessage } from "../core/errors.js";
import { NOT_RUNNING } from "../status/messages.js";
import { liveStatus } from "../status/live.js";
import { keepsCredentialsOnLogout } from "../login/logout-policy.js";

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

/**
 * Who may do what. Anything that changes something (spends a rotation, starts an account, removes a
 * profile or a file) is the owner's: `operator.admin`, as `/claude` in chat. OpenClaw grants
 * `operator.write` to paired devices for ordinary chat, and `operator.read` to dashboards.
 */
export const METHOD_SCOPES = {
  [METHODS.status]: "operator.read",
  [METHODS.refresh]: "operator.admin",
  [METHODS.reload]: "operator.admin",
  [METHODS.logout]: "operator.admin",
} as const;

/** How often a caller without `operator.admin` may make `status` read the usage endpoint, per account. */
export const ON_DEMAND_USAGE_MIN_INTERVAL_MS = 60_000;

/**
 * Pure rate limit for on-demand usage checks by read-only callers: each account's usage endpoint
 * is asked at most once per interval on their behalf; in between they get the last reading.
 */
export class OnDemandLimiter {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs: number = ON_DEMAND_USAGE_MIN_INTERVAL_MS) {}

  /** True (and counted) when a check for `key` may run now. */
  take(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.intervalMs) return false;
    this.last.set(key, now);
    return true;
  }
}

/** OpenClaw's own test for an owner client (what its core handlers check). */
function isAdmin(client: { connect?: { scopes?: unknown } } | null | undefined): boolean {
  const scopes = client?.connect?.scopes;
  return Array.isArray(scopes) && scopes.includes("operator.admin");
}

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
  /** The account a call names (parsed once per call), and its running service. */
  const account = (pool: AccountPool, params: Record<string, unknown>): { name: string; service: AccountService } => {
    const name = parseAccountName(params.account);
    const service = pool.get(name);
    if (!service) throw new Error(`No Claude account named "${name}" in this gateway (accounts: ${pool.names().join(", ")}).`);
    return { name, service };
  };
  const limiter = new OnDemandLimiter();
  // The same JSON as `openclaw claude-oauth status --json`, from the live services.
  api.registerGatewayMethod(
    METHODS.status,
    ({ respond, params, client }) =>
      withPool(respond, async (pool) => {
        const name = params.account === undefined ? undefined : parseAccountName(params.account);
        if (params.checkUsage === true) {
          const owner = isAdmin(client);
          const now = Date.now();
          const names = pool.names().filter((n) => (name === undefined || n === name) && (owner || limiter.take(n, now)));
          await Promise.all(names.map((n) => pool.get(n)?.checkUsage()));
        }
        return liveStatus(pool, name);
      }),
    { scope: METHOD_SCOPES[METHODS.status] },
  );
  api.registerGatewayMethod(METHODS.refresh, ({ respond, params }) => withPool(respond, (pool) => account(pool, params).service.refreshNow({ force: params.force === true })), { scope: METHOD_SCOPES[METHODS.refresh] });
  // A new account's file may have just been written: start it before reloading.
  api.registerGatewayMethod(METHODS.reload, ({ respond, params }) => withPool(respond, async (pool) => (await pool.ensure(parseAccountName(params.account))).reload()), { scope: METHOD_SCOPES[METHODS.reload] });
  api.registerGatewayMethod(
    METHODS.logout,
    ({ respond, params }) =>
      withPool(respond, async (pool) => {
        const options = { keepCredentials: params.keepCredentials === true, deleteCredentials: params.deleteCredentials === true };
        const { name, service } = account(pool, params);
        const status = await service.logout(options);
        // An account whose file is gone is no longer kept; one whose file stays is watched as before.
        if (!keepsCredentialsOnLogout(status.lockProtocol ?? "plugin", options)) await pool.remove(name);
        return status;
      }),
    { scope: METHOD_SCOPES[METHODS.logout] },
  );
}
