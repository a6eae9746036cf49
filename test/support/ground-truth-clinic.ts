/**
 * A clinic with known truth, written apart from the demo clinic (other kinds of patient, other
 * gap distributions, other drop-out hazards, other history lengths), to measure the lapse
 * decision on data its authors did not tune it on.
 *
 * Every client joins at a random day in the three years before the as-of day and visits by
 * their kind's process, which is generated on past the as-of day so we know the visits they
 * would have made. Some stop for good at a random moment (starters most often right after
 * their second visit). The label rule, written down:
 *
 *   a client is LOST when they stopped before the as-of day AND the first visit they would
 *   have made after stopping falls before the as-of day (they have missed at least one visit).
 *
 * A client who stopped but has missed nothing yet is indistinguishable from one still coming,
 * and is labelled not lost. Clients seen on one day only are left out of the scoring: the lapse
 * rule never judges them (they belong to retention).
 */
import { addDays } from '../../shared/common/dates.ts';
import { normal, uniform } from './bg-nbd-simulation.ts';
import type { PlannedVisit } from './histories.ts';

export type PatientKind = 'weekly-course' | 'fortnightly' | 'monthly' | 'occasional' | 'twice-yearly' | 'starter' | 'one-off';

/** A client with known truth, from any generator. */
export interface LabelledClient {
  readonly clientId: string;
  readonly visits: readonly { readonly day: string }[];
  readonly lost: boolean;
}

export interface TruthClient extends LabelledClient {
  readonly kind: PatientKind;
  /** The visits seen up to the as-of day. */
  readonly visits: readonly PlannedVisit[];
  readonly lost: boolean;
}

export interface GroundTruthOptions {
  readonly clients: number;
  readonly asOf: string;
  readonly seed: number;
  /** Years of history before the as-of day (clients join uniformly over them). */
  readonly years?: number;
}

/** Gamma with this mean and shape (larger shape: more regular). */
const gammaGap = (next: () => number, mean: number, shape: number): number => {
  // An Erlang draw (the shape rounded to a whole number, at least 1), scaled to the mean.
  let sum = 0;
  const whole = Math.max(1, Math.round(shape));
  for (let i = 0; i < whole; i++) sum += -Math.log(1 - next());
  return Math.max(1, (sum / whole) * mean);
};

const kinds: readonly { kind: PatientKind; share: number; stops: number }[] = [
  { kind: 'weekly-course', share: 0.12, stops: 0.4 },
  { kind: 'fortnightly', share: 0.08, stops: 0.45 },
  { kind: 'monthly', share: 0.23, stops: 0.45 },
  { kind: 'occasional', share: 0.2, stops: 0.4 },
  { kind: 'twice-yearly', share: 0.1, stops: 0.35 },
  { kind: 'starter', share: 0.17, stops: 0.7 },
  { kind: 'one-off', share: 0.1, stops: 1 },
];

const pickKind = (next: () => number) => {
  let u = next();
  for (const entry of kinds) {
    u -= entry.share;
    if (u <= 0) return entry;
  }
  return kinds[kinds.length - 1]!;
};

/** Days of every visit the client would make from day 0 (their first), up to `until`. */
const visitDays = (kind: PatientKind, next: () => number, until: number): number[] => {
  const days = [0];
  let day = 0;
  const mean = { fortnightly: 14, monthly: 26 + next() * 12, occasional: 60 + next() * 90, 'twice-yearly': 170 + next() * 25 }[kind as string] ?? 30;
  if (kind === 'one-off') return days;
  if (kind === 'starter') {
    day += 5 + Math.floor(next() * 21);
    days.push(day);
  }
  let courseLeft = kind === 'weekly-course' ? 3 + Math.floor(next() * 8) : 0;
  while (day < until) {
    let gap: number;
    if (kind === 'weekly-course') {
      if (courseLeft > 0) {
        gap = 5 + Math.floor(next() * 5);
        courseLeft--;
      } else {
        gap = 60 + Math.floor(next() * 180);
        courseLeft = 3 + Math.floor(next() * 8);
      }
    } else if (kind === 'starter') gap = gammaGap(next, 40, 3);
    else if (kind === 'fortnightly') gap = gammaGap(next, mean, 6);
    else if (kind === 'monthly') gap = gammaGap(next, mean, 8);
    else if (kind === 'occasional') gap = gammaGap(next, mean, 2);
    else gap = Math.max(120, mean + 15 * normal(next));
    day += Math.max(1, Math.round(gap));
    days.push(day);
  }
  return days;
};

export const groundTruthClinic = ({ clients, asOf, seed, years = 3 }: GroundTruthOptions): TruthClient[] => {
  const next = uniform(seed);
  const span = Math.round(years * 365);
  return Array.from({ length: clients }, (_, i) => {
    const { kind, stops } = pickKind(next);
    const joined = Math.floor(next() * span);
    // Day numbers from the start of the history; the as-of day is `span`.
    const all = visitDays(kind, next, span - joined + 800).map((day) => joined + day);
    let stoppedAt = Number.POSITIVE_INFINITY;
    if (next() < stops) {
      // Starters most often stop right after their second visit; everyone else at a random moment.
      stoppedAt = kind === 'starter' && next() < 0.6 ? all[1]! : joined + next() * (span - joined + 400);
    }
    const kept = all.filter((day) => day <= Math.min(stoppedAt, span));
    const firstMissed = all.find((day) => day > stoppedAt);
    const lost = stoppedAt < span && firstMissed !== undefined && firstMissed < span;
    return {
      clientId: `t-${String(i + 1).padStart(5, '0')}`,
      kind,
      visits: kept.map((day) => ({ day: addDays(asOf, day - span) })),
      lost,
    };
  });
};

export interface Scores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly judged: number;
}

/** Precision, recall and F1 of a decision against the truth, over the clients seen on two days or more. */
export const scoreDecision = <C extends LabelledClient>(clients: readonly C[], flags: (client: C) => boolean): Scores => {
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  let judged = 0;
  for (const client of clients) {
    if (new Set(client.visits.map((visit) => visit.day)).size < 2) continue;
    judged++;
    const flagged = flags(client);
    if (flagged && client.lost) truePositive++;
    else if (flagged) falsePositive++;
    else if (client.lost) falseNegative++;
  }
  const precision = truePositive / Math.max(1, truePositive + falsePositive);
  const recall = truePositive / Math.max(1, truePositive + falseNegative);
  return { precision, recall, f1: (2 * precision * recall) / Math.max(1e-9, precision + recall), judged };
};
