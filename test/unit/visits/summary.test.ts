import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reachableChannels } from '../../../shared/visits/client.ts';
import { describeRhythm, rhythmState } from '../../../shared/lapse/rhythm.ts';
import { addVisits, CurrencyMismatchError, daysBetween, gapsBetween, quantile, recentTotals } from '../../../shared/visits/summary.ts';
import type { Visit } from '../../../shared/visits/visit.ts';

const visit = (day: string, euros = 50, extra: Partial<Visit> = {}): Visit => ({
  visitId: `v-${day}-${euros}`,
  clientId: 'c-1',
  visitedAt: `${day}T10:00:00.000Z`,
  day,
  amount: { minor: euros * 100, currency: 'EUR' },
  ...extra,
});

describe('the visit summary on the client item', () => {
  it('counts visit days, spend per month, services and doctors, and the usual gaps', () => {
    const summary = addVisits(undefined, [
      visit('2026-01-05', 40, { serviceCategory: 'physio', doctorId: 'd-1' }),
      visit('2026-01-05', 20, { serviceCategory: 'lab', doctorId: 'd-2' }),
      visit('2026-01-19', 40, { serviceCategory: 'physio', doctorId: 'd-1' }),
      visit('2026-02-02', 40, { serviceCategory: 'physio', doctorId: 'd-1' }),
      visit('2026-03-30', 60, { serviceCategory: 'physio', doctorId: 'd-3', branchId: 'b-2' }),
    ]);
    expect(summary).toMatchObject({
      currency: 'EUR',
      firstVisit: '2026-01-05',
      lastVisit: '2026-03-30',
      visitDays: ['2026-01-05', '2026-01-19', '2026-02-02', '2026-03-30'],
      visits: 5,
      totalSpend: 20_000,
      months: { '2026-01': { visits: 3, spend: 10_000 }, '2026-02': { visits: 1, spend: 4000 }, '2026-03': { visits: 1, spend: 6000 } },
      categories: { physio: { first: '2026-01-05', last: '2026-03-30', visits: 4 }, lab: { first: '2026-01-05', last: '2026-01-05', visits: 1 } },
      usualGapDays: 14,
      lastDoctorId: 'd-3',
      lastBranchId: 'b-2',
    });
    // Gaps 14, 14, 56: the 90th percentile interpolates toward the long one.
    expect(summary.longGapDays).toBeCloseTo(14 + 0.8 * 42, 9);
  });

  it('is the same whatever order or packs the visits arrive in', () => {
    const days = fc
      .uniqueArray(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 30 })
      .map((offsets) => offsets.map((d) => visit(new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10), 10 + (d % 7))));
    fc.assert(
      fc.property(days, fc.integer({ min: 1, max: 29 }), (visits, cut) => {
        const all = addVisits(undefined, visits);
        const reversed = addVisits(undefined, [...visits].reverse());
        const inPacks = visits.length > cut ? addVisits(addVisits(undefined, visits.slice(0, cut)), visits.slice(cut)) : all;
        const { lastDoctorId: _a, lastBranchId: _b, ...core } = all;
        const { lastDoctorId: _c, lastBranchId: _d, ...coreReversed } = reversed;
        const { lastDoctorId: _e, lastBranchId: _f, ...corePacks } = inPacks;
        expect(coreReversed).toEqual(core);
        expect(corePacks).toEqual(core);
      }),
    );
  });

  it('refuses a visit in another currency than the client’s', () => {
    const summary = addVisits(undefined, [visit('2026-01-05')]);
    expect(() => addVisits(summary, [{ ...visit('2026-01-06'), amount: { minor: 100, currency: 'USD' } }])).toThrow(CurrencyMismatchError);
  });

  it('totals the last calendar months up to a day', () => {
    const summary = addVisits(undefined, [visit('2025-12-20', 30), visit('2026-01-05', 40), visit('2026-03-01', 50), visit('2026-04-01', 60)]);
    expect(recentTotals(summary, '2026-03-15')).toEqual({ visits: 2, spend: 9000 });
    expect(recentTotals(summary, '2026-01-31', 2)).toEqual({ visits: 2, spend: 7000 });
  });

  it('measures gaps and quantiles as numpy and R do', () => {
    expect(gapsBetween(['2026-01-01', '2026-01-08', '2026-02-07'])).toEqual([7, 30]);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBe(46);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
});

describe('the rhythm rule', () => {
  const weekly = addVisits(
    undefined,
    ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02'].map((d) => visit(d)),
  );

  it('calls a client overdue the day after their overdue threshold, not on it', () => {
    const state = rhythmState(weekly, '2026-03-04');
    expect(state).toMatchObject({ kind: 'on-rhythm', daysSinceLastVisit: 30, overdueAfterDays: 30 });
    expect(rhythmState(weekly, '2026-03-05').kind).toBe('overdue');
    expect(describeRhythm(rhythmState(weekly, '2026-03-05'))).toBe('overdue: 31 days since the last visit, usually back within 7 days (overdue after 30)');
  });

  it('scales with the client’s own gaps and the configured margin', () => {
    const quarterly = addVisits(
      undefined,
      ['2025-01-10', '2025-04-10', '2025-07-10', '2025-10-10'].map((d) => visit(d)),
    );
    const state = rhythmState(quarterly, '2026-02-01');
    if (state.kind !== 'on-rhythm') throw new Error(`expected on-rhythm, got ${state.kind}`);
    expect(state.overdueAfterDays).toBe(Math.ceil(state.longGapDays * 1.5));
    expect(rhythmState(quarterly, '2026-02-01', { minVisitDays: 3, longGapMultiplier: 1.1, minimumDays: 30, beyondLongestGap: false }).kind).toBe('overdue');
  });

  it('says too few visits to judge, and came once, instead of guessing', () => {
    expect(rhythmState(addVisits(undefined, [visit('2025-01-10')]), '2026-02-01')).toEqual({ kind: 'one-visit', daysSinceLastVisit: 387 });
    expect(rhythmState(addVisits(undefined, [visit('2025-01-10'), visit('2025-02-10')]), '2026-02-01')).toMatchObject({ kind: 'too-few-visits', visitDays: 2 });
  });
});

describe('reachable channels', () => {
  it('are the consented ones with a working contact', () => {
    const base = { clientId: 'c', locale: 'en', timeZone: 'UTC' };
    expect(reachableChannels({ ...base, email: 'a@b.example', phone: '+306912345678', consent: { email: true, sms: true, voice: false } })).toEqual([
      'email',
      'sms',
    ]);
    expect(reachableChannels({ ...base, consent: { email: true, sms: true, voice: true } })).toEqual([]);
    expect(reachableChannels({ ...base, phone: '+306912345678', consent: { email: true, sms: false, voice: true } })).toEqual(['voice']);
  });
});
