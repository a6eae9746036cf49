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
export const paceHeadroom = 0.98;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Lets callers through in the order they asked, never more than `perSecond` in any window of
 * time, as measured when each is actually let through (a sliding window over the last
 * releases). A late timer on a busy event loop therefore cannot push a window over the rate,
 * and the time it lost is made up within the window rather than lost for good.
 */
export class Pacer {
  /** At most `limit` releases in any `window` milliseconds. */
  private readonly limit: number;
  private readonly window: number;
  private readonly releases: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private sleeping = false;

  constructor(
    readonly perSecond: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`a pace needs a rate above 0, not ${perSecond}`);
    // A whole second (whole releases in it, never more than the rate); below one a second, one per interval.
    this.limit = Math.max(1, Math.floor(perSecond));
    this.window = perSecond >= 1 ? 1000 : Math.ceil(1_000_000 / perSecond) / 1000;
  }

  wait(): Promise<void> {
    return new Promise((release) => {
      this.waiting.push(release);
      this.pump();
    });
  }

  private pump(): void {
    if (this.sleeping || this.waiting.length === 0) return;
    const now = this.clock.now();
    while (this.releases.length > 0 && this.releases[0]! <= now - this.window) this.releases.shift();
    if (this.releases.length < this.limit) {
      this.releases.push(now);
      this.waiting.shift()!();
      this.pump();
      return;
    }
    this.sleeping = true;
    void this.clock.sleep(this.releases[0]! + this.window - now).then(() => {
      this.sleeping = false;
      this.pump();
    });
  }
}
