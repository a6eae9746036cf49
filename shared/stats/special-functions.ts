import { AppError } from '../common/app-error.ts';
/** A series that did not settle within its term budget: the arguments are outside what it handles. */
export class SeriesConvergenceError extends AppError {
  override readonly name = 'SeriesConvergenceError';
  readonly kind = 'unprocessable';
}

// Lanczos approximation, g = 7, nine coefficients: about 15 significant digits for x > 0.
const lanczosG = 7;
const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const halfLogTwoPi = 0.5 * Math.log(2 * Math.PI);

/** ln |Γ(x)|. */
export const lgamma = (x: number): number => {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let sum = lanczos[0];
  for (let i = 1; i < lanczos.length; i++) sum += lanczos[i]! / (z + i);
  const t = z + lanczosG + 0.5;
  return halfLogTwoPi + (z + 0.5) * Math.log(t) - t + Math.log(sum);
};

/** ψ(x) = d/dx ln Γ(x). */
export const digamma = (x: number): number => {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0 && Number.isInteger(x)) return NaN;
  if (x < 0) return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  let shift = 0;
  while (x < 6) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  // Asymptotic expansion: Bernoulli numbers B2k / 2k.
  const tail = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))));
  return shift + Math.log(x) - 0.5 / x - tail;
};

/** ln(1 + e^y) without overflow. */
export const softplus = (y: number): number => (y > 0 ? y + Math.log1p(Math.exp(-y)) : Math.log1p(Math.exp(y)));

/** 1 / (1 + e^-y) without overflow. */
export const sigmoid = (y: number): number => {
  if (y >= 0) return 1 / (1 + Math.exp(-y));
  const e = Math.exp(y);
  return e / (1 + e);
};

const maxTerms = 1_000_000;

/** Σ (a)n (b)n / ((c)n n!) z^n, for 0 ≤ z < 1. */
const gaussSeries = (a: number, b: number, c: number, z: number): number => {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (term === 0) return sum;
    // Stop only once the terms shrink geometrically: the rest is then below term * ratio / (1 - ratio).
    const ratio = Math.max(Math.abs(((a + n + 1) * (b + n + 1) * z) / ((c + n + 1) * (n + 2))), z);
    if (ratio < 1 && Math.abs(term) * ratio <= 1e-17 * (1 - ratio) * Math.abs(sum)) return sum;
    if (!Number.isFinite(sum)) break;
  }
  throw new SeriesConvergenceError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge`);
};

/**
 * Gauss's hypergeometric function 2F1(a, b; c; z) for real arguments and -1 < z < 1.
 * Negative z goes through Pfaff's transformation to (0, 1/2); for z > 0 Euler's transformation
 * is used when it makes the terms fall faster (c - a - b < 0), which also keeps the sum from
 * overflowing where the plain series would.
 */
export const hyp2f1 = (a: number, b: number, c: number, z: number): number => {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError('hyp2f1 needs finite arguments');
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1 is undefined for c = ${c}`);
  if (!(z > -1 && z < 1)) throw new RangeError(`hyp2f1 is implemented for -1 < z < 1 (got ${z})`);
  if (z === 0 || a === 0 || b === 0) return 1;
  if (z < 0) return (1 - z) ** -a * hyp2f1(a, c - b, c, z / (z - 1));
  if (c - a - b < 0) return Math.exp((c - a - b) * Math.log1p(-z)) * gaussSeries(c - a, c - b, c, z);
  return gaussSeries(a, b, c, z);
};
