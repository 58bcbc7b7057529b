import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PluginError } from "../core/errors.js";
import { LOGIN_SCOPES, REDIRECT_URI, buildAuthorizeUrl, buildCodeExchangeRequest, createPkce, parsePastedCode } from "./pkce.js";

describe("createPkce", () => {
  it("S256 challenge of a 43-character verifier, a fresh state each time", () => {
    const a = createPkce();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.challenge).toBe(createHash("sha256").update(a.verifier).digest("base64url"));
    expect(createPkce().state).not.toBe(a.state);
  });
});

describe("buildAuthorizeUrl", () => {
  it("carries everything the paste-the-code flow needs", () => {
    const pkce = { verifier: "v", challenge: "c", state: "s" };
    const url = new URL(buildAuthorizeUrl("https://claude.ai/oauth/authorize", "client", pkce));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      code: "true",
      client_id: "client",
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: LOGIN_SCOPES.join(" "),
      code_challenge: "c",
      code_challenge_method: "S256",
      state: "s",
    });
  });
});

describe("parsePastedCode", () => {
  const fail = (pasted: string, state = "st") => {
    try {
      parsePastedCode(pasted, state);
    } catch (err) {
      return err as PluginError;
    }
    throw new Error("expected a refusal");
  };

  it("takes code#state, also with whitespace around it", () => {
    expect(parsePastedCode("  abc#st \n", "st")).toBe("abc");
  });
  it("takes the whole callback URL too", () => {
    expect(parsePastedCode("https://platform.claude.com/oauth/code/callback?code=abc&state=st", "st")).toBe("abc");
  });
  it("refuses another attempt's state, saying what to do", () => {
    const e = fail("abc#other");
    expect(e.code).toBe("rejected");
    expect(e.message).toMatch(/state mismatch.*Run the login command again/);
  });
  it("refuses empty input and text without #state", () => {
    expect(fail("").message).toMatch(/Nothing was pasted/);
    expect(fail("abc").message).toMatch(/not code#state/);
    expect(fail("https://x.test/cb?state=st").message).toMatch(/no code/);
  });
});

describe("buildCodeExchangeRequest", () => {
  it("is the authorization_code grant with the verifier", () => {
    const req = buildCodeExchangeRequest("https://t.test/token", "client", "abc", { verifier: "v", challenge: "c", state: "s" });
    expect(req).toEqual({ url: "https://t.test/token", body: { grant_type: "authorization_code", code: "abc", state: "s", redirect_uri: REDIRECT_URI, client_id: "client", code_verifier: "v" } });
  });
});
