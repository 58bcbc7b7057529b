// A long-lived gateway RPC client for the benchmark (see bench/lib/rpc.ts), run with Node 24 in the
// gateway's isolated environment (OPENCLAW_CONFIG_PATH, OPENCLAW_GATEWAY_TOKEN, ...). OpenClaw's
// client is loaded once, so a call costs a WebSocket round trip instead of a 5-10 s CLI start.
// Protocol: one JSON object per line on stdin {id, method, params, expectFinal}; one per line on
// stdout {id, ok, start, end, payload | error} (start/end: Date.now() here). Exits when stdin ends.
import { createInterface } from "node:readline";

const { callGatewayFromCli } = await import("openclaw/plugin-sdk/gateway-runtime");
process.stdout.write(`${JSON.stringify({ ready: true, at: Date.now() })}\n`);

let pending = 0;
let closing = false;
const maybeExit = () => {
  if (closing && pending === 0) process.exit(0);
};
const rl = createInterface({ input: process.stdin });
rl.on("close", () => {
  closing = true;
  maybeExit();
});
rl.on("line", (line) => {
  const cmd = JSON.parse(line);
  const start = Date.now();
  pending += 1;
  const expectFinal = cmd.expectFinal === true;
  callGatewayFromCli(cmd.method, { json: true, timeout: "180000", ...(expectFinal ? { expectFinal } : {}) }, cmd.params ?? {}, { progress: false, ...(expectFinal ? { expectFinal } : {}) })
    .then(
      (payload) => process.stdout.write(`${JSON.stringify({ id: cmd.id, ok: true, start, end: Date.now(), payload })}\n`),
      (error) => process.stdout.write(`${JSON.stringify({ id: cmd.id, ok: false, start, end: Date.now(), error: String(error?.message ?? error) })}\n`),
    )
    .finally(() => {
      pending -= 1;
      maybeExit();
    });
});
