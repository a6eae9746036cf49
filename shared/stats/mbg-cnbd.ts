/**
 * MBG/CNBD-k (Platzer and Reutterer 2016, "Ticking away the moments"): while alive a client
 * visits with Erlang-k gaps (k = 1: at random, as in BG/NBD; larger k: ever more regular)
 * whose rate is gamma(r, alpha) across clients, and leaves for good with a probability that is
 * beta(a, b) across clients, at the first visit as after every other ("modified": a client can
 * come once and never again). With k = 1 it is MBG/NBD (Batislam, Denizel and Filiztekin 2007).
 *
 * The closed forms follow BTYDplus (`mbgcnbd.LL`, `mbgcnbd.PAlive`,
 * `mbgcnbd.ConditionalExpectedTransactions`); for k = 1 they are `lifetimes`'
 * ModifiedBetaGeoFitter's. Regular gaps are why this model suits a clinic: a monthly patient
 * who has missed three months is very probably gone, which a Poisson model cannot see.
 */
import { checkFitRows, FrequencyError, type Frequency, ModelNotIdentifiableError } from './bg-nbd.ts';
import { minimize } from './optimize.ts';
import { digamma, hyp2f1, lgamma } from './special-functions.ts';
import { logAddExp, logBound, ridgePenalty } from './likelihood.ts';

/** A history with the sum of the logs of its gaps between visits, which tells how regular they are (needed to choose k). */
export interface RegularFrequency extends Frequency {
  /** Σ ln(gap) over the x gaps between visits; 0 when x = 0. */
  readonly logGaps?: number;
}

