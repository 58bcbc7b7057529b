import { describe, expect, it } from "vitest";
import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import { handlersWaitFor } from "./wait-for-start.js";

type Handler = (arg: unknown) => Promise<unknown>;

/** Records what was registered; `runtime` throws as it does in registration-only passes. */
function fakeApi() {
  const handlers = new Map<string, Handler>();
  const api = {
    pluginConfig: { a: 1 },
    registerGatewayMethod: (method: string, handler: Handler) => void handlers.set(method, handler),
    registerCommand: (command: { name: string; handler: Handler }) => void handlers.set(`/${command.name}`, command.handler),
    registerHttpRoute: (route: { path: string; handler: (req: unknown, res: unknown) => Promise<unknown> }) => void handlers.set(route.path, (x) => route.handler(x, undefined)),
    get runtime(): never {
      throw new Error("not in this pass");
    },
  };
  return { api: api as unknown as OpenClawPluginApi, handlers };
}

describe("handlersWaitFor", () => {
  it("every registered handler answers only once the start-up has settled", async () => {
    const { api, handlers } = fakeApi();
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    const waiting = handlersWaitFor(api, () => started);
    const order: string[] = [];
    waiting.registerGatewayMethod("m", async () => void order.push("method"));
    waiting.registerCommand({ name: "c", description: "", handler: async () => (order.push("command"), { text: "" }) });
    waiting.registerHttpRoute({ path: "/r", auth: "gateway", handler: async () => (order.push("route"), true) });
    const calls = [...handlers.values()].map((h) => h({}));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    release();
    await Promise.all(calls);
    expect(order.sort()).toEqual(["command", "method", "route"]);
  });

  it("passes everything else through, and reads no getter before it is asked for", () => {
    const { api } = fakeApi();
    const waiting = handlersWaitFor(api, () => Promise.resolve());
    expect(waiting.pluginConfig).toEqual({ a: 1 });
    expect(() => waiting.runtime).toThrow("not in this pass");
  });
});
