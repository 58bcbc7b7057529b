import { describe, expect, it } from "vitest";
import { prefixedLogger } from "./logger.js";

function collector() {
  const lines: Array<{ level: "info" | "warn" | "error"; message: string }> = [];
  return {
    lines,
    base: {
      info: (m: string) => void lines.push({ level: "info", message: m }),
      warn: (m: string) => void lines.push({ level: "warn", message: m }),
      error: (m: string) => void lines.push({ level: "error", message: m }),
    },
  };
}

describe("prefixedLogger", () => {
  it("adds `[claude-oauth-refresh] ` and keeps the message's own leading spaces", () => {
    const { lines, base } = collector();
    const log = prefixedLogger(base);
    log.info("   Credentials: /x");
    log.info("🔄 Claude OAuth Auto-Refresh plugin loading...");
    expect(lines).toEqual([
      { level: "info", message: "[claude-oauth-refresh]    Credentials: /x" },
      { level: "info", message: "[claude-oauth-refresh] 🔄 Claude OAuth Auto-Refresh plugin loading..." },
    ]);
  });

  it("keeps the level", () => {
    const { lines, base } = collector();
    const log = prefixedLogger(base);
    log.warn("w");
    log.error("e");
    expect(lines).toEqual([
      { level: "warn", message: "[claude-oauth-refresh] w" },
      { level: "error", message: "[claude-oauth-refresh] e" },
    ]);
  });

  it("masks token-shaped strings in every line", () => {
    const { lines, base } = collector();
    const log = prefixedLogger(base);
    const token = "sk-ant-ort01-FAKE-refresh-token-in-a-log-line-000";
    log.info(`a ${token}`);
    log.warn(`b ${token}`);
    log.error(`c ${token}`);
    for (const l of lines) {
      expect(l.message).not.toContain(token);
      expect(l.message).toContain("[REDACTED]");
    }
  });
});
