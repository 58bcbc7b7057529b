import { describe, expect, it } from "vitest";
import { meansNoGateway } from "./gateway-client.js";

/** Errors shaped as OpenClaw 2026.9.6 throws them from callGatewayFromCli (fields, not wording). */
function transport(kind: "closed" | "timeout", code?: number): Error {
  return Object.assign(new Error("any wording"), { name: "GatewayTransportError", kind, ...(code === undefined ? {} : { code }) });
}
function answered(gatewayCode: string): Error {
  return Object.assign(new Error("any wording"), { name: "GatewayClientRequestError", code: gatewayCode, gatewayCode });
}

describe("meansNoGateway", () => {
  it("nothing listening, a gateway without the plugin running, a gateway without its methods: no gateway to ask", () => {
    expect(meansNoGateway(transport("closed"))).toBe(true);
    expect(meansNoGateway(answered("UNAVAILABLE"))).toBe(true);
    expect(meansNoGateway(answered("INVALID_REQUEST"))).toBe(true);
  });

  it("a gateway that was reached and then failed is not a reason to do the work here", () => {
    expect(meansNoGateway(transport("closed", 1006))).toBe(false);
    expect(meansNoGateway(transport("timeout"))).toBe(false);
    expect(meansNoGateway(answered("FAILED"))).toBe(false);
    expect(meansNoGateway(answered("FORBIDDEN"))).toBe(false);
    expect(meansNoGateway(new Error("Gateway not reachable (ECONNREFUSED)"))).toBe(false);
    expect(meansNoGateway("not an error")).toBe(false);
  });
});
