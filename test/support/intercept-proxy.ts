// A forward proxy for a process under test, listening on a unix socket (reached from inside a
// network namespace through netns-bridge.mjs). It answers two kinds of traffic on one socket:
// - CONNECT host:443 for the hosts it has a certificate for: TLS is terminated with the test CA's
//   certificate and each request inside is forwarded as plain HTTP to the route for that host;
// - plain HTTP requests (an ANTHROPIC_BASE_URL pointing at the relay): forwarded to `plainRoute`.
// Anything else is refused, and every request is recorded, so a test can prove where traffic went.
import { promises as fs } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";

export interface ProxiedRequest {
  at: number;
  /** The host the client meant (CONNECT target, or "plain"). */
  host: string;
  method: string;
  path: string;
  /** Where it was sent, or "refused". */
  routedTo: string;
  status: number;
}

export interface InterceptProxyOptions {
  socketPath: string;
  key: string;
  cert: string;
  /** host name -> http://127.0.0.1:<port> base that serves it. Hosts not listed are refused. */
  routes: Record<string, string>;
  /** Base for plain (non-CONNECT) requests. */
  plainRoute: string;
}

export interface InterceptProxy {
  requests: ProxiedRequest[];
  /** Called on every request before it is forwarded (a test can time its moves on them). */
  onRequest?: (r: ProxiedRequest) => void;
  close(): Promise<void>;
}

function forward(base: string, req: IncomingMessage, res: ServerResponse, record: ProxiedRequest): void {
  const target = new URL(req.url ?? "/", base);
  const headers = { ...req.headers, host: target.host };
  const out = httpRequest(target, { method: req.method, headers }, (answer) => {
    record.status = answer.statusCode ?? 0;
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(out);
}

export async function startInterceptProxy(opts: InterceptProxyOptions): Promise<InterceptProxy> {
  const sockets = new Set<Socket>();
  const proxy: InterceptProxy = {
    requests: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => outer.close(() => r()));
    },
  };

  const handle = (host: string, base: string | undefined) => (req: IncomingMessage, res: ServerResponse) => {
    const record: ProxiedRequest = { at: Date.now(), host, method: req.method ?? "", path: (req.url ?? "/").split("?")[0] ?? "/", routedTo: base ?? "refused", status: 0 };
    proxy.requests.push(record);
    proxy.onRequest?.(record);
    if (!base) {
      record.status = 502;
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`host ${host} is not served by the test proxy`);
      return;
    }
    forward(base, req, res, record);
  };

  const inner = new Map<string, ReturnType<typeof createServer>>();
  const innerFor = (host: string) => {
    let server = inner.get(host);
    if (!server) {
      server = createServer(handle(host, opts.routes[host]));
      inner.set(host, server);
    }
    return server;
  };

  const outer = createServer(handle("plain", opts.plainRoute));
  outer.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  outer.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const host = (req.url ?? "").replace(/:\d+$/, "");
    if (!(host in opts.routes)) {
      proxy.requests.push({ at: Date.now(), host, method: "CONNECT", path: "", routedTo: "refused", status: 403 });
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    const tls = new TLSSocket(socket, { isServer: true, key: opts.key, cert: opts.cert });
    tls.on("error", () => socket.destroy());
    innerFor(host).emit("connection", tls);
  });
  await fs.rm(opts.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    outer.once("error", reject);
    outer.listen(opts.socketPath, () => resolve());
  });
  return proxy;
}
