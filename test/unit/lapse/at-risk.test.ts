import { describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/common/dates.ts';
import { lapseDay } from '../../../shared/lapse/at-risk.ts';
import { assessLapse, defaultLapseRule } from '../../../shared/lapse/lapse-rule.ts';
import { probabilityAlive, type FittedLapseModel } from '../../../shared/lapse/lapse-model.ts';
import { everyNDays, summaryOf } from '../../support/histories.ts';

const last = '2026-10-01';
const monthly = summaryOf(everyNDays(8, 30, last));

const model: FittedLapseModel = {
  fittedAt: '2026-10-01T06:00:00Z',
  asOf: '2026-10-01',
  clients: 1000,
  bgnbd: { r: 1, alpha: 30, a: 0.5, b: 5, logLikelihood: -1, iterations: 1, clients: 1000 },
  regular: { k: 3, r: 2, alpha: 20, a: 0.5, b: 5, logLikelihood: 0, iterations: 1, clients: 1000 },
  scoredBy: 'mbg-cnbd',
  monthlyDiscountRate: 0.01,
};

describe('the day a client will count as lost', () => {
  it('is the day after the rhythm says overdue, with the rhythm alone', () => {
    // Gaps of 30: overdue after 45 days away, so lost on the 46th.
    expect(lapseDay(monthly, addDays(last, 10), undefined, defaultLapseRule, 90)).toMatchObject({ lostOn: addDays(last, 46), daysLeft: 36 });
  });

  it('waits for the model too when both must agree, and is exactly the first day the sweep would flag', () => {
    const asOf = addDays(last, 10);
    const found = lapseDay(monthly, asOf, model, defaultLapseRule, 365)!;
    expect(found.lostOn >= addDays(last, 46)).toBe(true);
    expect(found.explanation.model).toBe('MBG/CNBD-3');
    const status = (day: string) => assessLapse(monthly, day, { pAlive: probabilityAlive(model, monthly, day) }, defaultLapseRule).status;
    expect(status(found.lostOn)).toBe('lapsed');
    expect(status(addDays(found.lostOn, -1))).not.toBe('lapsed');
  });

  it('finds early drop-outs to come, and nothing for a client already lost, one seen once, or one beyond the window', () => {
    const twice = summaryOf([{ day: '2026-09-01' }, { day: '2026-09-15' }]);
    expect(lapseDay(twice, '2026-10-01', undefined, defaultLapseRule, 60)).toMatchObject({
      lostOn: addDays('2026-09-15', 61),
      explanation: { kind: 'early-drop-out' },
    });
    expect(lapseDay(monthly, addDays(last, 100), undefined, defaultLapseRule, 30)).toBeUndefined();
    expect(lapseDay(summaryOf([{ day: '2026-09-01' }]), '2026-10-01', undefined, defaultLapseRule, 365)).toBeUndefined();
    expect(lapseDay(monthly, addDays(last, 1), undefined, defaultLapseRule, 20)).toBeUndefined();
  });
});
