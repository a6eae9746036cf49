import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pacer, type Clock } from '../../shared/concurrency.ts';

/** A clock that only moves when someone sleeps: pacing without real waiting. */
const fakeClock = () => {
  let now = 1_000_000;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  return { clock, advance: (ms: number) => void (now += ms), at: () => now };
};

describe('the pacer', () => {
  it('gives concurrent callers slots one interval apart, in the order they asked', async () => {
    const waits: number[] = [];
    const standing: Clock = { now: () => 5_000, sleep: async (ms) => void waits.push(ms) };
    const pacer = new Pacer(4, standing);
    await Promise.all(Array.from({ length: 5 }, () => pacer.wait()));
    // The first goes at once; the others wait 250, 500, 750 and 1,000 ms.
    expect(waits).toEqual([250, 500, 750, 1000]);
  });

  it('never lets more than the rate through in any one-second window, and saves up no burst when idle', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 120 }), async (rate, idles) => {
        const { clock, advance, at } = fakeClock();
        const pacer = new Pacer(rate, clock);
        const passed: number[] = [];
        for (const idle of idles) {
          advance(idle % 7 === 0 ? idle : 0);
          await pacer.wait();
          passed.push(at());
        }
        for (let i = 0; i < passed.length; i++) {
          const inWindow = passed.filter((t) => t >= passed[i]! && t < passed[i]! + 1000).length;
          if (inWindow > rate) return false;
        }
        return true;
      }),
    );
  });

  it('keeps up the full rate when callers are always waiting', async () => {
    const { clock, at } = fakeClock();
    const start = at();
    const pacer = new Pacer(200, clock);
    for (let i = 0; i < 1000; i++) await pacer.wait();
    // 1,000 calls at 200/s: the last goes through 999 intervals after the first.
    expect(at() - start).toBeCloseTo(999 * 5, 6);
  });

  it('refuses a rate of zero', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});