export interface MbgCnbdParameters {
  /** Regularity: the gaps between visits are Erlang-k (1 = at random). */
  readonly k: number;
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export interface MbgCnbdFit extends MbgCnbdParameters {
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly clients: number;
}

const lnFactorial = (n: number): number => lgamma(n + 1);

/**
 * ln of Σ_{j<k} (r + kx)_j / j! · ((T − t_x) / (alpha + T))^j: the chance, relative to the
 * Poisson case, that an alive client with Erlang-k gaps has had no visit since t_x.
 */
const logSinceLast = (k: number, u: number, q: number): number => {
  let term = 1;
  let sum = 1;
  for (let j = 1; j < k; j++) {
    term *= ((u + j - 1) / j) * q;
    sum += term;
  }
  return Math.log(sum);
};

/** ln of the odds the client is gone, before the regularity factor: (a / (b + x)) · ((alpha + T) / (alpha + t_x))^(r + kx). */
const logGoneTerm = ({ k, r, alpha, a, b }: MbgCnbdParameters, { x, tx, T }: Frequency): number =>
  Math.log(a / (b + x)) + (r + k * x) * Math.log((alpha + T) / (alpha + tx));

/** One client's log-likelihood (with the Erlang density of the observed gaps, so fits with different k compare). */
export const mbgCnbdLogLikelihood = (parameters: MbgCnbdParameters, row: RegularFrequency): number => {
  const { k, r, alpha, a, b } = parameters;
  const { x, tx, T } = row;
  const u = r + k * x;
  const gaps = (k - 1) * (row.logGaps ?? 0) - x * lnFactorial(k - 1);
  const beta = lgamma(b + x + 1) - lgamma(a + b + x + 1) + lgamma(a + b) - lgamma(b);
  const gamma = lgamma(u) - lgamma(r) + r * Math.log(alpha) - u * Math.log(alpha + T);
  return gaps + beta + gamma + logAddExp(logGoneTerm(parameters, row), logSinceLast(k, u, (T - tx) / (alpha + T)));
};

/** Probability the client is still a client at T. Unlike BG/NBD, a client seen once can be gone. */
export const mbgPAlive = (parameters: MbgCnbdParameters, row: Frequency): number => {
  const u = parameters.r + parameters.k * row.x;
  const logOdds = logGoneTerm(parameters, row) - logSinceLast(parameters.k, u, (row.T - row.tx) / (parameters.alpha + row.T));
  return logOdds > 0 ? Math.exp(-logOdds) / (1 + Math.exp(-logOdds)) : 1 / (1 + Math.exp(logOdds));
};

/**
 * Expected visits in the next t given the history. Exact for k = 1 (MBG/NBD); for k > 1 the
 * BG/NBD-style expression with the rate's scale taken as k·alpha, as BTYDplus approximates it.
 */
export const mbgExpectedVisits = (parameters: MbgCnbdParameters, row: Frequency, t: number): number =>
  mbgExpectedVisitsIfAlive(parameters, row, t) * mbgPAlive(parameters, row);

/** Expected visits in the next t, if the client is still a client (the value a lapsed client takes away). */
export const mbgExpectedVisitsIfAlive = (parameters: MbgCnbdParameters, row: Frequency, t: number): number => {
  if (t <= 0) return 0;
  const { k, r, alpha, b } = parameters;
  // The closed form divides by a - 1; nudge off the removable singularity.
  const a = Math.abs(parameters.a - 1) < 1e-9 ? 1 + 1e-9 : parameters.a;
  const { x, T } = row;
  const scale = k * alpha + T;
  return ((a + b + x) / (a - 1)) * (1 - (scale / (scale + t)) ** (r + x) * hyp2f1(r + x, b + x + 1, a + b + x, t / (scale + t)));
};

/**
 * The age T at which P(alive) falls to `threshold` if the client does not come back (same
 * unit as the inputs), or undefined when it never does within `horizon` more time. P(alive)
 * falls monotonically with T for a client who stays away, so bisection finds it exactly.
 */
export const mbgAgeAtPAlive = (parameters: MbgCnbdParameters, row: Frequency, threshold: number, horizon: number): number | undefined => {
  const at = (T: number): number => mbgPAlive(parameters, { ...row, T });
  if (at(row.T) <= threshold) return row.T;
  let low = row.T;
  let high = row.T + horizon;
  if (at(high) > threshold) return undefined;
  for (let i = 0; i < 60 && high - low > 1e-6 * (1 + high); i++) {
    const middle = (low + high) / 2;
    if (at(middle) > threshold) low = middle;
    else high = middle;
  }
  return high;
};

interface Collapsed {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  weight: number;
  readonly xIndex: number;
}

/** Clients with the same (x, t_x, T) share every term but the gaps' (which is summed apart). */
const collapse = (rows: readonly RegularFrequency[]): { rows: Collapsed[]; xs: number[]; logGaps: number } => {
  const byKey = new Map<string, Collapsed>();
  const xIndex = new Map<number, number>();
  let logGaps = 0;
  for (const row of rows) {
    logGaps += row.logGaps ?? 0;
    const key = `${row.x} ${row.tx} ${row.T}`;
    const seen = byKey.get(key);
    if (seen) seen.weight++;
    else {
      if (!xIndex.has(row.x)) xIndex.set(row.x, xIndex.size);
      byKey.set(key, { x: row.x, tx: row.tx, T: row.T, weight: 1, xIndex: xIndex.get(row.x)! });
    }
  }
  return { rows: [...byKey.values()], xs: [...xIndex.keys()], logGaps };
};

/**
 * Mean negative log-likelihood over θ = ln(r, alpha, a, b) for a fixed k, with its exact
 * gradient. The gaps' term does not depend on θ and is left out here.
 */
const objective =
  (k: number, { rows, xs }: { rows: readonly Collapsed[]; xs: readonly number[] }, total: number) =>
  (theta: readonly number[], gradient: number[]): number => {
    const [r, alpha, a, b] = theta.map(Math.exp) as [number, number, number, number];
    const psiR = digamma(r);
    const psiB = digamma(b);
    const psiAB = digamma(a + b);
    const base = -lgamma(r) + r * Math.log(alpha) + lgamma(a + b) - lgamma(b);
    const logAlpha = Math.log(alpha);
    const byX = xs.map((x) => ({
      terms: base + lgamma(r + k * x) + lgamma(b + x + 1) - lgamma(a + b + x + 1),
      psiU: digamma(r + k * x),
      psiBx: digamma(b + x + 1),
      psiABx: digamma(a + b + x + 1),
      logOddsBase: Math.log(a) - Math.log(b + x),
    }));
    let value = 0;
    let gr = 0;
    let gAlpha = 0;
    let ga = 0;
    let gb = 0;
    for (const { x, tx, T, weight, xIndex } of rows) {
      const { terms, psiU, psiBx, psiABx, logOddsBase } = byX[xIndex]!;
      const u = r + k * x;
      const logAlphaT = Math.log(alpha + T);
      const logRatio = logAlphaT - Math.log(alpha + tx);
      const logGone = logOddsBase + u * logRatio;
      // The regularity sum and its derivatives in r and alpha.
      const q = (T - tx) / (alpha + T);
      let term = 1;
      let sum = 1;
      let harmonic = 0;
      let dr = 0;
      let dAlpha = 0;
      for (let j = 1; j < k; j++) {
        term *= ((u + j - 1) / j) * q;
        harmonic += 1 / (u + j - 1);
        sum += term;
        dr += term * harmonic;
        dAlpha -= (term * j) / (alpha + T);
      }
      const logStay = Math.log(sum);
      const tail = logAddExp(logGone, logStay);
      value += weight * (terms - u * logAlphaT + tail);
      const wGone = Math.exp(logGone - tail);
      const wStay = Math.exp(logStay - tail);
      gr += weight * (psiU - psiR + logAlpha - logAlphaT + wGone * logRatio + (wStay * dr) / sum);
      gAlpha += weight * (r / alpha - u / (alpha + T) + wGone * u * (1 / (alpha + T) - 1 / (alpha + tx)) + (wStay * dAlpha) / sum);
      ga += weight * (psiAB - psiABx + wGone / a);
      gb += weight * (psiAB - psiB + psiBx - psiABx - wGone / (b + x));
    }
    gradient[0] = (-gr * r) / total;
    gradient[1] = (-gAlpha * alpha) / total;
    gradient[2] = (-ga * a) / total;
    gradient[3] = (-gb * b) / total;
    const penalty = ridgePenalty(theta[0]!, gradient, 0) + ridgePenalty(theta[2]!, gradient, 2) + ridgePenalty(theta[3]!, gradient, 3);
    return -value / total + penalty;
  };

/** The regularities tried when none is given: 1 (random gaps) to 12 (nearly clockwork). */
export const regularities = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;

const fitWithK = (k: number, rows: readonly RegularFrequency[], collapsed: ReturnType<typeof collapse>, previous?: MbgCnbdFit): MbgCnbdFit => {
  const meanX = rows.reduce((sum, row) => sum + row.x, 0) / rows.length;
  const meanT = rows.reduce((sum, row) => sum + row.T, 0) / rows.length;
  // From the fit with one less k, its mean gap kept (alpha scaled by (k-1)/k); else r = 1 with
  // the rate the data shows if nobody left (k gaps' worth per visit), a = b = 1.
  const start = previous
    ? [Math.log(previous.r), Math.log((previous.alpha * previous.k) / k), Math.log(previous.a), Math.log(previous.b)]
    : [0, Math.log(meanT / (k * Math.max(meanX, 0.01))), 0, 0];
  const result = minimize(objective(k, collapsed, rows.length), start);
  const [r, alpha, a, b] = result.x.map(Math.exp) as [number, number, number, number];
  if (!result.converged || !Number.isFinite(result.value)) {
    throw new ModelNotIdentifiableError(`the lapse model (k = ${k}) did not converge after ${result.iterations} iterations`);
  }
  const runaway = (['r', 'alpha', 'a', 'b'] as const).filter((_, i) => Math.abs(result.x[i]!) > logBound);
  if (runaway.length > 0) throw new ModelNotIdentifiableError(`the data cannot pin down ${runaway.join(', ')} (k = ${k})`);
  const parameters = { k, r, alpha, a, b };
  // The plain log-likelihood, gaps' density included, so fits with different k compare (each row's
  // own term holds its -x·ln((k-1)!); the log gaps are summed apart).
  const logLikelihood = (k - 1) * collapsed.logGaps + collapsed.rows.reduce((sum, row) => sum + row.weight * mbgCnbdLogLikelihood(parameters, row), 0);
  return { ...parameters, logLikelihood, iterations: result.iterations, clients: rows.length };
};

/**
 * Maximum-likelihood fit. With `k` given, that regularity; without, each k of `regularities`
 * until the likelihood has fallen twice in a row, and the best (which needs `logGaps` on the
 * rows: without them every k looks alike). Throws ModelNotIdentifiableError when the data
 * cannot identify the model.
 */
export const fitMbgCnbd = (rows: readonly RegularFrequency[], k?: number): MbgCnbdFit => {
  checkFitRows(rows);
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new FrequencyError(`the regularity k must be a whole number >= 1, got ${k}`);
  const collapsed = collapse(rows);
  if (k !== undefined) return fitWithK(k, rows, collapsed);
  const fits: MbgCnbdFit[] = [];
  for (const each of regularities) {
    try {
      fits.push(fitWithK(each, rows, collapsed, fits[fits.length - 1]));
    } catch (error) {
      if (fits.length === 0) throw error;
      break;
    }
    const n = fits.length;
    if (n >= 3 && fits[n - 1]!.logLikelihood < fits[n - 2]!.logLikelihood && fits[n - 2]!.logLikelihood < fits[n - 3]!.logLikelihood) break;
  }
  return fits.reduce((best, fit) => (fit.logLikelihood > best.logLikelihood ? fit : best));
};
