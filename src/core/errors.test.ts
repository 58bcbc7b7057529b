import { describe, expect, it } from "vitest";
import { PluginError, asPluginError } from "./errors.js";

describe("asPluginError", () => {
  it("keeps a PluginError as it is, code and all", () => {
    const e = new PluginError("needs_login", "The login has ended.");
    expect(asPluginError(e, "server_error")).toBe(e);
  });

  it("gives anything else the fallback code, its message with tokens masked, and the original as cause", () => {
    const cause = new Error("socket hang up after sk-ant-ort01-FAKE-abcdefghij");
    const e = asPluginError(cause, "server_error");
    expect(e).toBeInstanceOf(PluginError);
    expect(e.code).toBe("server_error");
    expect(e.message).toBe("socket hang up after [REDACTED]");
    expect(e.cause).toBe(cause);
    expect(asPluginError("not an Error", "credentials_invalid")).toMatchObject({ code: "credentials_invalid", message: "not an Error" });
  });
});
