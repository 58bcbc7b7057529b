import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import { errorMessage } from "./errors.js";
import type { RefreshService } from "./service.js";
import { fileMode, toStatusJson, type StatusJson } from "./status-view.js";

export async function liveStatusJson(service: RefreshService): Promise<StatusJson> {
  const status = service.status();
  const mode = await fileMode(status.credentialsPath);
  return toStatusJson(status, Date.now(), { source: "gateway", ...(mode === undefined ? {} : { mode }) });
}

/**
 * RPC methods on the running gateway. CLI commands run in their own process, and OpenClaw does
 * not see another process's auth-store writes while it runs, so commands that change the token
 * hand the publishing to the gateway through these.
 */
export const METHODS = {
  status: "claude-oauth.status",
  refresh: "claude-oauth.refresh",
  reload: "claude-oauth.reload",
  logout: "claude-oauth.logout",
} as const;

type Respond = (ok: boolean, payload?: unknown, error?: { code: string; message: string }) => void;

export function registerGatewayMethods(api: OpenClawPluginApi, current: () => RefreshService | undefined): void {
  const withService = async (respond: Respond, fn: (s: RefreshService) => Promise<unknown> | unknown) => {
    const service = current();
    if (!service) {
      respond(false, undefined, { code: "UNAVAILABLE", message: "claude-oauth-refresh is not running in this gateway (disabled, or its config is invalid: see the gateway log)." });
      return;
    }
    try {
      respond(true, await fn(service));
    } catch (err) {
      respond(false, undefined, { code: "FAILED", message: errorMessage(err) });
    }
  };
  // The same JSON as `openclaw claude-oauth status --json`, from the live service.
  api.registerGatewayMethod(METHODS.status, ({ respond }) => withService(respond, (s) => liveStatusJson(s)), { scope: "operator.read" });
  api.registerGatewayMethod(METHODS.refresh, ({ respond, params }) => withService(respond, (s) => s.refreshNow({ force: params.force === true })), { scope: "operator.write" });
  api.registerGatewayMethod(METHODS.reload, ({ respond }) => withService(respond, (s) => s.reload()), { scope: "operator.write" });
  api.registerGatewayMethod(METHODS.logout, ({ respond, params }) => withService(respond, (s) => s.logout({ keepCredentials: params.keepCredentials === true })), { scope: "operator.write" });
}
