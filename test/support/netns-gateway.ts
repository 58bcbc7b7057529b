// Runs a whole gateway (and so every Claude Code process it spawns) inside a loopback-only network
// namespace (unshare -rn), so no byte can leave the machine, while the test keeps talking to it as
// usual: the gateway's port on the test's 127.0.0.1 leads into the namespace, and the fakes' ports
// inside the namespace lead out to the test's fakes. Both ways go through unix sockets
// (netns-bridge.mjs inside, this file outside). Why the whole gateway: OpenClaw runs Claude Code
// itself, by its own absolute path, and refuses a wrapper script in its place (it must be the
// package's native binary: cli-auth-epoch's executable identity), so Claude Code cannot be put
// into a namespace of its own.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { assertLoopbackNamespace } from "./claude-code.js";

const BRIDGE = path.join(import.meta.dirname, "netns-bridge.mjs");

export interface NamespaceLink {
  /** For GatewayOptions.launch: runs the command in a fresh namespace behind the bridge. */
  launch(command: string, args: string[]): { command: string; args: string[] };
  /** Connections the test's side passed into the namespace (to the gateway) and out of it (to a fake). */
  counts: { toGateway: number; toFakes: number };
  close(): Promise<void>;
}

function pipe(client: net.Socket, upstream: net.Socket): void {
  client.pipe(upstream).pipe(client);
  const end = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
  client.on("close", end);
  upstream.on("close", end);
}

function listen(server: net.Server, where: { port: number; host: string } | string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    if (typeof where === "string") server.listen(where, resolve);
    else server.listen(where.port, where.host, resolve);
  });
}

/**
 * `gatewayPort`: the gateway's port (the same number inside and outside). `fakePorts`: ports on the
 * test's 127.0.0.1 that the gateway and Claude Code must reach at the same number inside.
 * `node`: the Node that runs the bridge inside (the gateway's Node 24).
 */
export async function linkGatewayNamespace(opts: { gatewayPort: number; fakePorts: number[]; node: string }): Promise<NamespaceLink> {
  assertLoopbackNamespace();
  const dir = mkdtempSync(path.join(tmpdir(), "coauth-ns-"));
  const servers: net.Server[] = [];
  const counts = { toGateway: 0, toFakes: 0 };
  const inbound = [];
  for (const port of opts.fakePorts) {
    const socket = path.join(dir, `fake-${port}.sock`);
    const server = net.createServer((client) => {
      counts.toFakes += 1;
      pipe(client, net.connect(port, "127.0.0.1"));
    });
    await listen(server, socket);
    servers.push(server);
    inbound.push({ port, socket });
  }
  const gatewaySocket = path.join(dir, "gateway.sock");
  const front = net.createServer((client) => {
    counts.toGateway += 1;
    pipe(client, net.connect(gatewaySocket));
  });
  await listen(front, { port: opts.gatewayPort, host: "127.0.0.1" });
  servers.push(front);
  const spec = JSON.stringify({ in: inbound, out: [{ socket: gatewaySocket, port: opts.gatewayPort }] });
  return {
    counts,
    launch: (command, args) => ({
      command: "unshare",
      args: ["-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', opts.node, BRIDGE, spec, command, ...args],
    }),
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
