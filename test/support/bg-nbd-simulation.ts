import type { Frequency } from '../../shared/stats/bg-nbd.ts';

/** mulberry32, seeded: the same clients every run. */
export const uniform = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

export const normal = (next: () => number): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());

/** Gamma(shape, 1) by Marsaglia and Tsang, boosted for shape < 1. */
export const gamma = (next: () => number, shape: number): number => {
  if (shape < 1) return gamma(next, shape + 1) * next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(next);
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(next()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
};

export interface Population {
  readonly r: number;
  readonly alpha: number;
  /** Dropout after each repeat visit: beta(a, b), or the same `p` for everyone. */
  readonly dropout: { readonly a: number; readonly b: number } | { readonly p: number };
}

/**
 * Clients drawn from the BG/NBD story itself: a gamma-distributed visit rate, and after each
 * repeat visit a chance to leave for good. Each is observed for 100 to 400 days.
 */
export const simulateClients = (population: Population, clients: number, seed = 7): Frequency[] => {
  const next = uniform(seed);
  return Array.from({ length: clients }, () => {
    const rate = gamma(next, population.r) / population.alpha;
    const p =
      'p' in population.dropout
        ? population.dropout.p
        : (() => {
            const g1 = gamma(next, (population.dropout as { a: number }).a);
            return g1 / (g1 + gamma(next, (population.dropout as { b: number }).b));
          })();
    return observedHistory(next, rate, p, 100 + Math.floor(next() * 301));
  });
};

/** One client's story over `T` days: visits at `rate` a day, and after each repeat visit a chance `p` to leave for good. */
export const observedHistory = (next: () => number, rate: number, p: number, T: number): Frequency => {
  let t = 0;
  let x = 0;
  let tx = 0;
  for (;;) {
    t += -Math.log(1 - next()) / rate;
    if (t > T) break;
    x++;
    tx = t;
    if (next() < p) break;
  }
  return { x, tx, T };
};

export interface RegularPopulation {
  /** Erlang-k gaps between visits: 1 at random, larger ever more regular. */
  readonly k: number;
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/**
 * Clients drawn from the MBG/CNBD-k story: a gamma(r, alpha) rate λ, Erlang-k gaps of rate λ
 * (mean k/λ), and a beta(a, b) chance to leave for good at the first visit and after each
 * other. Each is observed for `minDays` to `maxDays`; the log gaps are kept for choosing k.
 */
export const simulateRegularClients = (population: RegularPopulation, clients: number, seed = 11, minDays = 100, maxDays = 400) => {
  const next = uniform(seed);
  return Array.from({ length: clients }, () => {
    const rate = gamma(next, population.r) / population.alpha;
    const g1 = gamma(next, population.a);
    const p = g1 / (g1 + gamma(next, population.b));
    const T = minDays + next() * (maxDays - minDays);
    let t = 0;
    let x = 0;
    let tx = 0;
    let logGaps = 0;
    while (next() >= p) {
      let gap = 0;
      for (let i = 0; i < population.k; i++) gap += -Math.log(1 - next()) / rate;
      if (t + gap > T) break;
      t += gap;
      x++;
      tx = t;
      logGaps += Math.log(gap);
    }
    return { x, tx, T, logGaps };
  });
};
