/**
 * An independent synthetic clinic (physiotherapy / dental / general practice mix) with KNOWN truth
 * about which patients have been lost. Written without looking at the product's lapse code or the
 * other generators, so a lapse detector can be scored on data its authors did not write.
 *
 * How a patient is made: a type is drawn, the patient joins at a random day 75 days to 4 years
 * before asOf, and their full WOULD-BE schedule is simulated to 3 years past asOf (skipped
 * appointments and long breaks are already part of it: the patient comes back after them). Then,
 * after each would-be visit, the patient may stop for good with a type-specific hazard; every
 * visit after the stop is a missed visit. Visits are cut at the stop and at asOf.
 *
 * TRUTH LABEL RULE: a patient is LOST at asOf if and only if they stopped for good (after a visit
 * made on or before asOf) AND at least two of the would-be visits after the stop fall on or before
 * asOf. A patient who stopped but has missed at most one would-be visit by asOf is NOT lost (too
 * early for anyone to know). A patient who never stops is NOT lost.
 *
 * The clinic calendar: closed in August (visits move to early September), from Christmas Eve to
 * New Year's Day (visits move to early January), and on Sundays (visits move to Monday).
 */
import { addDays } from '../../shared/common/dates.ts';

export interface IndependentClient {
  readonly clientId: string;
  readonly kind: string;
  readonly visits: readonly { readonly day: string }[];
  readonly lost: boolean;
}

export interface IndependentClinicOptions {
  readonly clients: number;
  readonly asOf: string;
  readonly seed: number;
}

type Rng = () => number;

