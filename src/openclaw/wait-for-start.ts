import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";

/**
 * The plugin API as the registration code sees it, except that every gateway method, HTTP route
 * and chat command registered through it first waits for `started()`. The service's start returns
 * before its accounts are up (so the gateway's ready never waits for them); a call that arrives in
 * between is answered once they are, never with "not running" or a half-read status.
 */
export function handlersWaitFor(api: OpenClawPluginApi, started: () => Promise<void>): OpenClawPluginApi {
  type Method = OpenClawPluginApi["registerGatewayMethod"];
  type Route = OpenClawPluginApi["registerHttpRoute"];
  type Command = OpenClawPluginApi["registerCommand"];
  const registerGatewayMethod: Method = (method, handler, options) =>
    api.registerGatewayMethod(method, async (call) => {
      await started();
      return handler(call);
    }, options);
  const registerHttpRoute: Route = (route) =>
    api.registerHttpRoute({
      ...route,
      handler: async (req, res) => {
        await started();
        return route.handler(req, res);
      },
    });
  const registerCommand: Command = (command) =>
    api.registerCommand({
      ...command,
      handler: async (ctx) => {
        await started();
        return command.handler(ctx);
      },
    });
  const overrides: Partial<OpenClawPluginApi> = { registerGatewayMethod, registerHttpRoute, registerCommand };
  // A Proxy, not a copy: some of the API's members are getters that throw in registration-only passes.
  return new Proxy(api, {
    get: (target, prop) => {
      if (prop in overrides) return overrides[prop as keyof typeof overrides];
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
