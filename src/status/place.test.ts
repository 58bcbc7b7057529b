import { describe, expect, it } from "vitest";
import { ordinal, placeWords } from "./place.js";

describe("an account's place, in the same words everywhere", () => {
  it("first, then 2nd, 3rd … in line", () => {
    expect(placeWords(1)).toBe("agents use it first");
    expect(placeWords(2)).toBe("2nd in line");
    expect(placeWords(3)).toBe("3rd in line");
    expect(placeWords(4)).toBe("4th in line");
  });

  it("English ordinals past ten", () => {
    expect([11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual(["11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]);
  });
});

describe("placeWords with lending", () => {
  it("says where an account's sessions went while it gives way", () => {
    expect(placeWords(2, { lentTo: "work" })).toBe("2nd in line; its sessions moved to work");
    expect(placeWords(2, { lentTo: "work", lentBecause: "default reached 96 % of its 5-hour window", movedSessions: ["agent:main:main", "agent:ops:main"] })).toBe(
      "2nd in line; its sessions moved to work (default reached 96 % of its 5-hour window): agent:main:main, agent:ops:main",
    );
    expect(placeWords(2)).toBe("2nd in line");
  });
});
