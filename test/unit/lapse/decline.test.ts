import { describe, expect, it } from 'vitest';
import { declines, defaultDeclineRule } from '../../../shared/lapse/decline.ts';
import { everyNDays, summaryOf } from '../../support/histories.ts';

const asOf = '2026-11-16';

describe('spend decline', () => {
  it('flags a client whose spend per visit in the last 3 months fell by a quarter or more', () => {
    // Prepare: every 14 days for a year at 80 EUR, then from September at 40 EUR.
    const earlier = everyNDays(20, 14, '2026-08-25', { euros: 80 });
    const recent = everyNDays(6, 14, '2026-11-12', { euros: 40 });
    // Act
    const found = declines(summaryOf([...earlier, ...recent]), asOf);
    // Assess
    expect(found).toEqual([{ kind: 'spend', recentPerVisit: { minor: 4000, currency: 'EUR' }, earlierPerVisit: { minor: 8000, currency: 'EUR' }, drop: 0.5 }]);
  });

  it('leaves a client alone whose spend fell less than the threshold', () => {
    const earlier = everyNDays(20, 14, '2026-08-25', { euros: 80 });
    const recent = everyNDays(6, 14, '2026-11-12', { euros: 64 }); // 20% less
    expect(declines(summaryOf([...earlier, ...recent]), asOf)).toEqual([]);
  });

  it('needs enough visits on both sides to say anything', () => {
    const earlier = everyNDays(2, 60, '2026-07-01', { euros: 80 });
    const recent = everyNDays(3, 14, '2026-11-12', { euros: 20 });
    expect(declines(summaryOf([...earlier, ...recent]), asOf)).toEqual([]);
    expect(declines(summaryOf([...earlier, ...recent]), asOf, { ...defaultDeclineRule, minEarlierVisits: 2 })).toHaveLength(1);
  });
});

describe('a service the client stopped using', () => {
  it('flags a regular who stopped a category while still coming for another', () => {
    const physio = everyNDays(10, 21, '2026-05-01', { category: 'physiotherapy' });
    const consultations = everyNDays(10, 30, '2026-11-01', { category: 'consultation' });
    const found = declines(summaryOf([...physio, ...consultations]), asOf);
    expect(found).toEqual([{ kind: 'category', category: 'physiotherapy', lastUsed: '2026-05-01', timesUsed: 10, usualGapDays: 21, daysSince: 199 }]);
  });

  it('does not count a service used only now and then, or one still within its rhythm', () => {
    const labs = [
      { day: '2025-01-10', category: 'lab-tests' },
      { day: '2025-06-10', category: 'lab-tests' },
    ];
    const physio = everyNDays(6, 21, '2026-10-20', { category: 'physiotherapy' });
    const consultations = everyNDays(10, 30, '2026-11-01', { category: 'consultation' });
    expect(declines(summaryOf([...labs, ...physio, ...consultations]), asOf)).toEqual([]);
  });

  it('is not a decline when the client stopped coming altogether (that is a lapse)', () => {
    const physio = everyNDays(10, 21, '2026-05-01', { category: 'physiotherapy' });
    expect(declines(summaryOf(physio), asOf)).toEqual([]);
  });
});
