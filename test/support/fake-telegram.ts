// A fake Telegram Bot API on 127.0.0.1, for OpenClaw's bundled Telegram channel
// (`channels.telegram.apiRoot`). It answers what the channel calls at start and while running
// (getMe, deleteWebhook, setMyCommands/deleteMyCommands, getUpdates as a long poll, sendMessage,
// and "true" for any other method such as sendChatAction), records every call, and lets a test
// type a message as a fake user (`say`) and read what the bot sent back (`sent`).
//
// Requests are `POST <apiRoot>/bot<token>/<method>` with a JSON body (grammY and OpenClaw's own
// getUpdates worker both send JSON); answers are `{ ok: true, result }`.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";

export interface TelegramCall {
  at: number;
  method: string;
  body: Record<string, unknown>;
}

export interface SentMessage {
  at: number;
  chatId: string;
  text: string;
  /** What the user reads: for HTML messages, tags removed and entities decoded. */
  plain: string;
  parseMode?: string;
}

export interface FakeTelegramUser {
  id: number;
  firstName: string;
}

export interface FakeTelegram {
  /** The value for `channels.telegram.apiRoot`. */
  apiRoot: string;
  botToken: string;
  bot: { id: number; username: string };
  /** Every Bot API call, in arrival order. */
  calls: TelegramCall[];
  /** Every message the bot sent (sendMessage), in order. */
  sent: SentMessage[];
  /** While true, sendMessage answers 500 (Telegram having trouble) and nothing counts as sent. */
  failSends: boolean;
  /** Queues a private message from `user` to the bot; a waiting getUpdates answers at once. */
  say(user: FakeTelegramUser, text: string): number;
  /** Messages sent to `chatId` from index `from` of `sent` on. */
  sentTo(chatId: number | string, from?: number): SentMessage[];
  /** How many getUpdates polls arrived so far. */
  polls(): number;
  close(): Promise<void>;
}

/** Telegram's HTML parse mode as a reader sees it: tags gone, the five entities decoded. */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, "&");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(raw: string, req: IncomingMessage): Record<string, unknown> {
  const type = req.headers["content-type"] ?? "";
  try {
    if (type.includes("application/json") && raw) {
      const parsed: unknown = JSON.parse(raw);
      return isRecord(parsed) ? parsed : {};
    }
    if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  } catch {
    // fall through
  }
  return raw ? { _raw: raw } : {};
}

export async function startFakeTelegram(opts: { botToken?: string } = {}): Promise<FakeTelegram> {
  const botToken = opts.botToken ?? "123456789:FAKE-telegram-bot-token-for-tests";
  const bot = { id: Number(botToken.split(":")[0]), username: "fake_claude_test_bot" };
  const calls: TelegramCall[] = [];
  const sent: SentMessage[] = [];
  const queue: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  let pollCount = 0;
  let closed = false;

  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const wake = (): void => {
    for (const w of [...waiters]) w();
  };

  async function getUpdates(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    pollCount += 1;
    const offset = typeof body.offset === "number" ? body.offset : Number(body.offset ?? 0);
    // Telegram forgets everything below the offset: a confirmed update is never sent again.
    if (offset > 0) while (queue.length && Number(queue[0]?.update_id) < offset) queue.shift();
    const timeoutSec = Math.min(Number(body.timeout ?? 0) || 0, 30);
    if (queue.length === 0 && timeoutSec > 0 && !closed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          res.off("close", done);
          resolve();
        };
        const timer = setTimeout(done, timeoutSec * 1000);
        waiters.add(done);
        res.on("close", done);
      });
    }
    const limit = Number(body.limit ?? 100) || 100;
    reply(res, 200, { ok: true, result: queue.slice(0, limit) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec((req.url ?? "/").split("?")[0] ?? "/");
    if (!match || match[1] !== botToken) {
      reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const method = match[2] ?? "";
    const body = parseBody(raw, req);
    calls.push({ at: Date.now(), method, body });
    switch (method) {
      case "getMe":
        reply(res, 200, { ok: true, result: { id: bot.id, is_bot: true, first_name: "Fake Claude Bot", username: bot.username, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } });
        return;
      case "getUpdates":
        await getUpdates(body, res);
        return;
      case "sendMessage": {
        if (fake.failSends) {
          reply(res, 500, { ok: false, error_code: 500, description: "Internal Server Error (FAKE)" });
          return;
        }
        const chatId = String(body.chat_id ?? "");
        const text = typeof body.text === "string" ? body.text : "";
        const html = typeof body.parse_mode === "string" && body.parse_mode.toUpperCase() === "HTML";
        sent.push({ at: Date.now(), chatId, text, plain: html ? htmlToPlain(text) : text, ...(typeof body.parse_mode === "string" ? { parseMode: body.parse_mode } : {}) });
        reply(res, 200, { ok: true, result: { message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: "private" }, from: { id: bot.id, is_bot: true, first_name: "Fake Claude Bot", username: bot.username }, text } });
        return;
      }
      case "getMyCommands":
        reply(res, 200, { ok: true, result: [] });
        return;
      case "getWebhookInfo":
        reply(res, 200, { ok: true, result: { url: "", has_custom_certificate: false, pending_update_count: 0 } });
        return;
      default:
        reply(res, 200, { ok: true, result: true });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { ok: false, error_code: 500, description: String(error) }));
  });
  const listening = await listenOnLoopback(server);

  const fake: FakeTelegram = {
    apiRoot: `http://127.0.0.1:${listening.port}`,
    botToken,
    bot,
    calls,
    sent,
    failSends: false,
    say(user, text) {
      const updateId = nextUpdateId++;
      const command = /^\/[A-Za-z0-9_]+/.exec(text)?.[0];
      queue.push({
        update_id: updateId,
        message: {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: user.id, type: "private", first_name: user.firstName },
          from: { id: user.id, is_bot: false, first_name: user.firstName, language_code: "en" },
          text,
          ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command.length }] } : {}),
        },
      });
      wake();
      return updateId;
    },
    sentTo(chatId, from = 0) {
      return sent.slice(from).filter((m) => m.chatId === String(chatId));
    },
    polls: () => pollCount,
    async close() {
      closed = true;
      wake();
      await listening.close();
    },
  };
  return fake;
}
