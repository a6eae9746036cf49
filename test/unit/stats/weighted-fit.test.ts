import { describe, expect, it } from 'vitest';
import { fitBgNbd, fitBgNbdWeighted, FrequencyError, ModelNotIdentifiableError, type Frequency } from '../../../shared/stats/bg-nbd.ts';
import { fitGammaGamma, fitGammaGammaWeighted } from '../../../shared/stats/gamma-gamma.ts';
import { RowTally } from '../../../shared/stats/row-tally.ts';
import { cdnowSummary } from '../../support/cdnow.ts';

const tallied = (rows: readonly Frequency[]) => {
  const tally = new RowTally();
  for (const { x, tx, T } of rows) tally.add(x, tx, T);
  const { first, second, third, count } = tally.columns();
  return { x: first, tx: second, T: third, weight: count };
};

describe('counting identical rows once', () => {
  it('keeps each distinct row once, in the order first added, with how many times it came', () => {
    const tally = new RowTally();
    for (const [a, b, c] of [
      [1, 2, 3],
      [0, 0, 5],
      [1, 2, 3],
      [-0, 0, 5],
      [1, 2, 4],
    ] as const)
      tally.add(a, b, c);
    expect([tally.size, tally.total]).toEqual([3, 5]);
    const { first, second, third, count } = tally.columns();
    expect([[...first], [...second], [...third], [...count]]).toEqual([
      [1, 0, 1],
      [2, 0, 2],
      [3, 5, 4],
      [2, 2, 1],
    ]);
  });

  it('stays exact past many growths', () => {
    const tally = new RowTally();
    for (let round = 0; round < 3; round++) for (let i = 0; i < 50_000; i++) tally.add(i % 7, i / 3, i);
    expect([tally.size, tally.total]).toEqual([50_000, 150_000]);
    const { first, second, third, count } = tally.columns();
    expect(count.every((n) => n === 3)).toBe(true);
    expect([first[49_999], second[49_999], third[49_999]]).toEqual([49_999 % 7, 49_999 / 3, 49_999]);
  });
});

describe('the fits over counted rows', () => {
  const rows = cdnowSummary('cdnow_customers_summary_with_transactions.csv');
  // Every client three times: a third of the rows with weight 3 must give the same fit.
  const tripled = [...rows, ...rows, ...rows];

  it('BG/NBD: the same fit as over every client', () => {
    const everyone = fitBgNbd(tripled);
    const counted = fitBgNbdWeighted(tallied(tripled));
    expect(counted.clients).toBe(everyone.clients);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(counted[key]).toBeCloseTo(everyone[key], 8);
    expect(counted.logLikelihood).toBeCloseTo(everyone.logLikelihood, 4);
    // Fader, Hardie and Lee (2005) on CDNOW, three times over.
    expect(counted.logLikelihood / 3).toBeCloseTo(-9582.4, 1);
  });

  it('BG/NBD: the same checks as over every client', () => {
    const weights = (weight: number[]) => ({
      x: new Float64Array([1, 0]),
      tx: new Float64Array([2, 0]),
      T: new Float64Array([5, 5]),
      weight: new Float64Array(weight),
    });
    expect(() => fitBgNbdWeighted(weights([4, 5]))).toThrow(new ModelNotIdentifiableError('the lapse model needs at least 10 clients, there are 9'));
    expect(() => fitBgNbdWeighted({ ...weights([5, 5]), T: new Float64Array([1, 5]) })).toThrow(FrequencyError);
    const nobodyBack = { x: new Float64Array([0]), tx: new Float64Array([0]), T: new Float64Array([5]), weight: new Float64Array([20]) };
    expect(() => fitBgNbdWeighted(nobodyBack)).toThrow(/nobody came back/);
  });

  it('Gamma-Gamma: the same fit as over every returning client', () => {
    const spending = tripled.filter((row) => row.x > 0 && row.zbar > 0).map((row) => ({ visits: row.x, meanSpend: row.zbar }));
    const everyone = fitGammaGamma(spending);
    const tally = new RowTally();
    for (const { visits, meanSpend } of spending) tally.add(visits, meanSpend);
    const { first, second, count } = tally.columns();
    const counted = fitGammaGammaWeighted({ visits: first, meanSpend: second, weight: count });
    expect(counted.clients).toBe(everyone.clients);
    for (const key of ['p', 'q', 'gamma'] as const) expect(counted[key]).toBeCloseTo(everyone[key], 6);
    expect(counted.logLikelihood).toBeCloseTo(everyone.logLikelihood, 3);
  });
});
