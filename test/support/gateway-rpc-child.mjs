// Calls one gateway RPC method as a client holding the given operator scopes, e.g. a Control UI
// admin (`operator.admin`) or a plain writer (`operator.write`), and prints the answer as JSON.
// Runs on Node 24 with the test gateway's environment (port from OPENCLAW_CONFIG_PATH, token from
// OPENCLAW_GATEWAY_TOKEN): `node24 gateway-rpc-child.mjs <method> <params JSON> <scope,scope>`.
// `openclaw gateway call` cannot do this: it always connects with operator.write only.
import { callGatewayFromCli } from "openclaw/plugin-sdk/gateway-runtime";

const [method, paramsJson = "{}", scopes = "operator.write"] = process.argv.slice(2);
try {
  const payload = await callGatewayFromCli(method, { json: true, timeout: "60000" }, JSON.parse(paramsJson), { progress: false, scopes: scopes.split(",") });
  process.stdout.write(`${JSON.stringify({ ok: true, payload })}\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
}
