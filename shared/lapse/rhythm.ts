import { daysBetween, gapsBetween, type VisitSummary } from '../visits/summary.ts';

/** When a client counts as overdue against their own rhythm. */
export interface RhythmRule {
  /** Fewer distinct visit days than this and the client has no rhythm to judge. */
  readonly minVisitDays: number;
  /** Overdue once away longer than their long gap (90th percentile) times this. */
  readonly longGapMultiplier: number;
  /** Never overdue sooner than this many days, however regular the client. */
  readonly minimumDays: number;
  /**
   * Never overdue before the longest gap the client has already come back from: a patient who
   * comes in courses (weekly physiotherapy, months apart) is between courses, not lost.
   */
  readonly beyondLongestGap: boolean;
}

export const defaultRhythmRule: RhythmRule = { minVisitDays: 3, longGapMultiplier: 1.5, minimumDays: 30, beyondLongestGap: true };

export type RhythmState =
  | { readonly kind: 'one-visit'; readonly daysSinceLastVisit: number }
  | { readonly kind: 'too-few-visits'; readonly daysSinceLastVisit: number; readonly visitDays: number }
  | {
      readonly kind: 'on-rhythm' | 'overdue';
      readonly daysSinceLastVisit: number;
      readonly longGapDays: number;
      readonly longestGapDays: number;
      readonly overdueAfterDays: number;
    };

/** Where the client stands against their own usual gap between visits, as of a day. */
export const rhythmState = (summary: VisitSummary, asOf: string, rule: RhythmRule = defaultRhythmRule): RhythmState => {
  const daysSinceLastVisit = daysBetween(summary.lastVisit, asOf);
  const visitDays = summary.visitDays.length;
  if (visitDays === 1) return { kind: 'one-visit', daysSinceLastVisit };
  if (visitDays < rule.minVisitDays || summary.longGapDays === null) {
    return { kind: 'too-few-visits', daysSinceLastVisit, visitDays };
  }
  const longestGapDays = Math.max(...gapsBetween(summary.visitDays));
  const overdueAfterDays = Math.max(rule.minimumDays, Math.ceil(summary.longGapDays * rule.longGapMultiplier), rule.beyondLongestGap ? longestGapDays : 0);
  return {
    kind: daysSinceLastVisit > overdueAfterDays ? 'overdue' : 'on-rhythm',
    daysSinceLastVisit,
    longGapDays: summary.longGapDays,
    longestGapDays,
    overdueAfterDays,
  };
};

export const describeRhythm = (state: RhythmState): string => {
  switch (state.kind) {
    case 'one-visit':
      return `came once, ${state.daysSinceLastVisit} days ago: not a lapsed regular (see retention)`;
    case 'too-few-visits':
      return `${state.visitDays} visit days so far: too few to know their rhythm (last visit ${state.daysSinceLastVisit} days ago)`;
    case 'on-rhythm':
      return `on rhythm: last visit ${state.daysSinceLastVisit} days ago, overdue after ${state.overdueAfterDays} days (usual long gap ${state.longGapDays} days)`;
    case 'overdue':
      return `overdue: ${state.daysSinceLastVisit} days since the last visit, usually back within ${state.longGapDays} days (overdue after ${state.overdueAfterDays})`;
  }
};
