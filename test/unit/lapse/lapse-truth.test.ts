import { describe, expect, it } from 'vitest';
import { daysBetween } from '../../../shared/visits/summary.ts';
import { assessLapse, defaultLapseRule } from '../../../shared/lapse/lapse-rule.ts';
import { fitLapseModel, modelInput, scoreClient } from '../../../shared/lapse/lapse-model.ts';
import { groundTruthClinic, scoreDecision, type TruthClient } from '../../support/ground-truth-clinic.ts';
import { summaryOf } from '../../support/histories.ts';

const asOf = '2026-11-02';

/** The product's decision on a clinic: the model fitted on its own clients, then the lapse rule per client. */
const productDecision = (clients: readonly TruthClient[], rule = defaultLapseRule) => {
  const summaries = new Map(clients.filter((c) => c.visits.length > 0).map((c) => [c.clientId, summaryOf(c.visits, c.clientId)]));
  const model = fitLapseModel(
    [...summaries.values()].map((s) => modelInput(s, asOf)),
    { asOf, fittedAt: `${asOf}T06:00:00Z`, monthlyDiscountRate: 0.01 },
  );
  return (client: TruthClient): boolean => {
    const summary = summaries.get(client.clientId)!;
    return assessLapse(summary, asOf, scoreClient(model, summary, asOf), rule).status === 'lapsed';
  };
};

const fixedWindow =
  (days: number) =>
  (client: TruthClient): boolean =>
    daysBetween(client.visits[client.visits.length - 1]!.day, asOf) > days;

describe('the lapse decision on a clinic nobody tuned it on', () => {
  // The first seed is the one the rule was looked at with; the second was not looked at until this test.
  for (const seed of [20261202, 777]) {
    const clinic = groundTruthClinic({ clients: 3000, asOf, seed });

    it(`has the mix it was written to have (seed ${seed})`, () => {
      const lost = clinic.filter((c) => c.lost).length / clinic.length;
      expect(lost).toBeGreaterThan(0.2);
      expect(lost).toBeLessThan(0.6);
    });

    it(`beats a fixed 90-day window by at least 0.06 F1 with its default settings (seed ${seed})`, () => {
      const product = scoreDecision(clinic, productDecision(clinic));
      const window = scoreDecision(clinic, fixedWindow(90));
      console.log(
        `seed ${seed}: product F1 ${product.f1.toFixed(3)} (P ${product.precision.toFixed(3)}, R ${product.recall.toFixed(3)}); 90-day window F1 ${window.f1.toFixed(3)} (P ${window.precision.toFixed(3)}, R ${window.recall.toFixed(3)}); ${product.judged} judged`,
      );
      expect(product.f1).toBeGreaterThanOrEqual(window.f1 + 0.06);
    });
  }
});
