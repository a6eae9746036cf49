import { describe, expect, it } from 'vitest';
import { fitMbgCnbd, mbgAgeAtPAlive, mbgCnbdLogLikelihood, mbgExpectedVisits, mbgPAlive } from '../../../shared/stats/mbg-cnbd.ts';
import { hyp2f1 } from '../../../shared/stats/special-functions.ts';
import { ModelNotIdentifiableError } from '../../../shared/stats/bg-nbd.ts';
import { simulateRegularClients } from '../../support/bg-nbd-simulation.ts';
import { cdnowSummary } from '../../support/cdnow.ts';

// lifetimes' ModifiedBetaGeoFitter on cdnow_customers_summary.csv (its test, after BTYDplus).
const reference = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };

/** lifetimes' MBG/NBD formulas as that library writes them, to compare predictions at its parameters. */
const lifetimes = {
  pAlive: ({ r, alpha, a, b }: typeof reference, x: number, tx: number, T: number) => 1 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x)),
  expected: ({ r, alpha, a, b }: typeof reference, t: number, x: number, tx: number, T: number) =>
    (((a + b + x) / (a - 1)) * (1 - hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t)) * ((alpha + T) / (alpha + t + T)) ** (r + x))) /
    (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x)),
};

describe('MBG/NBD (MBG/CNBD-k with k = 1) on CDNOW', () => {
  const rows = cdnowSummary('cdnow_customers_summary.csv');
  const fit = fitMbgCnbd(rows, 1);

  it("agrees with lifetimes' ModifiedBetaGeoFitter: parameters within 0.5%", () => {
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit[name] - reference[name]) / reference[name], `${name}: ${fit[name]} vs ${reference[name]}`).toBeLessThan(0.005);
    }
  });

  it('predicts as lifetimes does: the same closed forms at the same parameters, and at its published ones within 1e-3', () => {
    let formulas = 0;
    let alive = 0;
    let visits = 0;
    for (const { x, tx, T } of rows) {
      formulas = Math.max(formulas, Math.abs(mbgPAlive(fit, { x, tx, T }) - lifetimes.pAlive(fit, x, tx, T)));
      formulas = Math.max(formulas, Math.abs(mbgExpectedVisits(fit, { x, tx, T }, 39) - lifetimes.expected(fit, 39, x, tx, T)));
      alive = Math.max(alive, Math.abs(mbgPAlive(fit, { x, tx, T }) - lifetimes.pAlive(reference, x, tx, T)));
      // Relative: a heavy buyer expects 20 visits, and the reference gives three decimals.
      const expected = lifetimes.expected(reference, 39, x, tx, T);
      visits = Math.max(visits, Math.abs(mbgExpectedVisits(fit, { x, tx, T }, 39) - expected) / Math.max(1, expected));
    }
    expect(formulas).toBeLessThan(1e-9);
    expect(alive).toBeLessThan(1e-3);
    expect(visits).toBeLessThan(1e-3);
  });

  it('sums the per-client log-likelihood to the fitted total, and beats nearby parameters', () => {
    const total = (parameters: typeof fit) => rows.reduce((sum, row) => sum + mbgCnbdLogLikelihood(parameters, row), 0);
    expect(total(fit)).toBeCloseTo(fit.logLikelihood, 6);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(total({ ...fit, [name]: fit[name] * 1.02 })).toBeLessThan(fit.logLikelihood);
      expect(total({ ...fit, [name]: fit[name] * 0.98 })).toBeLessThan(fit.logLikelihood);
    }
  });

  it('lets a one-time customer be gone, unlike BG/NBD', () => {
    expect(mbgPAlive(fit, { x: 0, tx: 0, T: 39 })).toBeLessThan(1);
    expect(mbgPAlive(fit, { x: 0, tx: 0, T: 39 })).toBeGreaterThan(0.3);
  });
});

describe('MBG/CNBD-k on clients drawn from its own story', () => {
  for (const truth of [
    { k: 2, r: 1.2, alpha: 30, a: 0.8, b: 6 },
    { k: 3, r: 2, alpha: 40, a: 1.2, b: 8 },
  ]) {
    it(`recovers k = ${truth.k} and its parameters from 20,000 clients`, () => {
      const clients = simulateRegularClients(truth, 20_000, 100 + truth.k, 300, 900);
      const fit = fitMbgCnbd(clients);
      expect(fit.k).toBe(truth.k);
      for (const name of ['r', 'alpha', 'a', 'b'] as const) {
        expect(Math.abs(fit[name] - truth[name]) / truth[name], `${name}: ${fit[name]} vs ${truth[name]}`).toBeLessThan(0.2);
      }
    });
  }

  it('sees a regular client who missed several of their gaps as gone, where k = 1 still hopes', () => {
    const regular = { k: 4, r: 4, alpha: 30, a: 1, b: 20 };
    const random = { ...regular, k: 1 };
    // Ten visits a month apart, then three months of nothing.
    const row = { x: 9, tx: 270, T: 360 };
    expect(mbgPAlive(regular, row)).toBeLessThan(mbgPAlive(random, row));
    expect(mbgPAlive(regular, { ...row, T: 280 })).toBeGreaterThan(0.9);
  });

  it('tells the age at which P(alive) crosses a threshold, and none when it never does within the horizon', () => {
    const parameters = { k: 3, r: 2, alpha: 40, a: 1.2, b: 8 };
    const row = { x: 5, tx: 150, T: 170 };
    const age = mbgAgeAtPAlive(parameters, row, 0.5, 3650)!;
    expect(age).toBeGreaterThan(row.T);
    expect(mbgPAlive(parameters, { ...row, T: age })).toBeCloseTo(0.5, 4);
    expect(mbgAgeAtPAlive(parameters, row, 1e-12, 10)).toBeUndefined();
  });
});

describe('MBG/CNBD-k fails clearly', () => {
  it('when nobody came back', () => {
    expect(() =>
      fitMbgCnbd(
        Array.from({ length: 20 }, () => ({ x: 0, tx: 0, T: 50 })),
        2,
      ),
    ).toThrow(ModelNotIdentifiableError);
  });

  it('when k is not a whole number', () => {
    expect(() => fitMbgCnbd(cdnowSummary('cdnow_customers_summary.csv'), 1.5)).toThrow('whole number');
  });
});
