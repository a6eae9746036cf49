import { defaultDeclineRule, type Decline, type DeclineRule } from './decline.ts';
import { defaultLapseRule, type LapseExplanation, type LapseRule } from './lapse-rule.ts';
import type { FittedLapseModel } from './lapse-model.ts';
import type { RuleSetting, TunedLapseRule } from './tuned-rule.ts';
import { defaultOutreachPolicy, type OutreachPolicy, type SkipReason } from '../outreach/eligibility.ts';

/** What the clinic asks of the weekly sweep, and what it found: the sweep's words, shared by its segments. */

export interface SweepSettings {
  /** The clinic's today (YYYY-MM-DD): days away are counted to it, episodes open on it. */
  readonly asOf: string;
  /** Score and decide, write nothing. */
  readonly dryRun: boolean;
  readonly lapseRule: LapseRule;
  /** Settings of `lapseRule` given in the environment: a stored tuning never changes them. */
  readonly fixedRuleSettings: readonly RuleSetting[];
  readonly declineRule: DeclineRule;
  readonly outreach: OutreachPolicy;
  /** Discount rate per month for the value a lapsed client takes away. */
  readonly monthlyDiscountRate: number;
  /** Refit the model when the newest fit is this many days older than asOf. */
  readonly refitAfterDays: number;
  /** Tune the rule's settings again on the clinic's history when the stored tuning is this many days old. */
  readonly retuneAfterDays: number;
  /** Return the flagged clients (the CLI's --json), not only counts. */
  readonly listFlagged: boolean;
}

export const defaultSweepSettings = (asOf: string): SweepSettings => ({
  asOf,
  dryRun: false,
  lapseRule: defaultLapseRule,
  fixedRuleSettings: [],
  declineRule: defaultDeclineRule,
  outreach: defaultOutreachPolicy,
  monthlyDiscountRate: 0.01,
  refitAfterDays: 7,
  retuneAfterDays: 90,
  listFlagged: false,
});

export type OutreachOutcome = 'enqueued' | 'would-enqueue' | 'resent' | SkipReason | 'conflict';

export interface FlaggedClient {
  readonly clientId: string;
  readonly kind: 'lapsed' | 'early-drop-out' | 'declining';
  readonly explanation?: LapseExplanation;
  readonly declines?: readonly Decline[];
  readonly episodeId?: string;
  readonly openedOn?: string;
  readonly outreach?: OutreachOutcome;
}

export interface SweepCounts {
  clients: number;
  scored: number;
  noVisits: number;
  oneVisit: number;
  tooFewVisits: number;
  active: number;
  /** Lapsed regulars. */
  lapsed: number;
  /** Clients who came a few times and then stayed away well past their gap. */
  earlyDropOuts: number;
  declining: number;
  /** Clients whose history the models cannot use (e.g. a visit after the as-of day): skipped, named in `unusable`. */
  unusable: number;
  episodesOpened: number;
  episodesAlreadyOpen: number;
  eligible: number;
  enqueued: number;
  /** Jobs recorded by an earlier run that stopped before confirming them, queued again. */
  resent: number;
  skipped: Partial<Record<SkipReason | 'conflict', number>>;
}

/** A client the sweep skipped because the models cannot use their history, and why. */
export interface UnusableClient {
  readonly clientId: string;
  readonly reason: string;
}

export interface SweepReport {
  readonly runId: string;
  readonly asOf: string;
  readonly dryRun: boolean;
  readonly segments: number;
  readonly counts: SweepCounts;
  readonly flagged: FlaggedClient[];
  readonly flaggedOmitted: number;
  /** The first clients skipped as unusable (all are counted in `counts.unusable`). */
  readonly unusable: UnusableClient[];
  /** The model the clients were scored with, and the one fitted by this run (if any). */
  readonly scoredWith?: FittedLapseModel;
  readonly fitted?: FittedLapseModel;
  /** The stored tuning whose settings the rule used, if any. */
  readonly tuning?: Pick<TunedLapseRule, 'tunedAt' | 'cutoff' | 'horizonDays' | 'after'>;
  /** A tuning made by this run because the stored one was `retuneAfterDays` old; it serves the next sweep. */
  readonly retuned?: Pick<TunedLapseRule, 'tunedAt' | 'cutoff' | 'horizonDays' | 'before' | 'after'>;
  /** Why no model could be fitted (e.g. nobody came twice yet): the rhythm rule worked alone. */
  readonly modelProblem?: string;
  readonly seconds: number;
}

export const emptyCounts = (): SweepCounts => ({
  clients: 0,
  scored: 0,
  noVisits: 0,
  oneVisit: 0,
  tooFewVisits: 0,
  active: 0,
  lapsed: 0,
  earlyDropOuts: 0,
  declining: 0,
  unusable: 0,
  episodesOpened: 0,
  episodesAlreadyOpen: 0,
  eligible: 0,
  enqueued: 0,
  resent: 0,
  skipped: {},
});

export const addCounts = (total: SweepCounts, part: SweepCounts): SweepCounts => {
  const sum = { ...total, skipped: { ...total.skipped } };
  for (const key of Object.keys(part) as (keyof SweepCounts)[]) {
    if (key !== 'skipped') sum[key] = total[key] + part[key];
  }
  for (const [reason, count] of Object.entries(part.skipped) as [SkipReason | 'conflict', number][]) {
    sum.skipped[reason] = (sum.skipped[reason] ?? 0) + count;
  }
  return sum;
};
