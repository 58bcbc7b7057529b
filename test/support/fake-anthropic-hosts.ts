// Anthropic's own host names, served on 127.0.0.1 over TLS with a throwaway certificate (test-ca.ts),
// for code whose URLs cannot be configured: OpenClaw's usage display calls
// https://api.anthropic.com/api/oauth/usage, and its own OAuth refresh would POST to
// https://platform.claude.com/v1/oauth/token. Inside the gateway's network namespace those names
// resolve to 127.0.0.1 (netns-gateway.ts, `hosts`), port 443 there leads here, and the gateway trusts
// the test CA through NODE_EXTRA_CA_CERTS. Every request is recorded (who, what, which token), so a
// test can prove both what OpenClaw did and what it never did; `GET /api/oauth/usage` on
// api.anthropic.com is handed to the fake usage endpoint (per-token answers), everything else gets 404.
import { request as httpRequest } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";

export interface AnthropicHostRequest {
  at: number;
  /** The Host header (e.g. api.anthropic.com). */
  host: string;
  method: string;
  path: string;
  bearer: string | undefined;
  userAgent: string | undefined;
  beta: string | undefined;
  status: number;
}

export interface FakeAnthropicHosts {
  port: number;
  requests: AnthropicHostRequest[];
  close(): Promise<void>;
}

const USAGE_PATH = "/api/oauth/usage";

export async function startFakeAnthropicHosts(opts: { key: string; cert: string; usageUrl: string }): Promise<FakeAnthropicHosts> {
  const requests: AnthropicHostRequest[] = [];
  const server: Server = createServer({ key: opts.key, cert: opts.cert }, (req, res) => {
    const auth = req.headers.authorization;
    const beta = req.headers["anthropic-beta"];
    const seen: AnthropicHostRequest = {
      at: Date.now(),
      host: (req.headers.host ?? "").replace(/:443$/, ""),
      method: req.method ?? "?",
      path: req.url ?? "/",
      bearer: auth?.startsWith("Bearer ") ? auth.slice(7) : undefined,
      userAgent: req.headers["user-agent"],
      beta: typeof beta === "string" ? beta : undefined,
      status: 0,
    };
    requests.push(seen);
    if (seen.host === "api.anthropic.com" && seen.method === "GET" && seen.path === USAGE_PATH) {
      const out = httpRequest(opts.usageUrl, { method: "GET", headers: { ...req.headers, host: new URL(opts.usageUrl).host } }, (answer) => {
        seen.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", () => {
        seen.status = 502;
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      out.end();
      return;
    }
    req.resume();
    seen.status = 404;
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { type: "not_found_error", message: "not served by the test's fake" } }));
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
