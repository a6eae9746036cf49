import type { Money } from '../common/money.ts';

export interface Visit {
  readonly visitId: string;
  readonly clientId: string;
  /** The instant of the visit, ISO 8601 in UTC. A date-only visit is stored at 00:00Z of that date. */
  readonly visitedAt: string;
  /** The calendar day of the visit where it happened (YYYY-MM-DD): what rhythms are counted in. */
  readonly day: string;
  readonly doctorId?: string;
  readonly branchId?: string;
  readonly serviceCategory?: string;
  readonly amount: Money;
}
