/**
 * Gamma-Gamma spend model (Fader, Hardie and Lee 2005, "RFM and CLV"): each visit's spend is
 * gamma(p, nu) around the client's own mean, and nu is gamma(q, gamma) across clients. It
 * shrinks a client's observed mean spend toward the clinic's, more so the fewer visits they have.
 */
import { ModelNotIdentifiableError } from './bg-nbd.ts';
import { minimize } from './optimize.ts';
import { digamma, lgamma } from './special-functions.ts';

/** One client's spending: how many visits the mean is over, and the mean. */
export interface Spending {
  readonly visits: number;
  /** Mean spend per visit, > 0. */
  readonly meanSpend: number;
}

export interface GammaGammaParameters {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export interface GammaGammaFit extends GammaGammaParameters {
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly clients: number;
}

export const gammaGammaLogLikelihood = ({ p, q, gamma }: GammaGammaParameters, { visits: x, meanSpend: m }: Spending): number =>
  lgamma(p * x + q) - lgamma(p * x) - lgamma(q) + q * Math.log(gamma) + (p * x - 1) * Math.log(m) + p * x * Math.log(x) - (p * x + q) * Math.log(x * m + gamma);

/** Distinct (visits, mean spend) pairs, each with how many clients have it. */
export interface WeightedSpending {
  readonly visits: Float64Array;
  readonly meanSpend: Float64Array;
  /** Clients with this pair; may be fractional. */
  readonly weight: Float64Array;
}

const objective =
  ({ visits, meanSpend, weight }: WeightedSpending, n: number) =>
  (theta: readonly number[], gradient: number[]): number => {
    const [p, q, gamma] = theta.map(Math.exp) as [number, number, number];
    const psiQ = digamma(q);
    const logGamma = Math.log(gamma);
    let value = 0;
    let gp = 0;
    let gq = 0;
    let gg = 0;
    for (let i = 0; i < visits.length; i++) {
      const x = visits[i]!;
      const m = meanSpend[i]!;
      const w = weight[i]!;
      const px = p * x;
      const psiPxQ = digamma(px + q);
      const logXmG = Math.log(x * m + gamma);
      value += w * gammaGammaLogLikelihood({ p, q, gamma }, { visits: x, meanSpend: m });
      gp += w * (x * (psiPxQ - digamma(px) + Math.log(m) + Math.log(x) - logXmG));
      gq += w * (psiPxQ - psiQ + logGamma - logXmG);
      gg += w * (q / gamma - (px + q) / (x * m + gamma));
    }
    gradient[0] = (-gp * p) / n;
    gradient[1] = (-gq * q) / n;
    gradient[2] = (-gg * gamma) / n;
    return -value / n;
  };

const logBound = 25;

const usable = (visits: number, meanSpend: number): boolean => visits > 0 && meanSpend > 0 && Number.isFinite(meanSpend);

/**
 * Maximum-likelihood fit on clients with at least one repeat visit and a positive mean
 * spend (the caller picks them). q must come out above 1, or the expected spend is infinite.
 */
export const fitGammaGamma = (rows: readonly Spending[]): GammaGammaFit => {
  const kept = rows.filter((row) => usable(row.visits, row.meanSpend));
  return fitWeighted(
    {
      visits: Float64Array.from(kept, (row) => row.visits),
      meanSpend: Float64Array.from(kept, (row) => row.meanSpend),
      weight: new Float64Array(kept.length).fill(1),
    },
    kept.length,
  );
};

/** The same fit over distinct (visits, mean spend) pairs weighted by how many clients have each: exact, no object per client. */
export const fitGammaGammaWeighted = (rows: WeightedSpending): GammaGammaFit => {
  const kept: number[] = [];
  let total = 0;
  for (let i = 0; i < rows.visits.length; i++) {
    if (usable(rows.visits[i]!, rows.meanSpend[i]!) && rows.weight[i]! > 0) {
      kept.push(i);
      total += rows.weight[i]!;
    }
  }
  const pick = (column: Float64Array): Float64Array => Float64Array.from(kept, (i) => column[i]!);
  return fitWeighted({ visits: pick(rows.visits), meanSpend: pick(rows.meanSpend), weight: pick(rows.weight) }, total);
};

const fitWeighted = (rows: WeightedSpending, clients: number): GammaGammaFit => {
  if (clients < 10) throw new ModelNotIdentifiableError(`the spend model needs at least 10 returning clients who paid, there are ${clients}`);
  let least = Infinity;
  let most = -Infinity;
  let sum = 0;
  for (let i = 0; i < rows.meanSpend.length; i++) {
    const mean = rows.meanSpend[i]!;
    least = Math.min(least, mean);
    most = Math.max(most, mean);
    sum += rows.weight[i]! * mean;
  }
  if (most === least) {
    throw new ModelNotIdentifiableError('every client spends the same on average, so there is no spread for the spend model to learn');
  }
  const overall = sum / clients;
  // p = 1, q = 2, gamma = the overall mean: a population mean spend p·gamma/(q-1) that matches the data.
  const result = minimize(objective(rows, clients), [0, Math.log(2), Math.log(overall)]);
  if (!result.converged || !Number.isFinite(result.value)) {
    throw new ModelNotIdentifiableError(`the spend model did not converge after ${result.iterations} iterations`);
  }
  if (result.x.some((value) => Math.abs(value) > logBound)) {
    throw new ModelNotIdentifiableError('the spend model runs off to a boundary: spend per visit hardly varies within clients');
  }
  const [p, q, gamma] = result.x.map(Math.exp) as [number, number, number];
  if (!(q > 1)) throw new ModelNotIdentifiableError(`the spend model's q is ${q.toFixed(3)}, at most 1: spend is too heavy-tailed for an expected value`);
  return { p, q, gamma, logLikelihood: -result.value * clients, iterations: result.iterations, clients };
};

/** Expected spend per visit for a client with this history: their own mean, shrunk toward the clinic's. */
export const expectedSpendPerVisit = ({ p, q, gamma }: GammaGammaParameters, { visits: x, meanSpend: m }: Spending): number =>
  x > 0 ? (p * (gamma + x * m)) / (p * x + q - 1) : (p * gamma) / (q - 1);
