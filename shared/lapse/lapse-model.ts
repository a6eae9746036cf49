/**
 * The lapse model as the sweep uses it: per-client inputs in days, the fitted parameters as
 * stored, and each client's score (P(alive), value at risk).
 */
import { checkFrequency, expectedVisitsIfAlive, fitBgNbd, ModelNotIdentifiableError, pAlive, type BgNbdFit, type Frequency } from '../stats/bg-nbd.ts';
import { fitMbgCnbd, mbgExpectedVisitsIfAlive, mbgPAlive, type MbgCnbdFit } from '../stats/mbg-cnbd.ts';
import { expectedSpendPerVisit, fitGammaGamma, type GammaGammaFit } from '../stats/gamma-gamma.ts';
import type { ModelScore } from './lapse-rule.ts';
import { daysBetween, gapsBetween, type VisitSummary } from '../visits/summary.ts';

export { ModelNotIdentifiableError } from '../stats/bg-nbd.ts';

/** One client as the models see them, in days: lifetimes' frequency, recency, T, and spend per visit day. */
export interface ModelInput {
  /** Repeat visit days: distinct visit days minus one. */
  readonly x: number;
  /** Days from the first to the last visit day. */
  readonly tx: number;
  /** Days from the first visit day to the as-of day. */
  readonly T: number;
  /** Mean spend per visit day, minor units. */
  readonly spend: number;
  readonly currency: string;
  /** Σ ln(days between visit days): how regular the visits are, for MBG/CNBD-k's choice of k. */
  readonly logGaps: number;
}

export const modelInput = (summary: VisitSummary, asOf: string): ModelInput => ({
  x: summary.visitDays.length - 1,
  tx: daysBetween(summary.firstVisit, summary.lastVisit),
  T: Math.max(0, daysBetween(summary.firstVisit, asOf)),
  spend: summary.totalSpend / summary.visitDays.length,
  currency: summary.currency,
  logGaps: gapsBetween(summary.visitDays).reduce((sum, gap) => sum + Math.log(gap), 0),
});

/**
 * Why the lapse models cannot use a client's history as of that day, or undefined when they
 * can: a visit after the day (a clock or data error) makes the client younger than their last visit.
 */
export const unusableHistory = (summary: VisitSummary, asOf: string): string | undefined => {
  if (summary.lastVisit > asOf) return `has a visit on ${summary.lastVisit}, after ${asOf}`;
  const problem = checkFrequency(modelInput(summary, asOf));
  return problem && `${problem.field}: ${problem.reason}`;
};

const fields = 6;

/**
 * Model inputs as a compact binary object (a JSON header with the currencies, then six
 * float64 per client), so segments of a million-client sweep can hand them to the refit.
 */
export const encodeModelInputs = (inputs: readonly ModelInput[]): Uint8Array => {
  const currencies = [...new Set(inputs.map((input) => input.currency))];
  const header = new TextEncoder().encode(JSON.stringify({ version: 2, rows: inputs.length, currencies }));
  const numbers = new Float64Array(inputs.length * fields);
  inputs.forEach((input, i) => {
    numbers.set([input.x, input.tx, input.T, input.spend, currencies.indexOf(input.currency), input.logGaps], i * fields);
  });
  const out = new Uint8Array(4 + header.length + numbers.byteLength);
  new DataView(out.buffer).setUint32(0, header.length);
  out.set(header, 4);
  out.set(new Uint8Array(numbers.buffer), 4 + header.length);
  return out;
};

