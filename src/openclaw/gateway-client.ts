import { errorMessage } from "../core/errors.js";

/**
 * Calls one of the plugin's methods on the running gateway. `undefined` means "no gateway here to
 * ask" (not running, or running without this plugin): the caller then does the work itself.
 */
export type GatewayAnswer<T> = { reachable: true; payload: T } | { reachable: false; reason: string };

const UNREACHABLE = /not reachable|ECONNREFUSED|unknown method|method not found|UNAVAILABLE/i;

export async function callPluginMethod<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<GatewayAnswer<T>> {
  const { callGatewayFromCli } = await import("openclaw/plugin-sdk/gateway-runtime");
  try {
    const payload = await callGatewayFromCli(method, { json: true, timeout: String(timeoutMs) }, params, { progress: false });
    return { reachable: true, payload: payload as T };
  } catch (err) {
    const message = errorMessage(err);
    if (UNREACHABLE.test(message)) return { reachable: false, reason: message };
    throw err;
  }
}
