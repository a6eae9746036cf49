/**
 * Refits the matcher's confidence model (shared/answers/answer-confidence.ts) on the first half
 * of the labelled answers (split by paraphrase family) and shows how it does on the other half.
 * Paste the printed model into `confidenceModel` when the classifier or the lexicons change.
 *
 *   node scripts/calibrate-matcher.ts
 */
import { confidenceModel as builtIn, fitConfidenceModel } from '../shared/answers/answer-confidence.ts';
import { checkMatching, halvesByFamily, tallyShares } from '../shared/answers/matching-check.ts';
import { explainAnswer } from '../shared/answers/reason-matching.ts';
import { seedCatalogue } from '../shared/answers/reasons.ts';
import { readLabelledAnswers } from '../test/support/labelled-answers.ts';

const catalogue = seedCatalogue();
const [tuning, scoring] = halvesByFamily(readLabelledAnswers());
const rows = tuning.flatMap((answer) => {
  const { evidence, scores } = explainAnswer(catalogue, answer.text, answer.locale);
  const top = scores.find((score) => score.reasonId !== '(no reason)');
  return evidence && top ? [{ evidence, right: top.reasonId === answer.expected }] : [];
});
const model = fitConfidenceModel(rows);
console.log(`fitted on ${rows.length} answers of the tuning half:`);
console.log(JSON.stringify({ weights: model.weights.map((weight) => Number(weight.toFixed(4))), intercept: Number(model.intercept.toFixed(4)) }));
const percent = (share: number): string => `${(100 * share).toFixed(1)}%`;
for (const [name, confidenceModel] of [
  ['built-in', builtIn],
  ['refitted', model],
] as const) {
  for (const threshold of [0.6, 0.7, 0.75, 0.8, 0.85, 0.9]) {
    const shares = tallyShares(checkMatching(catalogue, scoring, { threshold, confidenceModel }).total);
    console.log(
      `${name} model, held-out half, at ${threshold}: right ${percent(shares.right)}, wrong ${percent(shares.wrong)}, non-answers left alone ${percent(shares.nonAnswersLeftAlone)}`,
    );
  }
}
