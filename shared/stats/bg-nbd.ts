/**
 * BG/NBD (Fader, Hardie and Lee 2005): while alive a client visits as a Poisson process whose
 * rate is gamma(r, alpha) across clients; after each visit they leave for good with a
 * probability that is beta(a, b) across clients. Time is in whatever unit the inputs use
 * (days for visits, weeks for the CDNOW summary).
 */
import { minimize } from './optimize.ts';
import { digamma, hyp2f1, lgamma } from './special-functions.ts';
import { logAddExp, logBound, ridgePenalty } from './likelihood.ts';
import { AppError } from '../common/app-error.ts';

/** One client's history as lifetimes summarises it. */
export interface Frequency {
  /** Repeat visits: visit occasions after the first. */
  readonly x: number;
  /** Age at the last visit: time from the first visit to the last. */
  readonly tx: number;
  /** Age now: time from the first visit to the end of observation. */
  readonly T: number;
}

export interface BgNbdParameters {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export interface BgNbdFit extends BgNbdParameters {
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly clients: number;
}

/** The data cannot pin the model down (nobody came back, too few clients, a parameter runs off to 0 or infinity). */
export class ModelNotIdentifiableError extends AppError {
  override readonly name = 'ModelNotIdentifiableError';
  readonly kind = 'unprocessable';
}

export class FrequencyError extends AppError {
  override readonly name = 'FrequencyError';
  readonly kind = 'invalid';
}

/** What is impossible about a row, and in which of its numbers. */
export const checkFrequency = (row: Frequency): { field: keyof Frequency; reason: string } | undefined => {
  if (!(Number.isInteger(row.x) && row.x >= 0)) return { field: 'x', reason: `repeat visits must be a whole number >= 0, got ${row.x}` };
  if (!(Number.isFinite(row.tx) && row.tx >= 0)) return { field: 'tx', reason: `recency must be >= 0, got ${row.tx}` };
  if (!(Number.isFinite(row.T) && row.T >= row.tx)) return { field: 'T', reason: `age must be at least the recency (${row.tx}), got ${row.T}` };
  if (row.x === 0 && row.tx !== 0) return { field: 'tx', reason: `recency must be 0 when there are no repeat visits, got ${row.tx}` };
  if (row.x > 0 && row.tx === 0) return { field: 'tx', reason: 'recency must be > 0 when there are repeat visits' };
  return undefined;
};

/** One client's log-likelihood. */
export const bgNbdLogLikelihood = ({ r, alpha, a, b }: BgNbdParameters, { x, tx, T }: Frequency): number => {
  const a1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  const a4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
  return a1 + a2 + logAddExp(a3, a4);
};

/** Distinct histories, each with how many clients have it. */
export interface WeightedFrequencies {
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  /** Clients with this history; may be fractional. */
  readonly weight: Float64Array;
}

interface Collapsed extends WeightedFrequencies {
  /** Per row, the index into the distinct repeat counts, whose special functions are shared. */
  readonly xIndex: Uint32Array;
  readonly xs: readonly number[];
}

const indexRepeats = (rows: WeightedFrequencies): Collapsed => {
  const xIndex = new Uint32Array(rows.x.length);
  const indexOf = new Map<number, number>();
  for (let i = 0; i < rows.x.length; i++) {
    const x = rows.x[i]!;
    let index = indexOf.get(x);
    if (index === undefined) {
      index = indexOf.size;
      indexOf.set(x, index);
    }
    xIndex[i] = index;
  }
  return { ...rows, xIndex, xs: [...indexOf.keys()] };
};

/** Clients with the same (x, t_x, T) contribute the same term: a million clients collapse to a few thousand rows. */
const collapse = (rows: readonly Frequency[]): Collapsed => {
  const byKey = new Map<string, { x: number; tx: number; T: number; weight: number }>();
  for (const { x, tx, T } of rows) {
    const key = `${x} ${tx} ${T}`;
    const seen = byKey.get(key);
    if (seen) seen.weight++;
    else byKey.set(key, { x, tx, T, weight: 1 });
  }
  const distinct = [...byKey.values()];
  return indexRepeats({
    x: Float64Array.from(distinct, (row) => row.x),
    tx: Float64Array.from(distinct, (row) => row.tx),
    T: Float64Array.from(distinct, (row) => row.T),
    weight: Float64Array.from(distinct, (row) => row.weight),
  });
};

/**
 * Mean negative log-likelihood over log-parameters θ = ln(r, alpha, a, b), with its exact
 * gradient: log-parameters keep every step inside the domain, the mean keeps tolerances
 * independent of how many clients there are.
 */
const objective =
  ({ x: xOf, tx: txOf, T: TOf, weight: weightOf, xIndex, xs }: Collapsed, total: number) =>
  (theta: readonly number[], gradient: number[]): number => {
    const [r, alpha, a, b] = theta.map(Math.exp) as [number, number, number, number];
    const psiR = digamma(r);
    const psiB = digamma(b);
    const psiAB = digamma(a + b);
    const lgR = lgamma(r);
    const lgB = lgamma(b);
    const lgAB = lgamma(a + b);
    const logAlpha = Math.log(alpha);
    const logA = Math.log(a);
    // The gamma-function terms depend on x alone: once per distinct x, not per client.
    const a12Of = new Float64Array(xs.length);
    const psiRxOf = new Float64Array(xs.length);
    const psiBxOf = new Float64Array(xs.length);
    const psiABxOf = new Float64Array(xs.length);
    const logBx1Of = new Float64Array(xs.length);
    xs.forEach((x, k) => {
      a12Of[k] = lgamma(r + x) - lgR + r * logAlpha + lgAB + lgamma(b + x) - lgB - lgamma(a + b + x);
      psiRxOf[k] = digamma(r + x);
      psiBxOf[k] = digamma(b + x);
      psiABxOf[k] = digamma(a + b + x);
      logBx1Of[k] = x > 0 ? Math.log(b + x - 1) : 0;
    });
    let value = 0;
    let gr = 0;
    let gAlpha = 0;
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < xOf.length; i++) {
      const x = xOf[i]!;
      const tx = txOf[i]!;
      const T = TOf[i]!;
      const weight = weightOf[i]!;
      const k = xIndex[i]!;
      const logAlphaT = Math.log(alpha + T);
      const a3 = -(r + x) * logAlphaT;
      let a4 = -Infinity;
      let logAlphaTx = 0;
      if (x > 0) {
        logAlphaTx = Math.log(alpha + tx);
        a4 = logA - logBx1Of[k]! - (r + x) * logAlphaTx;
      }
      const tail = logAddExp(a3, a4);
      value += weight * (a12Of[k]! + tail);

      const w3 = Math.exp(a3 - tail);
      const w4 = x > 0 ? Math.exp(a4 - tail) : 0;
      gr += weight * (psiRxOf[k]! - psiR + logAlpha - w3 * logAlphaT - w4 * logAlphaTx);
      gAlpha += weight * (r / alpha - w3 * ((r + x) / (alpha + T)) - (x > 0 ? w4 * ((r + x) / (alpha + tx)) : 0));
      ga += weight * (psiAB - psiABxOf[k]! + (x > 0 ? w4 / a : 0));
      gb += weight * (psiAB + psiBxOf[k]! - psiB - psiABxOf[k]! - (x > 0 ? w4 / (b + x - 1) : 0));
    }
    // d/dθ = p · d/dp for p = e^θ; negated and averaged.
    gradient[0] = (-gr * r) / total;
    gradient[1] = (-gAlpha * alpha) / total;
    gradient[2] = (-ga * a) / total;
    gradient[3] = (-gb * b) / total;
    const penalty = ridgePenalty(theta[0]!, gradient, 0) + ridgePenalty(theta[2]!, gradient, 2) + ridgePenalty(theta[3]!, gradient, 3);
    return -value / total + penalty;
  };

