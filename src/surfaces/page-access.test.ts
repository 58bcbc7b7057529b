import { describe, expect, it } from "vitest";
import { PAGE_SECRET_TTL_MS, PageSecrets, statusAccess, type StatusRequest } from "./page-access.js";

const NOW = Date.parse("2026-12-06T12:00:00.000Z");
const HOST = "127.0.0.1:18789";

describe("page secrets", () => {
  const secrets = new PageSecrets(Buffer.alloc(32, 7));

  it("a secret is valid until the tab cookie's lifetime has passed, then expired", () => {
    const s = secrets.issue(NOW);
    expect(secrets.check(s, NOW)).toBe("valid");
    expect(secrets.check(s, NOW + PAGE_SECRET_TTL_MS - 1)).toBe("valid");
    expect(secrets.check(s, NOW + PAGE_SECRET_TTL_MS)).toBe("expired");
  });

  it("a forged, edited or other gateway's secret is invalid", () => {
    const s = secrets.issue(NOW);
    const [exp, sig] = s.split(".") as [string, string];
    expect(secrets.check(undefined, NOW)).toBe("invalid");
    expect(secrets.check("", NOW)).toBe("invalid");
    expect(secrets.check("abc", NOW)).toBe("invalid");
    // A later expiry with the old signature.
    expect(secrets.check(`${(Number.parseInt(exp, 36) + 60_000).toString(36)}.${sig}`, NOW)).toBe("invalid");
    expect(secrets.check(`${exp}.${sig.slice(0, -1)}A`, NOW)).toBe(sig.endsWith("A") ? "valid" : "invalid");
    expect(new PageSecrets(Buffer.alloc(32, 8)).check(s, NOW)).toBe("invalid");
  });
});

describe("who may read the status route", () => {
  const secrets = new PageSecrets(Buffer.alloc(32, 1));
  const check = (s: string | undefined) => secrets.check(s, NOW);
  const access = (r: StatusRequest) => statusAccess({ host: HOST, ...r }, check);

  it("curl and monitors (no Origin, no Sec-Fetch-Site) read it as before, with no CORS", () => {
    expect(access({})).toEqual({ kind: "direct" });
    expect(access({ origin: `http://${HOST}`, fetchSite: "same-origin" })).toEqual({ kind: "direct" });
    expect(access({ fetchSite: "none" })).toEqual({ kind: "direct" });
  });

  it("a sandboxed frame (Origin: null) without the page's secret gets nothing: the attack of issue 16", () => {
    expect(access({ origin: "null", fetchSite: "cross-site" })).toEqual({ kind: "refused" });
    expect(access({ origin: "null" })).toEqual({ kind: "refused" });
  });

  it("another origin on the same host (another port: same-site) or another site is refused too", () => {
    expect(access({ origin: "http://127.0.0.1:9999", fetchSite: "same-site" })).toEqual({ kind: "refused" });
    expect(access({ origin: "https://evil.example" })).toEqual({ kind: "refused" });
    // A no-cors request (a <script src>) carries no Origin but does carry Sec-Fetch-Site.
    expect(access({ fetchSite: "cross-site" })).toEqual({ kind: "refused" });
  });

  it("the tab's own poll with its secret gets the data and CORS for the opaque origin only", () => {
    const s = secrets.issue(NOW);
    expect(access({ origin: "null", fetchSite: "cross-site", secret: s })).toEqual({ kind: "page", cors: true });
    expect(access({ origin: "https://evil.example", secret: s })).toEqual({ kind: "page", cors: false });
  });

  it("an expired or unknown secret from an opaque origin gets a no-data answer it can read (the tab reloads)", () => {
    const old = secrets.issue(NOW - PAGE_SECRET_TTL_MS - 1);
    expect(access({ origin: "null", secret: old })).toEqual({ kind: "expired", cors: true });
    expect(access({ origin: "null", secret: "x.y" })).toEqual({ kind: "expired", cors: true });
    expect(access({ origin: "https://evil.example", secret: old })).toEqual({ kind: "refused" });
  });
});
