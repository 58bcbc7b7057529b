// Runs inside a loopback-only network namespace (unshare -rn, lo brought up) and joins it to the
// test's loopback through unix sockets (which are not network-namespaced), both ways:
// - "in": listens on 127.0.0.1:<port> inside and pipes each connection to a unix socket outside
//   (the test's fakes, reached through netns-gateway.ts's host side);
// - "out": listens on a unix socket and pipes each connection to 127.0.0.1:<port> inside (the
//   gateway's own port, so the test's CLI calls and health checks reach it).
// Then runs the command under test; its exit code is ours. Plain JS on purpose: it runs on the
// gateway's Node without a TypeScript loader.
//
// argv: <spec JSON: {"in":[{"port":N,"socket":"/path"}],"out":[{"socket":"/path","port":N}]}> <command> [args...]
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";

const [specText, command, ...args] = process.argv.slice(2);
const spec = JSON.parse(specText);

function pipe(client, upstream) {
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
  client.on("close", end);
  upstream.on("close", end);
}

const servers = [];
const listening = [];
for (const { port, socket } of spec.in ?? []) {
  const server = net.createServer((client) => pipe(client, net.connect(socket)));
  servers.push(server);
  listening.push(new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve)));
}
for (const { socket, port } of spec.out ?? []) {
  rmSync(socket, { force: true });
  const server = net.createServer((client) => pipe(client, net.connect(port, "127.0.0.1")));
  servers.push(server);
  listening.push(new Promise((resolve, reject) => server.once("error", reject).listen(socket, resolve)));
}

await Promise.all(listening);
const child = spawn(command, args, { stdio: "inherit" });
child.on("exit", (code, signal) => {
  for (const server of servers) server.close();
  process.exit(code ?? (signal ? 128 : 1));
});
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, () => child.kill(sig));
