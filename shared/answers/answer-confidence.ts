/**
 * How sure the matcher is that an answer means the reason it ranks first, as a calibrated
 * probability: of the answers placed at confidence c, about a share c is right. A logistic
 * model over what the matcher saw, fitted on one half of the labelled answers
 * (test/fixtures/answers, split by paraphrase family) and checked on the other half; refit with
 * `npm run calibrate:matcher` after the classifier or the cue lexicons change.
 */

export interface MatchEvidence {
  /** The first reason's votes. */
  readonly best: number;
  /** The runner-up reason's votes. */
  readonly second: number;
  /** Votes for "no reason" (questions back, booking requests, denied words). */
  readonly noReason: number;
  /** How many words and word pairs voted for the first reason. */
  readonly topWords: number;
  /** The strongest single vote for the first reason. */
  readonly strongestVote: number;
  /** How many word pairs (phrases, not single words) voted for the first reason. */
  readonly topPairs: number;
  /** Every reason's votes together. */
  readonly allVotes: number;
  /** A keyword of the first reason (or a typo of one) is in the answer. */
  readonly keywordAgrees: boolean;
  /** The answer's length in characters. */
  readonly characters: number;
}

export const evidenceVector = (evidence: MatchEvidence): number[] => [
  evidence.best,
  evidence.second,
  evidence.best - evidence.second,
  evidence.best > 0 ? evidence.second / evidence.best : 1,
  evidence.noReason,
  evidence.topWords,
  evidence.strongestVote,
  evidence.keywordAgrees ? 1 : 0,
  Math.log1p(evidence.characters),
  evidence.topPairs,
  evidence.allVotes > 0 ? evidence.best / evidence.allVotes : 0,
];

export interface ConfidenceModel {
  /** One weight per entry of evidenceVector. */
  readonly weights: readonly number[];
  readonly intercept: number;
}

/** Fitted by `npm run calibrate:matcher`; see the header. */
export const confidenceModel: ConfidenceModel = {
  weights: [0.6332, -0.1369, 0.6219, -1.1062, -1.0503, 0.4613, 1.1705, 0.527, -0.2941, -0.3612, -0.5879],
  intercept: 0.2045,
};

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export const confidenceOf = (evidence: MatchEvidence, model: ConfidenceModel = confidenceModel): number =>
  sigmoid(evidenceVector(evidence).reduce((sum, value, at) => sum + value * (model.weights[at] ?? 0), model.intercept));

/**
 * Logistic regression by gradient descent on standardised evidence, with a small ridge penalty,
 * returned on the raw scale: the fit behind `confidenceModel`.
 */
export const fitConfidenceModel = (rows: ReadonlyArray<{ readonly evidence: MatchEvidence; readonly right: boolean }>, iterations = 3000): ConfidenceModel => {
  const vectors = rows.map((row) => evidenceVector(row.evidence));
  const size = vectors[0]?.length ?? 0;
  const mean = new Array<number>(size).fill(0);
  const spread = new Array<number>(size).fill(0);
  for (const vector of vectors) for (const [at, value] of vector.entries()) mean[at]! += value / vectors.length;
  for (const vector of vectors) for (const [at, value] of vector.entries()) spread[at]! += (value - mean[at]!) ** 2 / vectors.length;
  const scale = spread.map((variance) => Math.sqrt(variance) || 1);
  const standard = vectors.map((vector) => vector.map((value, at) => (value - mean[at]!) / scale[at]!));
  const weights = new Array<number>(size).fill(0);
  let intercept = 0;
  const rate = 0.5;
  const ridge = 0.01;
  for (let step = 0; step < iterations; step++) {
    const gradient = new Array<number>(size).fill(0);
    let interceptGradient = 0;
    for (const [row, vector] of standard.entries()) {
      const error = sigmoid(vector.reduce((sum, value, at) => sum + value * weights[at]!, intercept)) - (rows[row]!.right ? 1 : 0);
      for (const [at, value] of vector.entries()) gradient[at]! += error * value;
      interceptGradient += error;
    }
    for (const [at, weight] of weights.entries()) weights[at] = weight - rate * (gradient[at]! / rows.length + ridge * weight);
    intercept -= (rate * interceptGradient) / rows.length;
  }
  const raw = weights.map((weight, at) => weight / scale[at]!);
  return { weights: raw, intercept: intercept - raw.reduce((sum, weight, at) => sum + weight * mean[at]!, 0) };
};
