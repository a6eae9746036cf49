import { addDays } from '../../shared/common/dates.ts';
import { addVisits, type VisitSummary } from '../../shared/visits/summary.ts';
import type { Visit } from '../../shared/visits/visit.ts';

export interface PlannedVisit {
  readonly day: string;
  /** Euros. */
  readonly euros?: number;
  readonly category?: string;
}

/** The summary of a client who came on these days, as the import would build it. */
export const summaryOf = (visits: readonly PlannedVisit[], clientId = 'c-1'): VisitSummary =>
  addVisits(
    undefined,
    visits.map(
      (visit, index): Visit => ({
        visitId: `v-${index}`,
        clientId,
        visitedAt: `${visit.day}T10:00:00.000Z`,
        day: visit.day,
        serviceCategory: visit.category ?? 'consultation',
        amount: { minor: Math.round((visit.euros ?? 50) * 100), currency: 'EUR' },
      }),
    ),
  );

/** `count` visits `gapDays` apart, the last one on `last`. */
export const everyNDays = (count: number, gapDays: number, last: string, planned: Omit<PlannedVisit, 'day'> = {}): PlannedVisit[] =>
  Array.from({ length: count }, (_, i) => ({ ...planned, day: addDays(last, -(count - 1 - i) * gapDays) }));
