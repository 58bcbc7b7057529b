// A fake Anthropic Messages API on 127.0.0.1: point OpenClaw's `models.providers.anthropic.baseUrl`
// at `baseUrl` and every agent turn lands here, so a test can see which token it carried.
//
// POST /v1/messages answers with the reply text ("pong" by default): Anthropic's SSE event
// sequence when the request has `stream: true` (OpenClaw always streams), plain JSON otherwise.
// Optional `authorize(bearer, apiKey)` lets a test reject tokens (401 authentication_error), e.g.
// accept only tokens the fake token endpoint considers valid.

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";

export interface MessagesRequest {
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  path: string;
  /** The raw Authorization header. */
  authorization?: string;
  /** The x-api-key header. */
  apiKey?: string;
  model?: string;
  stream?: boolean;
  /** The User-Agent header (Claude Code's calls say "claude-cli/<version> ..."). */
  userAgent?: string;
  /** The request's `messages` as JSON: what the conversation so far was (a session's earlier turns). */
  messages?: string;
  /** HTTP status answered. */
  status: number;
}

export interface FakeMessagesApiOptions {
  /** Reply text. Default "pong". */
  replyText?: string;
  /** Return false to answer 401 authentication_error. Default: accept everything. */
  authorize?: (bearer: string | undefined, apiKey: string | undefined) => boolean;
}

export interface FakeMessagesApi {
  /** http://127.0.0.1:<port> (no trailing slash, no /v1). */
  baseUrl: string;
  /** Every request, in arrival order. */
  requests: MessagesRequest[];
  /** The bearer token of the latest request that carried one. */
  lastBearer(): string | undefined;
  close(): Promise<void>;
}

function bearerOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  return match?.[1]?.trim();
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function errorBody(type: string, message: string): Record<string, unknown> {
  return { type: "error", error: { type, message } };
}

export async function startFakeMessagesApi(opts: FakeMessagesApiOptions = {}): Promise<FakeMessagesApi> {
  const replyText = opts.replyText ?? "pong";
  const requests: MessagesRequest[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const raw = await readBody(req);
    const authorization = headerValue(req, "authorization");
    const apiKey = headerValue(req, "x-api-key");
    const entry: MessagesRequest = { at: Date.now(), method: req.method ?? "GET", path, status: 0 };
    if (authorization !== undefined) entry.authorization = authorization;
    if (apiKey !== undefined) entry.apiKey = apiKey;
    const userAgent = headerValue(req, "user-agent");
    if (userAgent !== undefined) entry.userAgent = userAgent;
    requests.push(entry);

    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // not JSON
    }
    if (typeof body.model === "string") entry.model = body.model;
    if (typeof body.stream === "boolean") entry.stream = body.stream;
    if (Array.isArray(body.messages)) entry.messages = JSON.stringify(body.messages);

    const answer = (status: number, payload: unknown): void => {
      entry.status = status;
      sendJson(res, status, payload);
    };

    if (req.method !== "POST" || path !== "/v1/messages") {
      answer(404, errorBody("not_found_error", `Not found: ${req.method} ${path}`));
      return;
    }
    if (opts.authorize && !opts.authorize(bearerOf(authorization), apiKey)) {
      answer(401, errorBody("authentication_error", "invalid x-api-key or bearer token (FAKE)"));
      return;
    }
    if (typeof body.model !== "string" || !Array.isArray(body.messages)) {
      answer(400, errorBody("invalid_request_error", "model and messages are required"));
      return;
    }

    const id = `msg_FAKE${randomBytes(9).toString("hex")}`;
    const model = body.model;
    const usage = { input_tokens: 12, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (body.stream !== true) {
      answer(200, {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text: replyText }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage,
      });
      return;
    }
    entry.status = 200;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const event = (type: string, data: Record<string, unknown>): void => {
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    };
    event("message_start", {
      message: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    event("ping", {});
    event("content_block_delta", { index: 0, delta: { type: "text_delta", text: replyText } });
    event("content_block_stop", { index: 0 });
    event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } });
    event("message_stop", {});
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody("api_error", String(error)));
      else res.end();
    });
  });
  const { port, close } = await listenOnLoopback(server);

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    lastBearer() {
      for (let i = requests.length - 1; i >= 0; i--) {
        const bearer = bearerOf(requests[i]?.authorization);
        if (bearer) return bearer;
      }
      return undefined;
    },
    close,
  };
}
