import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ageAtPAlive,
  bgNbdLogLikelihood,
  expectedVisits,
  expectedVisitsIfAlive,
  fitBgNbd,
  FrequencyError,
  ModelNotIdentifiableError,
  pAlive,
  type BgNbdParameters,
  type Frequency,
} from '../../../shared/stats/bg-nbd.ts';
import { expectedSpendPerVisit, fitGammaGamma, gammaGammaLogLikelihood } from '../../../shared/stats/gamma-gamma.ts';
import { decodeModelInputs, encodeModelInputs, fitLapseModel, modelInput, scoreClient, type ModelInput } from '../../../shared/lapse/lapse-model.ts';
import { simulateClients } from '../../support/bg-nbd-simulation.ts';
import { everyNDays, summaryOf } from '../../support/histories.ts';
import { cdnowSummary } from '../../support/cdnow.ts';

const within = (actual: number, expected: number, share: number): void => {
  expect(Math.abs(actual - expected) / expected, `${actual} vs ${expected}`).toBeLessThanOrEqual(share);
};

// Fader, Hardie and Lee (2005), as in ../shared/data/cdnow/README.md.
const published = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259, logLikelihood: -9582.4 };

describe('BG/NBD on CDNOW', () => {
  const fit = fitBgNbd(cdnowSummary('cdnow_customers_summary.csv'));

  it('reproduces the published parameters within 0.5% and the log-likelihood within 0.1', () => {
    within(fit.r, published.r, 0.005);
    within(fit.alpha, published.alpha, 0.005);
    within(fit.a, published.a, 0.005);
    within(fit.b, published.b, 0.005);
    expect(Math.abs(fit.logLikelihood - published.logLikelihood)).toBeLessThanOrEqual(0.1);
    expect(fit.clients).toBe(2357);
    expect(fit.iterations).toBeGreaterThan(0);
  });

  it('finds the same optimum from a million replicated clients', () => {
    const rows = cdnowSummary('cdnow_customers_summary.csv');
    const replicated = Array.from({ length: 10 * rows.length }, (_, i) => rows[i % rows.length]!);
    const big = fitBgNbd(replicated);
    within(big.r, fit.r, 1e-4);
    within(big.b, fit.b, 1e-4);
    expect(big.logLikelihood / 10).toBeCloseTo(fit.logLikelihood, 1);
  });

  it('sums the per-client log-likelihood to the fitted total', () => {
    const rows = cdnowSummary('cdnow_customers_summary.csv');
    const total = rows.reduce((sum, row) => sum + bgNbdLogLikelihood(fit, row), 0);
    expect(total).toBeCloseTo(fit.logLikelihood, 6);
  });

  it('gives the published conditional expectation for a known customer', () => {
    // The paper's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
    expect(expectedVisits(published, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 2);
  });
});

describe('BG/NBD on clients drawn from its own story', () => {
  it('recovers the parameters that generated them', () => {
    const fit = fitBgNbd(simulateClients({ r: 0.6, alpha: 20, dropout: { a: 0.8, b: 3 } }, 20_000));
    within(fit.r, 0.6, 0.1);
    within(fit.alpha, 20, 0.1);
    within(fit.a / (fit.a + fit.b), 0.8 / 3.8, 0.1);
  });

  it('converges when everyone is equally likely to leave, instead of running up a ridge', () => {
    // The likelihood keeps rising as a and b grow with a / (a + b) fixed: the limit is one dropout chance for all.
    const fit = fitBgNbd(simulateClients({ r: 1.5, alpha: 30, dropout: { p: 0.1 } }, 5_000));
    expect(fit.iterations).toBeLessThan(200);
    expect(fit.a + fit.b).toBeGreaterThan(100);
    within(fit.a / (fit.a + fit.b), 0.1, 0.15);
    within(fit.r / fit.alpha, 1.5 / 30, 0.1);
  });
});

describe('Gamma-Gamma on CDNOW', () => {
  it('reproduces p, q and gamma within 1% on the 946 customers with repeat purchases', () => {
    const rows = cdnowSummary('cdnow_customers_summary_with_transactions.csv').filter((row) => row.x > 0);
    expect(rows).toHaveLength(946);
    const fit = fitGammaGamma(rows.map((row) => ({ visits: row.x, meanSpend: row.zbar })));
    within(fit.p, 6.25, 0.01);
    within(fit.q, 3.74, 0.01);
    within(fit.gamma, 15.44, 0.01);
    const total = rows.reduce((sum, row) => sum + gammaGammaLogLikelihood(fit, { visits: row.x, meanSpend: row.zbar }), 0);
    expect(total).toBeCloseTo(fit.logLikelihood, 6);
  });

  it('shrinks a client’s mean toward the population, less so the more visits', () => {
    const parameters = { p: 6.25, q: 3.74, gamma: 15.44 };
    const population = expectedSpendPerVisit(parameters, { visits: 0, meanSpend: 0 });
    expect(population).toBeCloseTo((6.25 * 15.44) / 2.74, 6);
    const few = expectedSpendPerVisit(parameters, { visits: 1, meanSpend: 100 });
    const many = expectedSpendPerVisit(parameters, { visits: 20, meanSpend: 100 });
    expect(few).toBeGreaterThan(population);
    expect(few).toBeLessThan(many);
    expect(many).toBeLessThan(100);
  });

  it('refuses data with no spread instead of returning nonsense', () => {
    const same = Array.from({ length: 50 }, (_, i) => ({ visits: 1 + (i % 5), meanSpend: 40 }));
    expect(() => fitGammaGamma(same)).toThrow(ModelNotIdentifiableError);
    expect(() => fitGammaGamma(same.slice(0, 5))).toThrow(/at least 10/);
  });
});

describe('BG/NBD closed forms', () => {
  const parameters = fc.record({
    r: fc.double({ min: 0.05, max: 5, noNaN: true }),
    alpha: fc.double({ min: 0.5, max: 200, noNaN: true }),
    a: fc.double({ min: 0.05, max: 5, noNaN: true }),
    b: fc.double({ min: 0.05, max: 10, noNaN: true }),
  });
  const history = fc
    .record({ x: fc.integer({ min: 1, max: 60 }), tx: fc.double({ min: 0.5, max: 400, noNaN: true }), gap: fc.double({ min: 0, max: 400, noNaN: true }) })
    .map(({ x, tx, gap }) => ({ x, tx, T: tx + gap }));

  it('keeps P(alive) in [0, 1]', () => {
    fc.assert(
      fc.property(parameters, history, (p, row) => {
        const value = pAlive(p, row);
        return value >= 0 && value <= 1;
      }),
    );
  });

  it('lowers P(alive) as time passes without a visit (x > 0)', () => {
    fc.assert(
      fc.property(parameters, history, fc.double({ min: 1, max: 300, noNaN: true }), (p, row, later) => {
        return pAlive(p, { ...row, T: row.T + later }) <= pAlive(p, row);
      }),
    );
  });

  it('raises P(alive) with a more recent last visit', () => {
    fc.assert(fc.property(parameters, history, (p, row) => pAlive(p, { ...row, tx: row.tx + (row.T - row.tx) / 2 }) >= pAlive(p, row)));
  });

  it('expects more visits over a longer window, never negative', () => {
    fc.assert(
      fc.property(parameters, history, fc.double({ min: 1, max: 365, noNaN: true }), (p, row, t) => {
        const shorter = expectedVisitsIfAlive(p, row, t);
        const longer = expectedVisitsIfAlive(p, row, 2 * t);
        return shorter >= 0 && longer >= shorter - 1e-9 && Math.abs(expectedVisits(p, row, t) - pAlive(p, row) * shorter) < 1e-9 * (1 + shorter);
      }),
    );
  });

  it('counts a one-visit client as alive: BG/NBD lets people leave only after a repeat visit', () => {
    expect(pAlive(published, { x: 0, tx: 0, T: 500 })).toBe(1);
  });

  it('tells the age at which P(alive) crosses a threshold', () => {
    const row = { x: 4, tx: 20, T: 25 };
    const age = ageAtPAlive(published, row, 0.5)!;
    expect(age).toBeGreaterThan(row.tx);
    expect(pAlive(published, { ...row, T: age })).toBeCloseTo(0.5, 9);
  });
});

describe('fitting fails clearly', () => {
  const oneVisitEach: Frequency[] = Array.from({ length: 100 }, (_, i) => ({ x: 0, tx: 0, T: 10 + i }));

  it('when nobody came back', () => {
    expect(() => fitBgNbd(oneVisitEach)).toThrow(/nobody came back/);
  });

  it('when there are too few clients', () => {
    expect(() => fitBgNbd(oneVisitEach.slice(0, 3))).toThrow(ModelNotIdentifiableError);
  });

  it('when a row is impossible, naming it', () => {
    const bad = [...oneVisitEach.slice(0, 20), { x: 2, tx: 50, T: 40 }];
    expect(() => fitBgNbd(bad)).toThrow(FrequencyError);
    expect(() => fitBgNbd(bad)).toThrow(/client 21, T: age must be at least the recency/);
  });

  it('when the data cannot tell whether anyone leaves, never with NaN', () => {
    // Everyone comes every 7 days up to today: no sign of anyone stopping.
    const loyal: Frequency[] = Array.from({ length: 200 }, (_, i) => ({ x: 10 + (i % 20), tx: 7 * (10 + (i % 20)), T: 7 * (10 + (i % 20)) }));
    let fitted: BgNbdParameters | undefined;
    try {
      fitted = fitBgNbd(loyal);
    } catch (error) {
      expect(error).toBeInstanceOf(ModelNotIdentifiableError);
    }
    if (fitted) expect(Object.values(fitted).every(Number.isFinite)).toBe(true);
  });
});

describe('the lapse model on visit summaries', () => {
  const asOf = '2026-06-01';
  // A clinic: weekly regulars still coming, monthly clients who stopped half a year ago, one-off visitors.
  const summaries = [
    ...Array.from({ length: 40 }, (_, i) => summaryOf(everyNDays(50, 7 + (i % 3), '2026-05-28', { euros: 40 + (i % 7) }))),
    ...Array.from({ length: 40 }, (_, i) => summaryOf(everyNDays(6 + (i % 4), 30 + (i % 5), '2025-12-01', { euros: 90 + 3 * (i % 5) }))),
    ...Array.from({ length: 40 }, (_, i) => summaryOf([{ day: `2025-${String(1 + (i % 12)).padStart(2, '0')}-15`, euros: 120 }])),
  ];
  const inputs = summaries.map((summary) => modelInput(summary, asOf));
  const model = fitLapseModel(inputs, { asOf, fittedAt: '2026-06-01T06:00:00.000Z', monthlyDiscountRate: 0.01 });

  it('fits both models on a clinic-like base and records the fit', () => {
    expect(model.clients).toBe(summaries.length);
    expect(model.spend?.currency).toBe('EUR');
    expect(model.spendProblem).toBeUndefined();
    expect(model.asOf).toBe(asOf);
  });

  it('scores a monthly client who stopped half a year ago well below a weekly regular', () => {
    const weekly = scoreClient(model, summaries[0]!, asOf);
    const stopped = scoreClient(model, summaries[40]!, asOf);
    const thenStillComing = scoreClient(model, summaries[40]!, '2025-12-20');
    expect(weekly.pAlive).toBeGreaterThan(0.9);
    expect(stopped.pAlive).toBeLessThan(weekly.pAlive - 0.3);
    expect(stopped.pAlive).toBeLessThan(thenStillComing.pAlive);
    expect(stopped.valueAtRisk!.currency).toBe('EUR');
    expect(Number.isInteger(stopped.valueAtRisk!.minor)).toBe(true);
    expect(stopped.valueAtRisk!.minor).toBeGreaterThan(0);
  });

  it('discounts: a higher monthly rate means less value at risk', () => {
    const cheap = scoreClient({ ...model, monthlyDiscountRate: 0 }, summaries[40]!, asOf).valueAtRisk!.minor;
    const dear = scoreClient({ ...model, monthlyDiscountRate: 0.05 }, summaries[40]!, asOf).valueAtRisk!.minor;
    expect(dear).toBeLessThan(cheap);
  });

  it('falls back to the client’s own mean spend for a currency the spend model was not fitted in', () => {
    const summary = { ...summaries[40]!, currency: 'GBP' };
    const score = scoreClient(model, summary, asOf);
    expect(score.valueAtRisk!.currency).toBe('GBP');
    const ownMean = scoreClient({ ...model, spend: undefined }, summary, asOf);
    expect(score.valueAtRisk).toEqual(ownMean.valueAtRisk);
  });

  it('leaves the spend model out, saying why, when spend cannot be modelled', () => {
    const flat = inputs.map((input) => ({ ...input, spend: 5000 }));
    const fitted = fitLapseModel(flat, { asOf, fittedAt: 'now', monthlyDiscountRate: 0.01 });
    expect(fitted.spend).toBeUndefined();
    expect(fitted.spendProblem).toMatch(/spends the same/);
  });

  it('round-trips model inputs through their binary form', () => {
    const mixed: ModelInput[] = [...inputs.slice(0, 5), { x: 3, tx: 40, T: 90, spend: 1234.5, currency: 'GBP', logGaps: 9.87 }];
    expect(decodeModelInputs(encodeModelInputs(mixed))).toEqual(mixed);
    expect(decodeModelInputs(new Uint8Array())).toEqual([]);
  });
});
