import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pacer, type Clock } from '../../../shared/common/concurrency.ts';

/** A clock that only moves when someone sleeps: pacing without real waiting. */
const fakeClock = () => {
  let now = 1_000_000;
  const clock: Clock = {
    now: () => now,
    // Time moves on in a later macrotask, after whoever was just let through has run.
    sleep: async (ms) => {
      await new Promise((resolve) => setImmediate(resolve));
      now += ms;
    },
  };
  return {
    clock,
    advance: (ms: number) => {
      now += ms;
    },
    at: () => now,
  };
};

describe('the pacer', () => {
  it('lets up to the rate through in a second, in the order they asked, then waits for the window to move', async () => {
    const { clock, at } = fakeClock();
    const start = at();
    const pacer = new Pacer(4, clock);
    const order: [number, number][] = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => pacer.wait().then(() => void order.push([i, at() - start]))));
    expect(order).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 1000],
      [5, 1000],
    ]);
  });

  it('spaces a rate below one a second by its interval', async () => {
    const { clock, at } = fakeClock();
    const start = at();
    const pacer = new Pacer(0.5, clock);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await pacer.wait();
      times.push(at() - start);
    }
    expect(times).toEqual([0, 2000, 4000]);
  });

  it('counts releases as they happened: a late wake-up never pushes a window over the rate', async () => {
    // A clock whose sleeps overrun by 40 ms, like timers on a busy event loop.
    let now = 0;
    const late: Clock = {
      now: () => now,
      sleep: async (ms) => {
        await new Promise((resolve) => setImmediate(resolve));
        now += ms + 40;
      },
    };
    const pacer = new Pacer(10, late);
    const released: number[] = [];
    await Promise.all(Array.from({ length: 45 }, () => pacer.wait().then(() => void released.push(now))));
    for (const t of released) expect(released.filter((r) => r >= t && r < t + 1000).length).toBeLessThanOrEqual(10);
  });

  it('never lets more than the rate through in any one-second window, however callers come and go', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.2, max: 50, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 120 }),
        async (rate, idles) => {
          const { clock, advance, at } = fakeClock();
          const pacer = new Pacer(rate, clock);
          const passed: number[] = [];
          for (const idle of idles) {
            advance(idle % 7 === 0 ? idle : 0);
            await pacer.wait();
            passed.push(at());
          }
          // Below one a second the window is one interval long, and holds one release.
          const window = Math.max(1000, 1000 / rate);
          const allowed = Math.max(1, Math.floor(rate));
          for (let i = 0; i < passed.length; i++) {
            const inWindow = passed.filter((t) => t >= passed[i]! && t < passed[i]! + window).length;
            if (inWindow > allowed) return false;
          }
          return true;
        },
      ),
    );
  });

  it('keeps up the full rate when callers are always waiting', async () => {
    const { clock, at } = fakeClock();
    const start = at();
    const pacer = new Pacer(200, clock);
    for (let i = 0; i < 1000; i++) await pacer.wait();
    // 1,000 calls at 200/s: five full windows, the last one's callers going at its start.
    expect(at() - start).toBeCloseTo(4 * 1000, 6);
  });

  it('refuses a rate of zero', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});
