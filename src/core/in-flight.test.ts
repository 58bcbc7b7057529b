import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/support/fake-clock.js";
import { SingleFlight, waitAtMost } from "./in-flight.js";

function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("SingleFlight", () => {
  it("callers that come while a run is in progress share it; the next caller after it ends starts another", async () => {
    let settled = 0;
    const flight = new SingleFlight<number>(() => (settled += 1));
    const first = deferred<number>();
    let starts = 0;
    const start = () => {
      starts += 1;
      return first.promise;
    };
    const a = flight.run(start);
    const b = flight.run(start);
    expect(b).toBe(a);
    expect(flight.running).toBe(a);
    first.resolve(7);
    expect(await a).toBe(7);
    expect(starts).toBe(1);
    expect(settled).toBe(1);
    expect(flight.running).toBeUndefined();
    expect(await flight.run(async () => 8)).toBe(8);
    expect(settled).toBe(2);
  });

  it("a failed run is over too: its callers see the failure, settled still runs, the next caller starts afresh", async () => {
    let settled = 0;
    const flight = new SingleFlight<string>(() => (settled += 1));
    await expect(flight.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(settled).toBe(1);
    expect(flight.running).toBeUndefined();
    expect(await flight.run(async () => "again")).toBe("again");
  });
});

describe("waitAtMost", () => {
  it("returns once the work ends, failures included, and leaves no timer behind", async () => {
    const clock = new FakeClock(0);
    const ok = deferred<void>();
    const bad = deferred<void>();
    let done = false;
    const waiting = waitAtMost(clock, 20_000, [ok.promise, undefined, bad.promise]).then(() => (done = true));
    ok.resolve();
    await Promise.resolve();
    expect(done).toBe(false);
    bad.reject(new Error("refresh failed"));
    await waiting;
    expect(clock.timers.size).toBe(0);
  });

  it("gives up after the grace period when the work never ends", async () => {
    const clock = new FakeClock(0);
    let done = false;
    const waiting = waitAtMost(clock, 20_000, [new Promise<never>(() => undefined)]).then(() => (done = true));
    await clock.advance(19_999);
    expect(done).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(done).toBe(true);
  });

  it("nothing in flight: returns at once without a timer", async () => {
    const clock = new FakeClock(0);
    await waitAtMost(clock, 20_000, [undefined, undefined]);
    expect(clock.timers.size).toBe(0);
  });
});
