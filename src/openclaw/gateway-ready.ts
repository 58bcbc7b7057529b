/**
 * Whether the gateway is ready. OpenClaw calls plugin services' `start` while it is still getting
 * ready (between "starting channels and sidecars" and "[gateway] ready"), so whatever a plugin does
 * on the event loop then (loading its code, reading files, writing OpenClaw's stores) lengthens the
 * gateway's start-up. OpenClaw's `gateway_start` hook fires after ready (plus its 500 ms post-ready
 * delay); its docs name it as the place for plugin start-up work.
 *
 * The fact is kept process-wide under a global symbol, not in this module: a plugin reload may
 * evaluate this module again, and a service-only reload does not replay `gateway_start`.
 */

const KEY = Symbol.for("claude-oauth-refresh.gateway-ready");

interface ReadyState {
  ready: boolean;
  waiters: Set<() => void>;
}

function readyState(): ReadyState {
  const holder = globalThis as { [KEY]?: ReadyState };
  holder[KEY] ??= { ready: false, waiters: new Set() };
  return holder[KEY];
}

/** Called from the `gateway_start` hook. */
export function markGatewayReady(): void {
  const state = readyState();
  state.ready = true;
  for (const wake of state.waiters) wake();
  state.waiters.clear();
}

/**
 * Resolves once the gateway is ready, or after `fallbackMs` when it never says so (an OpenClaw
 * release or a gateway mode that does not run the hook): the plugin then starts anyway, as it
 * always did, only later.
 */
export function gatewayReady(fallbackMs: number): Promise<void> {
  const state = readyState();
  if (state.ready) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      state.waiters.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, fallbackMs);
    timer.unref?.();
    state.waiters.add(wake);
  });
}
