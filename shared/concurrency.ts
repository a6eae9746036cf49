/** Runs `work` on every item with at most `limit` in flight; rejects on the first failure. */
export const eachLimited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

/**
 * Senders pace a little under a provider's rate: requests leave on time but arrive with
 * network jitter, and a provider that counts arrivals would see a burst as over its rate.
 */
export const paceHeadroom = 0.97;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Spaces calls at most `perSecond` apart, in the order they ask: each caller gets the next
 * free slot (taken synchronously, so concurrent callers never share one) and waits for it.
 * Over any window the rate never goes above `perSecond`, and an idle pacer does not save up
 * a burst.
 */
export class Pacer {
  private nextSlot = 0;
  private readonly interval: number;

  constructor(
    readonly perSecond: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`a pace needs a rate above 0, not ${perSecond}`);
    // Rounded up to the microsecond: float error can then only slow the pace, never speed it past the rate.
    this.interval = Math.ceil(1_000_000 / perSecond) / 1000;
  }

  async wait(): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.interval;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}
