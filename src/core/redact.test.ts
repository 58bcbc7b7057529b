import { describe, expect, it } from "vitest";
import { redact, rememberSecret } from "./redact.js";

describe("redact", () => {
  it("masks anything shaped like an Anthropic token", () => {
    const access = "sk-ant-oat01-FAKE-access-0123456789abcdef";
    const refresh = "sk-ant-ort01-FAKE_refresh_0123456789abcdef";
    const apiKey = "sk-ant-api03-FAKEkey0123456789";
    const out = redact(`a=${access} r="${refresh}" k:${apiKey}.`);
    expect(out).toBe('a=[REDACTED] r="[REDACTED]" k:[REDACTED].');
  });

  it("leaves ordinary text alone", () => {
    const text = "Token refreshed; valid for 480 minutes (next refresh in 420 minutes) sk-ant- prefix only";
    expect(redact(text)).toBe(text);
    expect(redact("")).toBe("");
  });

  it("masks a remembered secret wherever it appears, whatever its shape", () => {
    const secret = "FAKE-opaque-secret-value-42";
    rememberSecret(secret);
    expect(redact(`first ${secret} then ${secret}${secret}`)).toBe("first [REDACTED] then [REDACTED][REDACTED]");
  });

  it("does not remember empty or very short values (they would mask ordinary words)", () => {
    rememberSecret("");
    rememberSecret(undefined);
    rememberSecret("abc");
    expect(redact("abc def")).toBe("abc def");
  });

  it("keeps remembering recent secrets after many others (bounded, oldest dropped first)", () => {
    const values = Array.from({ length: 100 }, (_, i) => `FAKE-rotating-secret-${String(i).padStart(4, "0")}`);
    for (const v of values) rememberSecret(v);
    const newest = values[values.length - 1] ?? "";
    expect(redact(`x ${newest} y`)).toBe("x [REDACTED] y");
  });
});