/** mulberry32: a small, fast, seeded 32-bit PRNG. */
const mulberry32 = (seed: number): Rng => {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const uniform = (r: Rng, lo: number, hi: number): number => lo + (hi - lo) * r();
const chance = (r: Rng, p: number): boolean => r() < p;
const normal = (r: Rng): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const lognormal = (r: Rng, median: number, sigma: number): number => median * Math.exp(sigma * normal(r));

const DAY_MS = 86_400_000;
const toNumber = (day: string): number => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const toDay = (n: number): string => addDays('1970-01-01', n);
const month = (n: number): number => new Date(n * DAY_MS).getUTCMonth();

/** The first day the clinic is open on or after day n (see the calendar in the header). */
const openDay = (n: number, r: Rng): number => {
  const d = new Date(n * DAY_MS);
  const m = d.getUTCMonth();
  const dd = d.getUTCDate();
  if (m === 7) return openDay(n + 32 - dd + Math.floor(r() * 7), r);
  if ((m === 11 && dd >= 24) || (m === 0 && dd === 1)) return openDay(n + (m === 11 ? 33 - dd : 1) + Math.floor(r() * 4), r);
  return d.getUTCDay() === 0 ? n + 1 : n;
};

/**
 * One patient's behaviour: `gap(i, day)` is the would-be wait after visit i (made on `day`);
 * `hazard(i, before, after)` is the chance of stopping for good right after visit i, given the
 * gap that led to it (0 for the first visit) and the would-be gap that would follow it.
 */
interface Plan {
  readonly gap: (i: number, day: number) => number;
  readonly hazard: (i: number, before: number, after: number) => number;
}

const kinds: Record<string, { readonly share: number; readonly plan: (r: Rng) => Plan }> = {
  /** Dental recall every ~6 months; 8% of recalls skipped (back at the next); a quarter never leave; risk peaks after the first check-up and after a skip. */
  dental: {
    share: 0.2,
    plan: (r) => {
      const loyal = chance(r, 0.25);
      const period = lognormal(r, 182, 0.08);
      return {
        gap: () => period * Math.exp(0.08 * normal(r)) * (chance(r, 0.08) ? 2 : 1),
        hazard: (i, before) => (loyal ? 0 : i === 0 || before > 1.5 * period ? 0.15 : 0.05),
      };
    },
  },
  /** Chronic-condition check-ups every 60-95 days with lognormal jitter; 5% of gaps are a 2.5-4x break before coming back; leaving is likelier after such a break. */
  chronic: {
    share: 0.17,
    plan: (r) => {
      const loyal = chance(r, 0.3);
      const period = uniform(r, 60, 95);
      return {
        gap: () => (chance(r, 0.05) ? period * uniform(r, 2.5, 4) : lognormal(r, period, 0.15)),
        hazard: (i, before) => (loyal ? 0 : i === 0 ? 0.1 : before > 2 * period ? 0.12 : 0.025),
      };
    },
  },
  /** Physiotherapy courses of 4-10 sessions 2-4 days apart, then a long lognormal pause (median ~7 months) before a new course; a few quit mid-course, many after a course. */
  physio: {
    share: 0.15,
    plan: (r) => {
      const courseLength = (): number => 4 + Math.floor(r() * 7);
      let left = courseLength();
      return {
        gap: () => {
          left -= 1;
          if (left > 0) return 2 + Math.floor(r() * 3);
          left = courseLength();
          return lognormal(r, 210, 0.6);
        },
        hazard: (_i, _before, after) => (after > 20 ? 0.22 : 0.015),
      };
    },
  },
  /** Antenatal series: booking at week 8-12, 4-weekly to 28, fortnightly to 36, weekly to 40, a postnatal check 6 weeks later, then GP visits every ~4 months; many leave after the postnatal check. */
  antenatal: {
    share: 0.06,
    plan: (r) => {
      const weeks: number[] = [];
      for (let w = uniform(r, 8, 12); w < 40.5; w += w < 28 ? 4 : w < 36 ? 2 : 1) weeks.push(w);
      weeks.push(46);
      const series = weeks.length - 1;
      return {
        gap: (i) => (i < series ? 7 * (weeks[i + 1]! - weeks[i]!) + uniform(r, -2, 2) : lognormal(r, 120, 0.5)),
        hazard: (i) => (i < series ? 0.01 : i === series ? 0.35 : 0.05),
      };
    },
  },
  /** Acute one-offs: a visit, half the time a follow-up 5-14 days later, then the next episode only after a very wide lognormal wait (median ~14 months); many never return. */
  acute: {
    share: 0.1,
    plan: (r) => {
      let followUp = false;
      return {
        gap: () => {
          followUp = !followUp && chance(r, 0.5);
          return followUp ? uniform(r, 5, 14) : lognormal(r, 420, 0.8);
        },
        hazard: (_i, _before, after) => (after > 30 ? 0.4 : 0.02),
      };
    },
  },
  /** 'When something hurts': a mixture of short follow-ups (25%, 3-10 days) and a wide lognormal (median 2 months), a quarter shorter in winter; leaving is likelier after a long gap. */
  irregular: {
    share: 0.12,
    plan: (r) => ({
      gap: (_i, day) => (chance(r, 0.25) ? uniform(r, 3, 10) : lognormal(r, 60, 0.9)) * ([10, 11, 0, 1].includes(month(day)) ? 0.75 : 1),
      hazard: (_i, before) => (before > 180 ? 0.12 : 0.03),
    }),
  },
  /** Fading: starts about monthly, each gap 10-30% longer than the last (capped at ~14 months), jittered; the risk of leaving grows with the gap. */
  slowing: {
    share: 0.08,
    plan: (r) => {
      let current = uniform(r, 25, 40);
      const factor = uniform(r, 1.1, 1.3);
      return {
        gap: () => {
          const out = current * Math.exp(0.15 * normal(r));
          current = Math.min(current * factor, 420);
          return out;
        },
        hazard: (_i, before) => 0.02 + before / 4000,
      };
    },
  },
  /** Tries the clinic: a second visit 1-3 weeks after the first, then decides; half never return; those who stay come every 1-2 months, with an occasional 3x break. */
  trial: {
    share: 0.12,
    plan: (r) => {
      const period = uniform(r, 30, 60);
      return {
        gap: (i) => (i === 0 ? uniform(r, 7, 21) : lognormal(r, period, 0.25) * (chance(r, 0.04) ? 3 : 1)),
        hazard: (i) => (i === 0 ? 0.1 : i === 1 ? 0.5 : 0.03),
      };
    },
  },
};

const pickKind = (r: Rng): string => {
  let u = r();
  for (const [kind, { share }] of Object.entries(kinds)) {
    u -= share;
    if (u < 0) return kind;
  }
  return 'dental';
};

export const independentClinic = ({ clients, asOf, seed }: IndependentClinicOptions): IndependentClient[] => {
  const end = toNumber(asOf);
  const horizon = end + 3 * 365;
  return Array.from({ length: clients }, (_, k) => {
    const r = mulberry32(Math.imul(seed, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b));
    const kind = pickKind(r);
    const plan = kinds[kind]!.plan(r);
    const days = [openDay(end - Math.floor(uniform(r, 75, 1461)), r)];
    for (let last = days[0]!; last <= horizon; days.push(last)) {
      last = openDay(last + Math.max(1, Math.round(plan.gap(days.length - 1, last))), r);
    }
    let stop = days.length;
    for (let i = 0; i < days.length - 1 && stop === days.length; i++) {
      if (chance(r, plan.hazard(i, i === 0 ? 0 : days[i]! - days[i - 1]!, days[i + 1]! - days[i]!))) stop = i + 1;
    }
    const missed = days.slice(stop).filter((d) => d <= end).length;
    return {
      clientId: `i-${String(k + 1).padStart(5, '0')}`,
      kind,
      visits: days
        .slice(0, stop)
        .filter((d) => d <= end)
        .map((d) => ({ day: toDay(d) })),
      lost: missed >= 2,
    };
  });
};