export const decodeModelInputs = (bytes: Uint8Array): ModelInput[] => {
  if (bytes.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as { version?: number; rows: number; currencies: string[] };
  const numbers = new Float64Array(bytes.slice(4 + headerLength).buffer);
  // Version 1 (five numbers, no log gaps) is what a segment of the previous release wrote.
  const stride = header.version === 1 ? 5 : fields;
  return Array.from({ length: header.rows }, (_, i) => ({
    x: numbers[i * stride]!,
    tx: numbers[i * stride + 1]!,
    T: numbers[i * stride + 2]!,
    spend: numbers[i * stride + 3]!,
    currency: header.currencies[numbers[i * stride + 4]!]!,
    logGaps: stride === fields ? numbers[i * stride + 5]! : 0,
  }));
};

/** The models as fitted on one day's client base and stored: the sweep scores with the newest. */
export interface FittedLapseModel {
  readonly fittedAt: string;
  /** The clinic day the inputs were measured at. */
  readonly asOf: string;
  readonly clients: number;
  /** BG/NBD in days. */
  readonly bgnbd: BgNbdFit;
  /** MBG/CNBD-k in days, its k chosen by likelihood; absent on fits from before it, or when it could not be fitted. */
  readonly regular?: MbgCnbdFit;
  /** Which of the two scores the clients: the one with the higher likelihood. */
  readonly scoredBy?: ScoringModel;
  /** Gamma-Gamma on spend per visit day, in minor units of its currency (the currency most clients pay in). */
  readonly spend?: GammaGammaFit & { readonly currency: string };
  /** Why there is no spend model, when there is none. */
  readonly spendProblem?: string;
  readonly monthlyDiscountRate: number;
}

export type ScoringModel = 'bg-nbd' | 'mbg-cnbd';

/** The model that scores, as a manager reads it: "BG/NBD", "MBG/CNBD-3". */
export const modelName = (model: FittedLapseModel): string =>
  model.scoredBy === 'mbg-cnbd' && model.regular ? (model.regular.k === 1 ? 'MBG/NBD' : `MBG/CNBD-${model.regular.k}`) : 'BG/NBD';

export interface FitOptions {
  readonly asOf: string;
  readonly fittedAt: string;
  readonly monthlyDiscountRate: number;
}

const spending = (input: ModelInput) => ({ visits: input.x + 1, meanSpend: input.spend });

const mostCommonCurrency = (inputs: readonly ModelInput[]): string | undefined => {
  const counts = new Map<string, number>();
  for (const input of inputs) counts.set(input.currency, (counts.get(input.currency) ?? 0) + 1);
  return [...counts].sort((p, q) => q[1] - p[1])[0]?.[0];
};

/**
 * Fits BG/NBD on every client and Gamma-Gamma on the returning clients who pay in the main
 * currency. Throws ModelNotIdentifiableError when BG/NBD cannot be fitted; a spend model
 * that cannot be fitted only leaves `spend` out (value at risk then uses each client's own mean).
 */
export const fitLapseModel = (inputs: readonly ModelInput[], options: FitOptions): FittedLapseModel => {
  const bgnbd = fitBgNbd(inputs);
  const regular = fitRegular(inputs);
  const scoredBy: ScoringModel = regular && regular.logLikelihood > bgnbd.logLikelihood ? 'mbg-cnbd' : 'bg-nbd';
  const currency = mostCommonCurrency(inputs);
  let spend: FittedLapseModel['spend'];
  let spendProblem: string | undefined;
  try {
    const returning = inputs.filter((input) => input.x > 0 && input.spend > 0 && input.currency === currency).map(spending);
    if (currency) spend = { ...fitGammaGamma(returning), currency };
  } catch (error) {
    if (!(error instanceof ModelNotIdentifiableError)) throw error;
    spendProblem = error.message;
  }
  return {
    fittedAt: options.fittedAt,
    asOf: options.asOf,
    clients: inputs.length,
    bgnbd,
    ...(regular && { regular }),
    scoredBy,
    ...(spend && { spend }),
    ...(spendProblem && { spendProblem }),
    monthlyDiscountRate: options.monthlyDiscountRate,
  };
};

/** MBG/CNBD-k with the k the data likes best; none when it cannot be fitted (BG/NBD then scores alone). */
const fitRegular = (inputs: readonly ModelInput[]): MbgCnbdFit | undefined => {
  try {
    return fitMbgCnbd(inputs);
  } catch (error) {
    if (error instanceof ModelNotIdentifiableError) return undefined;
    throw error;
  }
};

/** P(alive) and expected visits if alive, from the model that scores. */
const scorer = (model: FittedLapseModel) =>
  model.scoredBy === 'mbg-cnbd' && model.regular
    ? {
        pAlive: (row: Frequency) => mbgPAlive(model.regular!, row),
        visitsIfAlive: (row: Frequency, t: number) => mbgExpectedVisitsIfAlive(model.regular!, row, t),
      }
    : { pAlive: (row: Frequency) => pAlive(model.bgnbd, row), visitsIfAlive: (row: Frequency, t: number) => expectedVisitsIfAlive(model.bgnbd, row, t) };

const daysPerMonth = 365.25 / 12;

/** Visit days the client is expected to make in the `days` after `asOf`, by the model that scores (P(alive) included). */
export const expectedVisitsInWindow = (model: FittedLapseModel, summary: VisitSummary, asOf: string, days: number): number => {
  const input = modelInput(summary, asOf);
  const { pAlive: probabilityOf, visitsIfAlive } = scorer(model);
  return probabilityOf(input) * visitsIfAlive(input, days);
};

/** P(alive) alone, by the model that scores: cheaper than `scoreClient` when the value is not needed. */
export const probabilityAlive = (model: FittedLapseModel, summary: VisitSummary, asOf: string): number => scorer(model).pAlive(modelInput(summary, asOf));

/**
 * P(alive) and the value at risk: what the client would spend over the next 12 months had
 * they stayed (expected visits if alive, month by month, times expected spend per visit,
 * discounted monthly). For a lapsed client that is the money they take away.
 */
export const scoreClient = (model: FittedLapseModel, summary: VisitSummary, asOf: string): ModelScore => {
  const input = modelInput(summary, asOf);
  const { pAlive: probabilityOf, visitsIfAlive } = scorer(model);
  const probability = probabilityOf(input);
  const perVisit = model.spend && model.spend.currency === input.currency ? expectedSpendPerVisit(model.spend, spending(input)) : input.spend;
  let value = 0;
  let before = 0;
  for (let month = 1; month <= 12; month++) {
    const upTo = visitsIfAlive(input, month * daysPerMonth);
    value += ((upTo - before) * perVisit) / (1 + model.monthlyDiscountRate) ** month;
    before = upTo;
  }
  return { pAlive: probability, valueAtRisk: { minor: Math.round(value), currency: input.currency }, model: modelName(model) };
};
