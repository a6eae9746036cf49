import { describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/common/dates.ts';
import { assessLapse, checkLapseRule, defaultLapseRule, LapseRuleError, type LapseRule } from '../../../shared/lapse/lapse-rule.ts';
import { rhythmState } from '../../../shared/lapse/rhythm.ts';
import { ruleWithTuning } from '../../../shared/lapse/tuned-rule.ts';
import { everyNDays, summaryOf } from '../../support/histories.ts';

const asOf = '2026-11-16';
const euros = (minor: number) => ({ minor, currency: 'EUR' });

describe('the rhythm rule', () => {
  it('never judges a client who came once, however long ago', () => {
    // Prepare
    const summary = summaryOf([{ day: '2020-01-01' }]);
    // Act
    const state = rhythmState(summary, asOf);
    // Assess
    expect(state).toEqual({ kind: 'one-visit', daysSinceLastVisit: 2511 });
  });

  it('counts two visits on the same day as one visit day', () => {
    const summary = summaryOf([{ day: '2026-01-01' }, { day: '2026-01-01' }, { day: '2026-02-01' }]);
    expect(rhythmState(summary, asOf)).toMatchObject({ kind: 'too-few-visits', visitDays: 2 });
  });

  it('is overdue once away longer than 1.5 times the 90th-percentile gap', () => {
    const history = everyNDays(6, 40, '2026-08-01'); // gaps of 40 days: overdue after 60
    expect(rhythmState(summaryOf(history), addDays('2026-08-01', 60))).toMatchObject({ kind: 'on-rhythm', overdueAfterDays: 60 });
    expect(rhythmState(summaryOf(history), addDays('2026-08-01', 61))).toMatchObject({ kind: 'overdue', daysSinceLastVisit: 61 });
  });

  it('never calls a weekly client overdue before the minimum days', () => {
    const history = everyNDays(10, 7, '2026-11-01');
    expect(rhythmState(summaryOf(history), addDays('2026-11-01', 25))).toMatchObject({ kind: 'on-rhythm', overdueAfterDays: 30 });
  });

  it('waits past the longest gap the client already came back from (courses of physiotherapy)', () => {
    // Two weekly courses 120 days apart, the last ended 100 days ago: between courses, not lost.
    const first = everyNDays(8, 7, '2026-03-01');
    const second = everyNDays(8, 7, addDays('2026-03-01', 120 + 49));
    const summary = summaryOf([...first, ...second]);
    const last = summary.lastVisit;
    expect(rhythmState(summary, addDays(last, 100))).toMatchObject({ kind: 'on-rhythm', longestGapDays: 120, overdueAfterDays: 120 });
    expect(rhythmState(summary, addDays(last, 121)).kind).toBe('overdue');
    expect(rhythmState(summary, addDays(last, 100), { ...defaultLapseRule.rhythm, beyondLongestGap: false }).kind).toBe('overdue');
  });

  it('counts days in the calendar, whatever time of day or zone the visits were at', () => {
    const summary = summaryOf([{ day: '2026-03-28' }, { day: '2026-03-29' }, { day: '2026-03-30' }]);
    // 2026-03-29 is the EU switch to summer time: still one day per day.
    expect(rhythmState(summary, '2026-04-30')).toMatchObject({ daysSinceLastVisit: 31 });
  });
});

describe('early drop-outs', () => {
  // Came twice, three weeks apart: an early drop-out once away more than 3 x 21 = 63 days.
  const twice = summaryOf([{ day: '2026-03-01' }, { day: '2026-03-22' }]);

  it('flags a client who came twice and stayed away past a multiple of their one gap, as its own kind', () => {
    expect(assessLapse(twice, addDays('2026-03-22', 63), undefined).status).toBe('too-few-visits');
    const assessment = assessLapse(twice, addDays('2026-03-22', 64), undefined);
    expect(assessment.status).toBe('lapsed');
    if (assessment.status !== 'lapsed') return;
    expect(assessment.explanation).toMatchObject({ kind: 'early-drop-out', daysSinceLastVisit: 64, visitDays: 2, overdueAfterDays: 63 });
    expect(assessment.explanation.rule).toBe('came 2 times, then stayed away more than 3x their gap');
  });

  it('never flags sooner than the floor, however close the two visits were', () => {
    const sameWeek = summaryOf([{ day: '2026-03-01' }, { day: '2026-03-03' }]);
    expect(assessLapse(sameWeek, addDays('2026-03-03', 60), undefined).status).toBe('too-few-visits');
    expect(assessLapse(sameWeek, addDays('2026-03-03', 61), undefined)).toMatchObject({ status: 'lapsed', explanation: { kind: 'early-drop-out' } });
  });

  it('follows the configured multiple and floor, and never judges a one-visit client', () => {
    const rule: LapseRule = { ...defaultLapseRule, earlyDropOut: { gapMultiple: 5, minimumDays: 30 } };
    expect(assessLapse(twice, addDays('2026-03-22', 105), undefined, rule).status).toBe('too-few-visits');
    expect(assessLapse(twice, addDays('2026-03-22', 106), undefined, rule).status).toBe('lapsed');
    expect(assessLapse(summaryOf([{ day: '2020-01-01' }]), asOf, undefined, rule).status).toBe('one-visit');
  });

  it('refuses a multiple under 1 or a floor under a day', () => {
    expect(() => checkLapseRule({ ...defaultLapseRule, earlyDropOut: { gapMultiple: 0.5, minimumDays: 60 } })).toThrow(LapseRuleError);
    expect(() => checkLapseRule({ ...defaultLapseRule, earlyDropOut: { gapMultiple: 3, minimumDays: 0 } })).toThrow(LapseRuleError);
  });
});

describe('assessLapse', () => {
  const regular = summaryOf(everyNDays(8, 30, '2026-06-01'));
  const awayLong = addDays('2026-06-01', 120);

  it('flags a regular when the rhythm and the model agree, and explains it in numbers', () => {
    const assessment = assessLapse(regular, awayLong, { pAlive: 0.2, valueAtRisk: euros(42_000) });
    expect(assessment.status).toBe('lapsed');
    if (assessment.status !== 'lapsed') return;
    expect(assessment.explanation).toEqual({
      kind: 'lapsed-regular',
      rule: 'rhythm and model agree',
      lastVisit: '2026-06-01',
      daysSinceLastVisit: 120,
      visitDays: 8,
      usualGapDays: 30,
      overdueAfterDays: 45,
      pAlive: 0.2,
      valueAtRisk: euros(42_000),
    });
  });

  it('does not flag when only one signal says gone under the default "both"', () => {
    expect(assessLapse(regular, awayLong, { pAlive: 0.9 }).status).toBe('active');
    expect(assessLapse(regular, addDays('2026-06-01', 20), { pAlive: 0.3 }).status).toBe('active');
  });

  it('follows the configured combination', () => {
    const either: LapseRule = { ...defaultLapseRule, combine: 'either' };
    expect(assessLapse(regular, awayLong, { pAlive: 0.9 }, either).status).toBe('lapsed');
    expect(assessLapse(regular, addDays('2026-06-01', 20), { pAlive: 0.3 }, either).status).toBe('lapsed');
    const model: LapseRule = { ...defaultLapseRule, combine: 'model' };
    expect(assessLapse(regular, awayLong, { pAlive: 0.9 }, model).status).toBe('active');
  });

  it('lets a confident model speak alone for a long history', () => {
    const long = summaryOf(everyNDays(12, 10, '2026-10-20'));
    const assessment = assessLapse(long, '2026-11-16', { pAlive: 0.01 });
    expect(assessment.status).toBe('lapsed');
    if (assessment.status === 'lapsed') expect(assessment.explanation.rule).toBe('model is sure they are gone (long history)');
    expect(assessLapse(summaryOf(everyNDays(4, 10, '2026-10-20')), '2026-11-16', { pAlive: 0.01 }).status).toBe('active');
  });

  it('uses the rhythm alone before any model was fitted, and says so', () => {
    const assessment = assessLapse(regular, awayLong, undefined);
    expect(assessment.status).toBe('lapsed');
    if (assessment.status === 'lapsed') expect(assessment.explanation.rule).toBe('overdue against their own rhythm (no model fitted yet)');
  });

  it('never calls a one-visit client a lapsed regular, even with P(alive) near zero', () => {
    const once = summaryOf([{ day: '2024-01-01' }]);
    const rule: LapseRule = { ...defaultLapseRule, combine: 'model', modelAloneMinVisitDays: 1 };
    expect(assessLapse(once, asOf, { pAlive: 0.0001 }, rule).status).toBe('one-visit');
  });

  it('rejects settings that cannot work', () => {
    expect(() => checkLapseRule({ ...defaultLapseRule, pAliveBelow: 1.5 })).toThrow(LapseRuleError);
    expect(() => checkLapseRule({ ...defaultLapseRule, rhythm: { ...defaultLapseRule.rhythm, minVisitDays: 1 } })).toThrow(/at least 2/);
    expect(checkLapseRule(defaultLapseRule)).toBe(defaultLapseRule);
  });
});

describe('a tuned rule', () => {
  const tuned: LapseRule = {
    ...defaultLapseRule,
    combine: 'rhythm',
    pAliveBelow: 0.8,
    rhythm: { ...defaultLapseRule.rhythm, longGapMultiplier: 1, minimumDays: 14 },
    earlyDropOut: { gapMultiple: 2, minimumDays: 45 },
  };

  it('takes every setting the tuning found over the defaults', () => {
    expect(ruleWithTuning(defaultLapseRule, tuned, [])).toEqual(tuned);
  });

  it('leaves a setting given in the environment as it is', () => {
    const own = { ...defaultLapseRule, combine: 'both' as const, earlyDropOut: { gapMultiple: 5, minimumDays: 45 } };
    const rule = ruleWithTuning(own, tuned, ['combine', 'earlyDropOutGapMultiple']);
    expect(rule.combine).toBe('both');
    expect(rule.earlyDropOut).toEqual({ gapMultiple: 5, minimumDays: 45 });
    expect(rule.pAliveBelow).toBe(0.8);
    expect(rule.rhythm.minimumDays).toBe(14);
  });
});
