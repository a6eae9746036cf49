/** What the count models' maximum-likelihood fits share: a stable log-sum and the guards on their log-parameters. */
import { sigmoid, softplus } from './special-functions.ts';

/** ln(e^u + e^v) without overflow; -Infinity stands for a term that is not there. */
export const logAddExp = (u: number, v: number): number => {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v));
};

/**
 * Where the data shows no spread in how often (r) or how readily (a, b) clients leave, the
 * likelihood keeps rising, ever more slowly, as those parameters go to infinity with their
 * ratio fixed: a ridge with no top. This penalty on a log-parameter θ is nil below e^8 and
 * stops the climb near e^12, where the model already equals its limit to many digits
 * (everyone alike). It adds its slope to `gradient[i]`.
 */
export const ridgePenalty = (theta: number, gradient: number[], i: number): number => {
  const ridgeStart = 10;
  const ridgeWeight = 1e-3;
  const excess = softplus(theta - ridgeStart);
  gradient[i] = gradient[i]! + 2 * ridgeWeight * excess * sigmoid(theta - ridgeStart);
  return ridgeWeight * excess * excess;
};

/** Beyond e^±25 a log-parameter has run off to a boundary: the data cannot tell its value. */
export const logBound = 25;
