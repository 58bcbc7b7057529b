import { describe, expect, it } from "vitest";
import { withoutCountdowns } from "./e2e-helpers.js";

describe("withoutCountdowns", () => {
  it("zeroes validForMinutes at the top and in every account, and keeps everything else", () => {
    const status = {
      state: "ok",
      accessToken: { expiresAt: "2026-12-07T00:42:10.062Z", validForMinutes: 478, expired: false },
      accounts: [
        { name: "default", accessToken: { expiresAt: "2026-12-07T00:42:10.062Z", validForMinutes: 477, expired: false } },
        { name: "work" },
      ],
    };
    expect(withoutCountdowns(status)).toEqual({
      state: "ok",
      accessToken: { expiresAt: "2026-12-07T00:42:10.062Z", validForMinutes: 0, expired: false },
      accounts: [{ name: "default", accessToken: { expiresAt: "2026-12-07T00:42:10.062Z", validForMinutes: 0, expired: false } }, { name: "work" }],
    });
    expect(status.accounts[0]?.accessToken?.validForMinutes, "the input is not changed").toBe(477);
  });

  it("still tells two states apart that differ in anything but the countdowns", () => {
    const a = { state: "ok", accounts: [{ name: "default", place: 1, accessToken: { validForMinutes: 5 } }] };
    const b = { state: "ok", accounts: [{ name: "default", place: 2, accessToken: { validForMinutes: 4 } }] };
    expect(withoutCountdowns(a)).not.toEqual(withoutCountdowns(b));
  });
});