/**
 * What every count model's fit needs of its rows: each one possible, at least 10 clients, some
 * who came back, and some time to learn from. A FrequencyError or ModelNotIdentifiableError names what is missing.
 */
export const checkFitRows = (rows: readonly Frequency[]): void => {
  rows.forEach((row, i) => {
    const problem = checkFrequency(row);
    if (problem) throw new FrequencyError(`client ${i + 1}, ${problem.field}: ${problem.reason}`);
  });
  if (rows.length < 10) throw new ModelNotIdentifiableError(`the lapse model needs at least 10 clients, there are ${rows.length}`);
  if (!rows.some((row) => row.x > 0)) throw new ModelNotIdentifiableError('nobody came back a second time, so the model cannot tell how often clients return');
  if (!rows.some((row) => row.T > 0)) throw new ModelNotIdentifiableError('every client was first seen on the as-of day: there is no time to learn from');
};

/** Maximum-likelihood fit over all clients; throws ModelNotIdentifiableError when the data cannot identify it. */
export const fitBgNbd = (rows: readonly Frequency[]): BgNbdFit => {
  checkFitRows(rows);
  const meanX = rows.reduce((sum, row) => sum + row.x, 0) / rows.length;
  const meanT = rows.reduce((sum, row) => sum + row.T, 0) / rows.length;
  return fitCollapsed(collapse(rows), rows.length, meanX, meanT);
};

/**
 * The same fit over distinct histories weighted by how many clients have each (a RowTally's
 * columns, say): exact, and no object per client. Same checks and errors as fitBgNbd.
 */
