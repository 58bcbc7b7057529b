// Runs a whole gateway (and so every Claude Code process it spawns) inside a loopback-only network
// namespace (unshare -rn), so no byte can leave the machine, while the test keeps talking to it as
// usual: the gateway's port on the test's 127.0.0.1 leads into the namespace, and the fakes' ports
// inside the namespace lead out to the test's fakes. Both ways go through unix sockets
// (netns-bridge.mjs inside, this file outside). Why the whole gateway: OpenClaw runs Claude Code
// itself, by its own absolute path, and refuses a wrapper script in its place (it must be the
// package's native binary: cli-auth-epoch's executable identity), so Claude Code cannot be put
// into a namespace of its own.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { assertLoopbackNamespace } from "./claude-code.js";

const BRIDGE = path.join(import.meta.dirname, "netns-bridge.mjs");

export interface NamespaceLink {
  /** For GatewayOptions.launch: runs the command in a fresh namespace behind the bridge. */
  launch(command: string, args: string[]): { command: string; args: string[] };
  /**
   * Runs a CLI command in a namespace of its own with the same fakes and host names, and the
   * gateway's port leading to the gateway: for OpenClaw commands that call a hard-coded URL from
   * the CLI process itself (`openclaw models status`, `openclaw status --usage`).
   */
  launchCli(command: string, args: string[]): { command: string; args: string[] };
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

/** A port inside the namespace that leads to another one on the test's 127.0.0.1 (e.g. 443 -> a TLS fake). */
export interface PortMap {
  inside: number;
  outside: number;
}

/** The command line that makes the namespace: loopback up, and the private hosts file when there is one. */
function namespaceCommand(hostsFile: string | undefined, node: string, spec: string, command: string, args: string[]): { command: string; args: string[] } {
  // A mount namespace too (-m) so the bind mount over /etc/hosts is seen by nothing outside it.
  const script = hostsFile === undefined ? 'ip link set lo up && exec "$0" "$@"' : `ip link set lo up && mount --bind '${hostsFile}' /etc/hosts && exec "$0" "$@"`;
  return { command: "unshare", args: [hostsFile === undefined ? "-rn" : "-rnm", "sh", "-c", script, node, BRIDGE, spec, command, ...args] };
}

/** The system's hosts file plus `names` on 127.0.0.1 (getaddrinfo reads it first: nsswitch "files dns"). */
function privateHostsFile(dir: string, names: readonly string[]): string {
  const file = path.join(dir, "hosts");
  if (!/^[\w./-]+$/.test(file)) throw new Error(`unsafe temp path for the hosts file: ${file}`);
  for (const name of names) if (!/^[a-z0-9.-]+$/i.test(name)) throw new Error(`not a host name: ${name}`);
  writeFileSync(file, `${readFileSync("/etc/hosts", "utf8").trimEnd()}\n# the test's fakes (netns-gateway.ts)\n${names.map((n) => `127.0.0.1 ${n}`).join("\n")}\n`);
  return file;
}

/**
 * `gatewayPort`: the gateway's port (the same number inside and outside). `fakePorts`: ports on the
 * test's 127.0.0.1 that the gateway and Claude Code must reach, at the same number inside or, as a
 * PortMap, at another one (443 for a fake of a hard-coded https URL). `hosts`: names that resolve
 * to 127.0.0.1 inside the namespace only (a private /etc/hosts bind-mounted in a mount namespace),
 * for the URLs OpenClaw does not let us configure. `node`: the Node that runs the bridge inside
 * (the gateway's Node 24).
 */
export async function linkGatewayNamespace(opts: { gatewayPort: number; fakePorts: Array<number | PortMap>; node: string; hosts?: readonly string[] }): Promise<NamespaceLink> {
  assertLoopbackNamespace();
  const dir = mkdtempSync(path.join(tmpdir(), "coauth-ns-"));
  const servers: net.Server[] = [];
  const counts = { toGateway: 0, toFakes: 0 };
  const inbound = [];
  for (const entry of opts.fakePorts) {
    const { inside, outside } = typeof entry === "number" ? { inside: entry, outside: entry } : entry;
    const socket = path.join(dir, `fake-${inside}.sock`);
    const server = net.createServer((client) => {
      counts.toFakes += 1;
      pipe(client, net.connect(outside, "127.0.0.1"));
    });
    await listen(server, socket);
    servers.push(server);
    inbound.push({ port: inside, socket });
  }
  const hostsFile = opts.hosts && opts.hosts.length > 0 ? privateHostsFile(dir, opts.hosts) : undefined;
  const gatewaySocket = path.join(dir, "gateway.sock");
  const front = net.createServer((client) => {
    counts.toGateway += 1;
    pipe(client, net.connect(gatewaySocket));
  });
  await listen(front, { port: opts.gatewayPort, host: "127.0.0.1" });
  servers.push(front);
  // A CLI namespace reaches the gateway at its usual port through this socket.
  const gatewayIn = path.join(dir, "gateway-in.sock");
  const cliFront = net.createServer((client) => {
    counts.toGateway += 1;
    pipe(client, net.connect(gatewaySocket));
  });
  await listen(cliFront, gatewayIn);
  servers.push(cliFront);
  const spec = JSON.stringify({ in: inbound, out: [{ socket: gatewaySocket, port: opts.gatewayPort }] });
  const cliSpec = JSON.stringify({ in: [...inbound, { port: opts.gatewayPort, socket: gatewayIn }] });
  return {
    counts,
    launch: (command, args) => namespaceCommand(hostsFile, opts.node, spec, command, args),
    launchCli: (command, args) => namespaceCommand(hostsFile, opts.node, cliSpec, command, args),
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
