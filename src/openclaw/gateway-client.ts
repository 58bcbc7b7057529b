import { errorMessage } from "../core/errors.js";

/**
 * Calls one of the plugin's methods on the running gateway. `undefined` means "no gateway here to
 * ask" (not running, or running without this plugin): the caller then does the work itself.
 */
export type GatewayAnswer<T> = { reachable: true; payload: T } | { reachable: false; reason: string };

/**
 * Pure: does this error from `callGatewayFromCli` mean there is no gateway running this plugin to
 * ask? Told apart by the fields OpenClaw sets on its errors, never by their wording:
 * - nothing listening (ECONNREFUSED and the like): a `GatewayTransportError` of kind "closed"
 *   with no close code (a connection that opened and then closed carries one);
 * - a gateway without this plugin running: our own methods answer `UNAVAILABLE`
 *   (gateway-methods.ts), and a gateway that never registered them `INVALID_REQUEST` (unknown
 *   method; our methods take any parameters, so that code means nothing else here).
 */
export function meansNoGateway(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { kind?: unknown; code?: unknown; gatewayCode?: unknown };
  if (e.name === "GatewayTransportError") return e.kind === "closed" && e.code === undefined;
  const code = e.gatewayCode ?? e.code;
  return code === "UNAVAILABLE" || code === "INVALID_REQUEST";
}

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
    if (meansNoGateway(err)) return { reachable: false, reason: errorMessage(err) };
    throw err;
  }
}
