/** f(x); non-finite values mean "outside the domain" and are never accepted as a step. */
export type Objective = (x: readonly number[]) => number;

/** f(x), writing ∇f(x) into `gradient`. */
export type ObjectiveWithGradient = (x: readonly number[], gradient: number[]) => number;

export interface Minimum {
  readonly x: number[];
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

export interface BfgsOptions {
  readonly maxIterations?: number;
  /** Converged when every component of the gradient is at most this times (1 + |f|): the floor rounding leaves on a large f. */
  readonly gradientTolerance?: number;
  /** Largest change of any coordinate in one step: keeps a bad first step from leaving the domain. */
  readonly maxStep?: number;
}

export interface NelderMeadOptions {
  readonly maxIterations?: number;
  /** Converged when the simplex's values and coordinates both span at most this. */
  readonly tolerance?: number;
  readonly initialStep?: number;
}

const dot = (u: readonly number[], v: readonly number[]): number => {
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += u[i]! * v[i]!;
  return sum;
};

const maxAbs = (v: readonly number[]): number => v.reduce((max, value) => Math.max(max, Math.abs(value)), 0);

const identity = (n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

/** Quasi-Newton minimisation with an inverse-Hessian BFGS update and a backtracking (Armijo) line search. */
export const minimizeBfgs = (fg: ObjectiveWithGradient, x0: readonly number[], options: BfgsOptions = {}): Minimum => {
  const { maxIterations = 500, gradientTolerance = 1e-9, maxStep = 2 } = options;
  const n = x0.length;
  let x = [...x0];
  let g = new Array<number>(n).fill(0);
  let f = fg(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) {
    return { x, value: f, iterations: 0, evaluations, converged: false };
  }
  let h = identity(n);
  let resets = 0;

  const flat = (tolerance: number): boolean => maxAbs(g) <= tolerance * (1 + Math.abs(f));
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (flat(gradientTolerance)) return { x, value: f, iterations: iteration - 1, evaluations, converged: true };

    let direction = h.map((row) => -dot(row, g));
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      h = identity(n);
      direction = g.map((value) => -value);
      slope = dot(direction, g);
    }
    const longest = maxAbs(direction);
    let step = longest > maxStep ? maxStep / longest : 1;

    const trial = new Array<number>(n);
    const trialGradient = new Array<number>(n).fill(0);
    let trialValue = NaN;
    let accepted = false;
    for (let halvings = 0; halvings < 60; halvings++) {
      for (let i = 0; i < n; i++) trial[i] = x[i]! + step * direction[i]!;
      trialValue = fg(trial, trialGradient);
      evaluations++;
      if (Number.isFinite(trialValue) && trialGradient.every(Number.isFinite) && trialValue <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step /= 2;
      // The decrease still to be shown is lost in the rounding of f: no smaller step can show one.
      if (-step * slope < 1e-15 * (1 + Math.abs(f))) break;
    }
    if (!accepted) {
      // No decrease along this direction: at the floor of floating-point precision, or a stale Hessian.
      if (resets++ < 2 && h.some((row, i) => row.some((value, j) => value !== (i === j ? 1 : 0)))) {
        h = identity(n);
        continue;
      }
      return { x, value: f, iterations: iteration, evaluations, converged: flat(Math.sqrt(gradientTolerance)) };
    }
    if (!(trialValue < f)) {
      // A step that changes nothing: rounding, not the function, decides from here on.
      return { x, value: f, iterations: iteration, evaluations, converged: flat(Math.sqrt(gradientTolerance)) };
    }

    const s = trial.map((value, i) => value - x[i]!);
    const y = trialGradient.map((value, i) => value - g[i]!);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (iteration === 1 || resets > 0) {
        const scale = sy / dot(y, y);
        h = identity(n).map((row) => row.map((value) => value * scale));
        resets = 0;
      }
      const hy = h.map((row) => dot(row, y));
      const yhy = dot(y, hy);
      const rho = 1 / sy;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          h[i]![j] = h[i]![j]! - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!;
        }
      }
    }
    x = [...trial];
    g = [...trialGradient];
    f = trialValue;
  }
  return { x, value: f, iterations: maxIterations, evaluations, converged: flat(gradientTolerance) };
};

