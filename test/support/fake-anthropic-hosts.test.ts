// Checks the TLS stand-in for Anthropic's hosts (fake-anthropic-hosts.ts): it is trusted only through
// the test CA, hands usage reads to the usage fake, and records everything else (answered 404).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropicHosts, type FakeAnthropicHosts } from "./fake-anthropic-hosts.js";
import { startFakeUsageEndpoint, type FakeUsageEndpoint } from "./fake-usage-endpoint.js";
import { makeTestCa } from "./test-ca.js";

const TOKEN = "sk-ant-oat01-FAKE-hosts-test";

function call(port: number, ca: string | undefined, host: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, servername: host, method, path, headers: { host, ...headers }, ...(ca ? { ca } : {}) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}

describe("fake Anthropic hosts (TLS)", () => {
  let dir = "";
  let ca = "";
  let usage: FakeUsageEndpoint;
  let hosts: FakeAnthropicHosts;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "coauth-hosts-test-"));
    const testCa = await makeTestCa(dir, ["api.anthropic.com", "platform.claude.com"]);
    ca = readFileSync(testCa.caCertPath, "utf8");
    usage = await startFakeUsageEndpoint();
    usage.set(TOKEN, { windows: { fiveHour: 23, sevenDay: 61 } });
    hosts = await startFakeAnthropicHosts({ key: testCa.key, cert: testCa.cert, usageUrl: usage.url });
  }, 60_000);

  afterAll(async () => {
    await hosts?.close();
    await usage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the usage read through the usage fake and records who asked, with which token", async () => {
    const r = await call(hosts.port, ca, "api.anthropic.com", "GET", "/api/oauth/usage", { authorization: `Bearer ${TOKEN}`, "anthropic-beta": "oauth-2025-04-20", "user-agent": "openclaw" });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ five_hour: { utilization: 23 }, seven_day: { utilization: 61 } });
    expect(hosts.requests.at(-1)).toMatchObject({ host: "api.anthropic.com", method: "GET", path: "/api/oauth/usage", bearer: TOKEN, userAgent: "openclaw", status: 200 });
  });

  it("records a refresh POST to OpenClaw's token URL (answered 404)", async () => {
    const r = await call(hosts.port, ca, "platform.claude.com", "POST", "/v1/oauth/token", { "content-type": "application/json" });
    expect(r.status).toBe(404);
    expect(hosts.requests.at(-1)).toMatchObject({ host: "platform.claude.com", method: "POST", path: "/v1/oauth/token", status: 404 });
  });

  it("is not trusted without the test CA", async () => {
    await expect(call(hosts.port, undefined, "api.anthropic.com", "GET", "/api/oauth/usage")).rejects.toThrow(/certificate/i);
  });
});
