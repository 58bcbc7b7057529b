// Runs inside a loopback-only network namespace (unshare -rn, lo brought up): listens on
// 127.0.0.1:<port>, pipes every connection to a unix socket outside (unix sockets are not
// network-namespaced), and runs the command under test. Its exit code is the command's.
// Plain JS on purpose: it runs on the machine's Node without a TypeScript loader.
//
// argv: <port> <unix socket path> <command> [args...]
import { spawn } from "node:child_process";
import net from "node:net";

const [portText, socketPath, command, ...args] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
});
server.listen(Number(portText), "127.0.0.1", () => {
  const child = spawn(command, args, { stdio: "inherit" });
  child.on("exit", (code, signal) => {
    server.close();
    process.exit(code ?? (signal ? 128 : 1));
  });
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => child.kill(sig));
});
