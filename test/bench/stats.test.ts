// The bench's verdicts rest on medianInterval: a wrong rank would pass or fail a target on noise.
import { describe, expect, it } from "vitest";
import { medianInterval } from "../../bench/lib/stats.js";

const ranks = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("medianInterval (the sign test's interval for the median)", () => {
  it("takes the ranks whose binomial coverage reaches 95 %", () => {
    // 8 values: the 2nd..7th cover only 93 % (1 - 2·9/256), so the interval is the whole range (99.2 %).
    expect(medianInterval(ranks(8))).toEqual({ lo: 1, hi: 8, coverage: 1 - 2 / 256 });
    // 12 values: the 3rd..10th cover 96.1 % (1 - 2·79/4096); the 4th..9th only 85 %.
    expect(medianInterval(ranks(12))).toEqual({ lo: 3, hi: 10, coverage: 1 - (2 * 79) / 4096 });
    // 16 values: the 4th..13th cover 97.9 % (1 - 2·697/65536); the 5th..12th 92 %.
    expect(medianInterval(ranks(16))).toEqual({ lo: 4, hi: 13, coverage: 1 - (2 * 697) / 65536 });
  });

  it("widens by ranks, not by size: one wild value moves it no further than any other outlier", () => {
    const calm = [1.0, 1.01, 1.02, 1.03, 1.04, 1.0, 1.01, 1.02, 1.03, 1.04, 1.02, 1.01];
    const wild = calm.map((x, i) => (i === 4 ? 9 : x)); // the largest, 1.04, made wild
    expect(medianInterval(wild).hi).toBe(medianInterval(calm).hi);
  });

  it("sorts its input and, below 6 values, gives the range with the coverage it has", () => {
    expect(medianInterval([5, 1, 3, 2, 4])).toEqual({ lo: 1, hi: 5, coverage: 1 - 2 / 32 });
    expect(medianInterval([7])).toEqual({ lo: 7, hi: 7, coverage: 0 });
    expect(medianInterval([]).coverage).toBe(0);
  });

  it("asks for less coverage, gets a narrower interval", () => {
    expect(medianInterval(ranks(8), 0.9)).toMatchObject({ lo: 2, hi: 7 });
  });
});
