// A fake of Anthropic's subscription usage endpoint (GET /api/oauth/usage) on 127.0.0.1, for tests.
// The test sets the answer per access token; a request must carry a bearer token the test knows and
// the OAuth beta header, as the real endpoint demands, or it gets 401. Each way the real one can
// fail (403 without the user:profile scope, 429 with Retry-After, 5xx, an HTML page) can be set.

import { createServer } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";

const USAGE_PATH = "/api/oauth/usage";
const BETA = "oauth-2025-04-20";

export type UsageBehaviour =
  | { windows: { fiveHour?: number | null; sevenDay?: number | null; sevenDayOpus?: number | null; sevenDaySonnet?: number | null }; resetsAt?: string }
  | { status: number; body?: string; headers?: Record<string, string> };

export interface UsageRequestSeen {
  at: number;
  bearer: string | undefined;
  beta: string | undefined;
  status: number;
}

export interface FakeUsageEndpoint {
  url: string;
  requests: UsageRequestSeen[];
  /** What a request with this access token gets; tokens without an entry get `fallback`. */
  set(accessToken: string, behaviour: UsageBehaviour): void;
  fallback: UsageBehaviour;
  close(): Promise<void>;
}

const FIELDS = { fiveHour: "five_hour", sevenDay: "seven_day", sevenDayOpus: "seven_day_opus", sevenDaySonnet: "seven_day_sonnet" } as const;

function answerBody(behaviour: Extract<UsageBehaviour, { windows: unknown }>): string {
  const body: Record<string, unknown> = { extra_usage: { is_enabled: false, monthly_limit: null, used_credits: null } };
  for (const [name, field] of Object.entries(FIELDS) as Array<[keyof typeof FIELDS, string]>) {
    const value = behaviour.windows[name];
    body[field] = value === undefined || value === null ? null : { utilization: value, resets_at: behaviour.resetsAt ?? null };
  }
  return JSON.stringify(body);
}

export async function startFakeUsageEndpoint(options: { knownToken?: (bearer: string) => boolean } = {}): Promise<FakeUsageEndpoint> {
  const perToken = new Map<string, UsageBehaviour>();
  const requests: UsageRequestSeen[] = [];
  const state: { fallback: UsageBehaviour } = { fallback: { windows: { fiveHour: 0, sevenDay: 0 } } };
  const server = createServer((req, res) => {
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
    const beta = typeof req.headers["anthropic-beta"] === "string" ? req.headers["anthropic-beta"] : undefined;
    const seen: UsageRequestSeen = { at: Date.now(), bearer, beta, status: 0 };
    requests.push(seen);
    const send = (status: number, body: string, headers: Record<string, string> = { "content-type": "application/json" }) => {
      seen.status = status;
      res.writeHead(status, headers).end(body);
    };
    if (req.method !== "GET" || req.url !== USAGE_PATH) return send(404, JSON.stringify({ error: "not_found" }));
    if (!bearer || !beta?.split(",").map((s) => s.trim()).includes(BETA)) return send(401, JSON.stringify({ error: { type: "authentication_error", message: "OAuth authentication is currently not supported." } }));
    if (options.knownToken && !options.knownToken(bearer)) return send(401, JSON.stringify({ error: { type: "authentication_error", message: "Invalid bearer token" } }));
    const behaviour = perToken.get(bearer) ?? state.fallback;
    if ("status" in behaviour) return send(behaviour.status, behaviour.body ?? "", behaviour.headers);
    return send(200, answerBody(behaviour));
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}${USAGE_PATH}`,
    requests,
    set: (token, behaviour) => void perToken.set(token, behaviour),
    get fallback() {
      return state.fallback;
    },
    set fallback(b: UsageBehaviour) {
      state.fallback = b;
    },
    close,
  };
}