export const fitBgNbdWeighted = (rows: WeightedFrequencies): BgNbdFit => {
  let total = 0;
  let sumX = 0;
  let sumT = 0;
  let returned = false;
  let aged = false;
  for (let i = 0; i < rows.x.length; i++) {
    const row = { x: rows.x[i]!, tx: rows.tx[i]!, T: rows.T[i]! };
    const weight = rows.weight[i]!;
    const problem = checkFrequency(row);
    if (problem) throw new FrequencyError(`history ${i + 1} (x ${row.x}, t_x ${row.tx}, T ${row.T}), ${problem.field}: ${problem.reason}`);
    if (!(Number.isFinite(weight) && weight >= 0)) throw new FrequencyError(`history ${i + 1}: weight must be >= 0, got ${weight}`);
    if (weight === 0) continue;
    total += weight;
    sumX += weight * row.x;
    sumT += weight * row.T;
    returned ||= row.x > 0;
    aged ||= row.T > 0;
  }
  if (total < 10) throw new ModelNotIdentifiableError(`the lapse model needs at least 10 clients, there are ${total}`);
  if (!returned) throw new ModelNotIdentifiableError('nobody came back a second time, so the model cannot tell how often clients return');
  if (!aged) throw new ModelNotIdentifiableError('every client was first seen on the as-of day: there is no time to learn from');
  return fitCollapsed(indexRepeats(rows), total, sumX / total, sumT / total);
};

const fitCollapsed = (collapsed: Collapsed, total: number, meanX: number, meanT: number): BgNbdFit => {
  // Start at r = 1 with the rate the data shows if nobody left; a = b = 1 (a flat dropout prior).
  const start = [0, Math.log(meanT / Math.max(meanX, 0.01)), 0, 0];
  const result = minimize(objective(collapsed, total), start);
  const [r, alpha, a, b] = result.x.map(Math.exp) as [number, number, number, number];
  if (!result.converged || !Number.isFinite(result.value)) {
    throw new ModelNotIdentifiableError(`the lapse model did not converge after ${result.iterations} iterations`);
  }
  const runaway = (['r', 'alpha', 'a', 'b'] as const).filter((_, i) => Math.abs(result.x[i]!) > logBound);
  if (runaway.length > 0) {
    throw new ModelNotIdentifiableError(`the data cannot pin down ${runaway.join(', ')}: the visits look the same whether clients stop or not`);
  }
  // Reported without the ridge penalty: the plain log-likelihood, comparable with other fits.
  let logLikelihood = 0;
  for (let i = 0; i < collapsed.x.length; i++) {
    const weight = collapsed.weight[i]!;
    if (weight > 0) logLikelihood += weight * bgNbdLogLikelihood({ r, alpha, a, b }, { x: collapsed.x[i]!, tx: collapsed.tx[i]!, T: collapsed.T[i]! });
  }
  return { r, alpha, a, b, logLikelihood, iterations: result.iterations, clients: total };
};

/** (a / (b + x - 1)) · ((alpha + T) / (alpha + t_x))^(r + x): the odds the client is gone, in logs. */
const logOddsGone = ({ r, alpha, a, b }: BgNbdParameters, { x, tx, T }: Frequency): number =>
  Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));

/** Probability the client is still a client. The model lets people leave only after a repeat visit, so x = 0 gives 1. */
export const pAlive = (parameters: BgNbdParameters, row: Frequency): number => {
  if (row.x === 0) return 1;
  const logOdds = logOddsGone(parameters, row);
  return logOdds > 0 ? Math.exp(-logOdds) / (1 + Math.exp(-logOdds)) : 1 / (1 + Math.exp(logOdds));
};

/**
 * When P(alive) falls to `threshold` if the client does not come back: age T at which it
 * does (same unit as the inputs). P(alive) has a closed form in T, so this is exact.
 */
export const ageAtPAlive = (parameters: BgNbdParameters, row: Frequency, threshold: number): number | undefined => {
  if (row.x === 0) return undefined;
  const { r, alpha, a, b } = parameters;
  const odds = (1 - threshold) / threshold;
  return (alpha + row.tx) * ((odds * (b + row.x - 1)) / a) ** (1 / (r + row.x)) - alpha;
};

/** Expected visits in the next t, if the client is still a client. */
export const expectedVisitsIfAlive = ({ r, alpha, a, b }: BgNbdParameters, { x, T }: Frequency, t: number): number => {
  if (t <= 0) return 0;
  // The closed form divides by a - 1; nudge off the removable singularity.
  const aa = Math.abs(a - 1) < 1e-9 ? 1 + 1e-9 : a;
  const z = t / (alpha + T + t);
  const hyp = hyp2f1(r + x, b + x, aa + b + x - 1, z);
  return ((aa + b + x - 1) / (aa - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp);
};

/** Expected visits in the next t given the history: P(alive) times the visits of a client still here. */
export const expectedVisits = (parameters: BgNbdParameters, row: Frequency, t: number): number =>
  pAlive(parameters, row) * expectedVisitsIfAlive(parameters, row, t);
