import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Who may read the status route from a browser.
 *
 * The "Claude" tab runs in a sandboxed frame (opaque origin), so its polls arrive with
 * `Origin: null` and can read the answer only when it allows that origin with credentials. Every
 * sandboxed iframe on any website also sends `Origin: null`, and OpenClaw's tab cookie is
 * `SameSite=None`: those two CORS headers alone would let any page the owner visits read the
 * status. So the gateway renders a short-lived page secret into the tab's HTML (which no other
 * origin can read: the page route sends no CORS header), the page sends it with each poll, and
 * only a poll carrying a valid secret gets the data and the CORS headers. Each good poll hands
 * the page the next secret, so an open tab keeps working as long as OpenClaw keeps its cookie
 * alive; a secret that has expired (the laptop slept) makes the page reload itself once.
 *
 * Requests that are not cross-site (curl, monitors with the gateway token, the Control UI's own
 * origin) carry no secret and need none.
 */

/** The tab cookie's lifetime in OpenClaw (CONTROL_UI_PLUGIN_AUTH_GRANT_TTL_MS): a secret lives as long. */
export const PAGE_SECRET_TTL_MS = 5 * 60_000;
/** The query parameter a poll carries the secret in (a header would need a preflight, which carries no cookie). */
export const PAGE_SECRET_PARAM = "page";
/** The response header that hands the page its next secret. */
export const NEXT_SECRET_HEADER = "X-Claude-Page-Secret";

const LABEL = "claude-oauth-refresh dashboard page\n";

export type SecretCheck = "valid" | "expired" | "invalid";

/** Mints and checks page secrets: `<expiry base36>.<HMAC>`, with a key that never leaves this process. */
export class PageSecrets {
  constructor(
    private readonly key: Buffer = randomBytes(32),
    private readonly ttlMs: number = PAGE_SECRET_TTL_MS,
  ) {}

  issue(now: number): string {
    const exp = (now + this.ttlMs).toString(36);
    return `${exp}.${this.sign(exp)}`;
  }

  check(secret: string | undefined, now: number): SecretCheck {
    if (!secret) return "invalid";
    const dot = secret.indexOf(".");
    if (dot <= 0) return "invalid";
    const exp = secret.slice(0, dot);
    const given = Buffer.from(secret.slice(dot + 1));
    const wanted = Buffer.from(this.sign(exp));
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return "invalid";
    const expiresAt = Number.parseInt(exp, 36);
    return Number.isFinite(expiresAt) && expiresAt > now ? "valid" : "expired";
  }

  private sign(exp: string): string {
    return createHmac("sha256", this.key).update(LABEL + exp).digest("base64url");
  }
}

export interface StatusRequest {
  /** The `Origin` header, if any. */
  origin?: string;
  /** The `Host` header. */
  host?: string;
  /** The `Sec-Fetch-Site` header a browser adds to every request, if any. */
  fetchSite?: string;
  /** The page secret from the query, if any. */
  secret?: string;
}

export type StatusAccess =
  /** Not from another site (curl, a monitor, the gateway's own origin): the data, no CORS headers. */
  | { kind: "direct" }
  /** The tab's own poll: the data, CORS for the opaque origin, and the next secret. */
  | { kind: "page"; cors: boolean }
  /** A secret we issued once but no longer valid (expired, or from a gateway before a restart): no data; the tab reloads. */
  | { kind: "expired"; cors: boolean }
  /** Cross-site without a secret: no data, no CORS headers. */
  | { kind: "refused" };

function sameOrigin(origin: string, host: string | undefined): boolean {
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/** Pure: what a request to the status route may get. */
export function statusAccess(r: StatusRequest, check: (secret: string | undefined) => SecretCheck): StatusAccess {
  const crossOrigin = r.origin !== undefined && !sameOrigin(r.origin, r.host);
  // A browser marks every request; "same-site" is another port on the same host: still another origin.
  const crossSite = r.fetchSite !== undefined && r.fetchSite !== "same-origin" && r.fetchSite !== "none";
  if (!crossOrigin && !crossSite) return { kind: "direct" };
  const cors = r.origin === "null";
  const verdict = check(r.secret);
  if (verdict === "valid") return { kind: "page", cors };
  // A forged secret learns nothing from this answer: it carries no data, only "reload".
  if (r.secret !== undefined && cors) return { kind: "expired", cors };
  return { kind: "refused" };
}
