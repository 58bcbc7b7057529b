import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock.js";
import { resolveConfig } from "../core/config.js";
import type { Logger } from "../core/logger.js";
import type { UsageRequest } from "../accounts/usage.js";
import type { Publisher } from "../openclaw/publish.js";
import type { ServiceDeps } from "./service-types.js";
import { usageMonitorFor } from "./usage-wiring.js";

const NOW = 1_767_225_600_000;
const log: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const publisher: Publisher = { publish: async () => undefined, unpublish: async () => undefined };

function deps(config: Record<string, unknown>, over: Partial<ServiceDeps> = {}): ServiceDeps {
  return { config: resolveConfig({ credentialsPath: "/tmp/cor-usage-wiring/creds.json", userAgent: "cor-test/1", ...config }, { stateDir: "/tmp/cor-usage-wiring" }), logger: log, publisher, ...over };
}

describe("usageMonitorFor", () => {
  it("none when the config turns usage checks off", () => {
    const clock = new FakeClock(NOW);
    expect(usageMonitorFor(deps({ usageCheckMinutes: 0 }), { clock, log, currentToken: () => undefined })).toBeUndefined();
  });

  it("asks with the token the service offers, at the config's URL with its user agent, through the injected GET; counts a failure and reports back", async () => {
    const clock = new FakeClock(NOW);
    const requests: UsageRequest[] = [];
    const failures: string[] = [];
    let reports = 0;
    const d = deps(
      { usageCheckMinutes: 10 },
      {
        usageGet: async (request) => (requests.push(request), { status: 500, headers: new Headers(), body: "{}" }),
        counting: { refreshAttempted: () => undefined, refreshSucceeded: () => undefined, refreshFailed: () => undefined, usageCheckFailed: (code) => failures.push(code) },
      },
    );
    const monitor = usageMonitorFor(d, { clock, log, currentToken: () => ({ accessToken: "FAKE-access-1", expiresAt: NOW + 60_000 }), onReport: () => (reports += 1) });
    const report = await monitor?.checkNow();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(d.config.usageUrl);
    expect(requests[0]?.headers).toMatchObject({ authorization: "Bearer FAKE-access-1", "user-agent": "cor-test/1" });
    expect(report?.error?.code).toBe("server_error");
    expect(failures).toEqual(["server_error"]);
    expect(reports).toBe(1);
  });
});
