import type { Money } from '../common/money.ts';
import { daysBetween, recentTotals, type VisitSummary } from '../visits/summary.ts';

/** When a regular who still comes counts as declining: spending less, or no longer using a service. */
export interface DeclineRule {
  /** Calendar months, up to and including the as-of month, that count as "recent". */
  readonly recentMonths: number;
  /** Calendar months before the recent ones that give the client's earlier level. */
  readonly earlierMonths: number;
  readonly minRecentVisits: number;
  readonly minEarlierVisits: number;
  /** Flag when the recent spend per visit is this much below the earlier one (0.25 = 25% less). */
  readonly spendDropAtLeast: number;
  /** A service used at least this many times is one the client "used to use". */
  readonly minCategoryVisits: number;
  /** Stopped using it when away from it this many times its usual gap... */
  readonly categoryGapMultiplier: number;
  /** ...and at least this many days. */
  readonly categoryMinimumDays: number;
}

export const defaultDeclineRule: DeclineRule = {
  recentMonths: 3,
  earlierMonths: 12,
  minRecentVisits: 2,
  minEarlierVisits: 3,
  spendDropAtLeast: 0.25,
  minCategoryVisits: 3,
  categoryGapMultiplier: 2,
  categoryMinimumDays: 90,
};

export type Decline =
  | {
      readonly kind: 'spend';
      /** Average spend per visit over the recent months and over the months before. */
      readonly recentPerVisit: Money;
      readonly earlierPerVisit: Money;
      /** Share lost, 0..1. */
      readonly drop: number;
    }
  | {
      readonly kind: 'category';
      readonly category: string;
      readonly lastUsed: string;
      readonly timesUsed: number;
      readonly usualGapDays: number;
      readonly daysSince: number;
    };

const spendDecline = (summary: VisitSummary, asOf: string, rule: DeclineRule): Decline | undefined => {
  const recent = recentTotals(summary, asOf, rule.recentMonths);
  const [year, month] = asOf.split('-').map(Number) as [number, number];
  const earlierEnd = new Date(Date.UTC(year, month - 1 - rule.recentMonths, 1)).toISOString().slice(0, 10);
  const upToEarlierEnd = recentTotals(summary, earlierEnd, rule.earlierMonths);
  if (recent.visits < rule.minRecentVisits || upToEarlierEnd.visits < rule.minEarlierVisits) return undefined;
  const recentPerVisit = recent.spend / recent.visits;
  const earlierPerVisit = upToEarlierEnd.spend / upToEarlierEnd.visits;
  if (earlierPerVisit <= 0) return undefined;
  const drop = 1 - recentPerVisit / earlierPerVisit;
  if (drop < rule.spendDropAtLeast) return undefined;
  return {
    kind: 'spend',
    recentPerVisit: { minor: Math.round(recentPerVisit), currency: summary.currency },
    earlierPerVisit: { minor: Math.round(earlierPerVisit), currency: summary.currency },
    drop,
  };
};

const droppedCategories = (summary: VisitSummary, asOf: string, rule: DeclineRule): Decline[] => {
  const found: Decline[] = [];
  for (const [category, span] of Object.entries(summary.categories)) {
    if (span.visits < rule.minCategoryVisits) continue;
    const usualGapDays = Math.round(daysBetween(span.first, span.last) / (span.visits - 1));
    const daysSince = daysBetween(span.last, asOf);
    const stoppedAfter = Math.max(rule.categoryMinimumDays, usualGapDays * rule.categoryGapMultiplier);
    // Only while the client still comes for something else: a client who stopped altogether is lapsed, not declining.
    const stillComing = daysBetween(span.last, summary.lastVisit) > 0;
    if (daysSince > stoppedAfter && stillComing) {
      found.push({ kind: 'category', category, lastUsed: span.last, timesUsed: span.visits, usualGapDays, daysSince });
    }
  }
  return found.sort((a, b) => (a.kind === 'category' && b.kind === 'category' ? a.category.localeCompare(b.category) : 0));
};

/** Partial decline of a client who still comes: spend per visit falling, or a service they stopped using. */
export const declines = (summary: VisitSummary, asOf: string, rule: DeclineRule = defaultDeclineRule): Decline[] => {
  const spend = spendDecline(summary, asOf, rule);
  return [...(spend ? [spend] : []), ...droppedCategories(summary, asOf, rule)];
};
