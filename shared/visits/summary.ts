import type { Visit } from './visit.ts';
import { AppError } from '../common/app-error.ts';

/** How a client has used one service category (or seen one doctor). */
export interface UsageSpan {
  readonly first: string;
  readonly last: string;
  readonly visits: number;
}

export interface MonthTotals {
  readonly visits: number;
  /** Minor units of the summary's currency. */
  readonly spend: number;
}

/**
 * Everything the lapse model and the sweep need about one client's history, kept on the
 * client item and updated in the same transaction that writes new visits.
 */
export interface VisitSummary {
  readonly currency: string;
  readonly firstVisit: string;
  readonly lastVisit: string;
  /** Distinct visit days, sorted. Two visits on one day are one occasion for the rhythm. */
  readonly visitDays: readonly string[];
  readonly visits: number;
  readonly totalSpend: number;
  /** Per calendar month (YYYY-MM): visits and spend, so recent spend can be read for any date. */
  readonly months: Readonly<Record<string, MonthTotals>>;
  readonly categories: Readonly<Record<string, UsageSpan>>;
  readonly doctors: Readonly<Record<string, UsageSpan>>;
  /** Median days between consecutive visit days; null until the client has come twice. */
  readonly usualGapDays: number | null;
  /** 90th percentile of the gaps: the longest the client usually stays away. */
  readonly longGapDays: number | null;
  readonly lastDoctorId?: string;
  readonly lastBranchId?: string;
}

export class CurrencyMismatchError extends AppError {
  override readonly name = 'CurrencyMismatchError';
  readonly kind = 'invalid';
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(`the client's visits are in ${expected}, this one is in ${got}`);
  }
}

const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

export const daysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from);

/** Linear-interpolated quantile (type 7, as numpy and R's default) of sorted values. */
export const quantile = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low]!;
  return lowValue + (sorted[high]! - lowValue) * (position - low);
};

export const gapsBetween = (visitDays: readonly string[]): number[] => {
  const gaps: number[] = [];
  for (let i = 1; i < visitDays.length; i++) gaps.push(daysBetween(visitDays[i - 1]!, visitDays[i]!));
  return gaps;
};

const widen = (span: UsageSpan | undefined, day: string): UsageSpan =>
  span
    ? {
        first: day < span.first ? day : span.first,
        last: day > span.last ? day : span.last,
        visits: span.visits + 1,
      }
    : { first: day, last: day, visits: 1 };

/**
 * Adds visits that are new to the client (the caller guarantees they were not counted before)
 * to the client's summary. Pure: the same inputs always give the same summary.
 */
export const addVisits = (summary: VisitSummary | undefined, visits: readonly Visit[]): VisitSummary => {
  if (visits.length === 0) {
    if (!summary) throw new RangeError('a summary needs at least one visit');
    return summary;
  }
  const currency = summary?.currency ?? visits[0]!.amount.currency;
  const days = new Set(summary?.visitDays ?? []);
  const months: Record<string, MonthTotals> = { ...summary?.months };
  const categories: Record<string, UsageSpan> = { ...summary?.categories };
  const doctors: Record<string, UsageSpan> = { ...summary?.doctors };
  let totalSpend = summary?.totalSpend ?? 0;
  let count = summary?.visits ?? 0;
  let latest: Visit | undefined;
  let latestAt = summary?.lastVisit ?? '';

  for (const visit of visits) {
    if (visit.amount.currency !== currency) throw new CurrencyMismatchError(currency, visit.amount.currency);
    days.add(visit.day);
    const month = visit.day.slice(0, 7);
    const totals = months[month];
    months[month] = { visits: (totals?.visits ?? 0) + 1, spend: (totals?.spend ?? 0) + visit.amount.minor };
    if (visit.serviceCategory) categories[visit.serviceCategory] = widen(categories[visit.serviceCategory], visit.day);
    if (visit.doctorId) doctors[visit.doctorId] = widen(doctors[visit.doctorId], visit.day);
    totalSpend += visit.amount.minor;
    count += 1;
    if (visit.day >= latestAt) {
      latestAt = visit.day;
      latest = visit;
    }
  }

  const visitDays = [...days].sort();
  const gaps = gapsBetween(visitDays).sort((a, b) => a - b);
  return {
    currency,
    firstVisit: visitDays[0]!,
    lastVisit: visitDays[visitDays.length - 1]!,
    visitDays,
    visits: count,
    totalSpend,
    months,
    categories,
    doctors,
    usualGapDays: gaps.length ? quantile(gaps, 0.5) : null,
    longGapDays: gaps.length ? quantile(gaps, 0.9) : null,
    lastDoctorId: latest ? (latest.doctorId ?? summary?.lastDoctorId) : summary?.lastDoctorId,
    lastBranchId: latest ? (latest.branchId ?? summary?.lastBranchId) : summary?.lastBranchId,
  };
};

/** Spend and visits in the `months` calendar months up to and including the one of `asOf`. */
export const recentTotals = (summary: VisitSummary, asOf: string, months = 3): MonthTotals => {
  const [year, month] = asOf.split('-').map(Number) as [number, number];
  let visits = 0;
  let spend = 0;
  for (let back = 0; back < months; back++) {
    const date = new Date(Date.UTC(year, month - 1 - back, 1));
    const key = date.toISOString().slice(0, 7);
    visits += summary.months[key]?.visits ?? 0;
    spend += summary.months[key]?.spend ?? 0;
  }
  return { visits, spend };
};

/**
 * The summary as it stood at the end of `cutoff`, for backtests: the visit days up to it, and
 * the months before it; the cutoff's own month is shared out by visit day. Undefined for a
 * client who first came after it.
 */
export const summaryUpTo = (summary: VisitSummary, cutoff: string): VisitSummary | undefined => {
  if (summary.firstVisit > cutoff) return undefined;
  if (summary.lastVisit <= cutoff) return summary;
  const visitDays = summary.visitDays.filter((day) => day <= cutoff);
  const cutoffMonth = cutoff.slice(0, 7);
  const months: Record<string, MonthTotals> = {};
  for (const [month, totals] of Object.entries(summary.months)) {
    if (month < cutoffMonth) months[month] = totals;
    else if (month === cutoffMonth) {
      const inMonth = summary.visitDays.filter((day) => day.startsWith(month));
      const kept = inMonth.filter((day) => day <= cutoff).length;
      if (kept > 0) months[month] = { visits: Math.round((totals.visits * kept) / inMonth.length), spend: Math.round((totals.spend * kept) / inMonth.length) };
    }
  }
  const totals = Object.values(months);
  const gaps = gapsBetween(visitDays).sort((a, b) => a - b);
  const within = (spans: Readonly<Record<string, UsageSpan>>) =>
    Object.fromEntries(
      Object.entries(spans)
        .filter(([, span]) => span.first <= cutoff)
        .map(([key, span]) => [key, { ...span, last: span.last <= cutoff ? span.last : span.first }]),
    );
  return {
    ...summary,
    lastVisit: visitDays[visitDays.length - 1]!,
    visitDays,
    visits: Math.max(
      visitDays.length,
      totals.reduce((sum, month) => sum + month.visits, 0),
    ),
    totalSpend: totals.reduce((sum, month) => sum + month.spend, 0),
    months,
    categories: within(summary.categories),
    doctors: within(summary.doctors),
    usualGapDays: gaps.length ? quantile(gaps, 0.5) : null,
    longGapDays: gaps.length ? quantile(gaps, 0.9) : null,
  };
};
