import { describe, expect, it } from "vitest";
import { EventLog } from "./event-log.js";

describe("EventLog", () => {
  it("keeps the last ten, newest first", () => {
    const log = new EventLog();
    for (let i = 0; i < 13; i++) log.record(i, "refreshed", `r${i}`);
    const list = log.list();
    expect(list.map((e) => e.message)).toEqual(["r12", "r11", "r10", "r9", "r8", "r7", "r6", "r5", "r4", "r3"]);
  });

  it("masks anything shaped like a token, whatever the caller passed", () => {
    const log = new EventLog();
    log.record(1, "refresh-failed", "server said sk-ant-ort01-FAKE-abcdefghijklmnop is invalid");
    expect(log.list()[0]?.message).toBe("server said [REDACTED] is invalid");
  });

  it("hands out copies: a caller cannot change the log", () => {
    const log = new EventLog(2);
    log.record(1, "refreshed", "a");
    const first = log.list();
    if (first[0]) first[0].message = "changed";
    expect(log.list()[0]?.message).toBe("a");
  });
});
