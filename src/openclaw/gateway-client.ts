import { errorMessage } from "../core/errors.js";

/**
 * Calls one of the plugin's methods on the running gateway. `undefined` means "no gateway here to
 * ask" (not running, or running without this plugin): the caller then does the work itself.
 */
export type GatewayAnswer<T> = { reachable: true; payload: T } | { reachable: false; reason: string };

const UNREACHABLE = /not reachable|ECONNREFUSED|unknown method|method not found|UNAVAILABLE/i;

/** The operator scopes a caller asks for (OpenClaw's OperatorScope, the ones this plugin uses). */
export type MethodScope = "operator.read" | "operator.write" | "operator.admin";

export async function callPluginMethod<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000, scopes?: MethodScope[]): Promise<GatewayAnswer<T>> {
  const { callGatewayFromCli } = await import("openclaw/plugin-sdk/gateway-runtime");
  try {
    // The scopes the method needs, asked for explicitly: a CLI process may not know the plugin's
    // methods, and then OpenClaw would guess (all scopes, or the least it can find).
    const payload = await callGatewayFromCli(method, { json: true, timeout: String(timeoutMs) }, params, { progress: false, ...(scopes ? { scopes } : {}) });
    return { reachable: true, payload: payload as T };
  } catch (err) {
    const message = errorMessage(err);
    if (UNREACHABLE.test(message)) return { reachable: false, reason: message };
    throw err;
  }
}
