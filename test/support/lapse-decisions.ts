/** The decisions the lapse measurements compare, on a clinic with known truth. */
import { assessLapse, defaultLapseRule, type LapseRule } from '../../shared/lapse/lapse-rule.ts';
import { fitLapseModel, modelInput, scoreClient } from '../../shared/lapse/lapse-model.ts';
import { daysBetween } from '../../shared/visits/summary.ts';
import type { LabelledClient } from './ground-truth-clinic.ts';
import { summaryOf } from './histories.ts';

/** The product's decision: the model fitted on the clinic's own clients as of the day, then the lapse rule per client. */
export const productDecision = (clients: readonly LabelledClient[], asOf: string, rule: LapseRule = defaultLapseRule) => {
  const summaries = new Map(clients.filter((c) => c.visits.length > 0).map((c) => [c.clientId, summaryOf(c.visits, c.clientId)]));
  const model = fitLapseModel(
    [...summaries.values()].map((s) => modelInput(s, asOf)),
    { asOf, fittedAt: `${asOf}T06:00:00Z`, monthlyDiscountRate: 0.01 },
  );
  return (client: LabelledClient): boolean => {
    const summary = summaries.get(client.clientId)!;
    return assessLapse(summary, asOf, scoreClient(model, summary, asOf), rule).status === 'lapsed';
  };
};

/** "No visit for `days` days", the fixed window recall tools use. */
export const fixedWindowDecision =
  (days: number, asOf: string) =>
  (client: LabelledClient): boolean =>
    daysBetween(client.visits[client.visits.length - 1]!.day, asOf) > days;

export const summariesOf = (clients: readonly LabelledClient[]) => clients.filter((c) => c.visits.length > 0).map((c) => summaryOf(c.visits, c.clientId));
