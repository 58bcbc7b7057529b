// A throwaway certificate authority for tests, made with openssl: a CA and one server certificate
// for the given host names, so a local TLS-terminating proxy can stand in for Anthropic's hosts.
// The CA is trusted only by the process a test hands it to (NODE_EXTRA_CA_CERTS).
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";

export interface TestCa {
  /** PEM file of the CA certificate, for NODE_EXTRA_CA_CERTS. */
  caCertPath: string;
  /** PEM of the server key and certificate (signed by the CA, SANs = the hosts). */
  key: string;
  cert: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed (is openssl installed? apt-get install openssl): ${String((err as { stderr?: unknown }).stderr ?? err)}`);
  }
}

export async function makeTestCa(dir: string, hosts: readonly string[]): Promise<TestCa> {
  await fs.mkdir(dir, { recursive: true });
  const subj = "/CN=claude-oauth-refresh test CA (FAKE)";
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", subj, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${hosts[0] ?? "localhost"}`], dir);
  const ext = ["basicConstraints=CA:FALSE", "keyUsage=digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth", `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}`].join("\n");
  await fs.writeFile(path.join(dir, "server.ext"), `${ext}\n`);
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"], dir);
  return {
    caCertPath: path.join(dir, "ca.pem"),
    key: await fs.readFile(path.join(dir, "server.key"), "utf8"),
    cert: await fs.readFile(path.join(dir, "server.pem"), "utf8"),
  };
}