/** Derivative-free simplex minimisation (Nelder and Mead, standard coefficients, shrink on failure). */
export const minimizeNelderMead = (f: Objective, x0: readonly number[], options: NelderMeadOptions = {}): Minimum => {
  const { maxIterations = 10_000, tolerance = 1e-12, initialStep = 0.5 } = options;
  const n = x0.length;
  let evaluations = 0;
  const evaluate = (x: readonly number[]): number => {
    evaluations++;
    const value = f(x);
    return Number.isFinite(value) ? value : Infinity;
  };
  const simplex = [x0, ...x0.map((_, i) => x0.map((value, j) => (i === j ? value + initialStep : value)))].map((x) => ({
    x: [...x],
    value: evaluate(x),
  }));
  const along = (from: readonly number[], to: readonly number[], t: number): number[] => from.map((value, i) => value + t * (to[i]! - value));

  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    simplex.sort((p, q) => p.value - q.value);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    const spread = Math.max(...simplex.map((point) => maxAbs(point.x.map((value, i) => value - best.x[i]!))));
    if (Number.isFinite(worst.value) && worst.value - best.value <= tolerance * (1 + Math.abs(best.value)) && spread <= Math.sqrt(tolerance)) {
      return { x: best.x, value: best.value, iterations: iteration - 1, evaluations, converged: true };
    }
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] = centroid[i]! + simplex[k]!.x[i]! / n;

    const reflected = along(centroid, worst.x, -1);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < best.value) {
      const expanded = along(centroid, worst.x, -2);
      const expandedValue = evaluate(expanded);
      simplex[n] = expandedValue < reflectedValue ? { x: expanded, value: expandedValue } : { x: reflected, value: reflectedValue };
      continue;
    }
    if (reflectedValue < simplex[n - 1]!.value) {
      simplex[n] = { x: reflected, value: reflectedValue };
      continue;
    }
    const outside = reflectedValue < worst.value;
    const contracted = along(centroid, worst.x, outside ? -0.5 : 0.5);
    const contractedValue = evaluate(contracted);
    if (contractedValue < (outside ? reflectedValue : worst.value)) {
      simplex[n] = { x: contracted, value: contractedValue };
      continue;
    }
    for (let k = 1; k <= n; k++) {
      const x = along(best.x, simplex[k]!.x, 0.5);
      simplex[k] = { x, value: evaluate(x) };
    }
  }
  simplex.sort((p, q) => p.value - q.value);
  return { x: simplex[0]!.x, value: simplex[0]!.value, iterations: maxIterations, evaluations, converged: false };
};

/**
 * BFGS from `x0`; if it stalls, Nelder-Mead from where it got to, then BFGS again to polish.
 * Iterations and evaluations add up over the stages.
 */
export const minimize = (fg: ObjectiveWithGradient, x0: readonly number[], options: BfgsOptions = {}): Minimum => {
  const first = minimizeBfgs(fg, x0, options);
  if (first.converged) return first;
  const scratch = new Array<number>(x0.length).fill(0);
  const start = Number.isFinite(first.value) ? first.x : x0;
  const simplex = minimizeNelderMead((x) => fg(x, scratch), start);
  const polished = minimizeBfgs(fg, simplex.x, options);
  const best = polished.value <= simplex.value ? polished : simplex;
  return {
    x: best.x,
    value: best.value,
    iterations: first.iterations + simplex.iterations + polished.iterations,
    evaluations: first.evaluations + simplex.evaluations + polished.evaluations,
    converged: polished.converged || simplex.converged,
  };
};
