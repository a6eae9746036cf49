import { fnv1a } from '../common/hash.ts';
import { languageOf } from '../common/languages.ts';
import { matchAnswer, type MatchOptions } from './reason-matching.ts';
import { learnAlias, resolveReason, type Catalogue } from './reasons.ts';

/**
 * How well the catalogue understands answers a person has labelled: `comeback reasons check`.
 * Right, wrong and unplaced are shares of the answers that give a reason; non-answers
 * (greetings, questions, "it wasn't the price") should be left alone.
 */

export interface LabelledAnswer {
  readonly text: string;
  readonly locale?: string;
  /** The reason a person files it under, or null for a text that gives no reason. */
  readonly expected: string | null;
  /** A second reason the answer gives. */
  readonly also?: string;
  /** Paraphrases of one idea share a family; halves are split by family, never inside one. */
  readonly family?: string;
}

export interface Tally {
  readonly answers: number;
  readonly right: number;
  readonly wrong: number;
  readonly unplaced: number;
  readonly nonAnswers: number;
  readonly nonAnswersLeftAlone: number;
}

export interface Mistake {
  readonly text: string;
  readonly locale?: string;
  readonly expected: string | null;
  readonly got?: string;
  readonly confidence: number;
}

export interface MatchingCheck {
  readonly total: Tally;
  readonly byLanguage: Readonly<Record<string, Tally>>;
  readonly byReason: Readonly<Record<string, Tally>>;
  readonly mistakes: readonly Mistake[];
}

const emptyTally = (): Tally => ({ answers: 0, right: 0, wrong: 0, unplaced: 0, nonAnswers: 0, nonAnswersLeftAlone: 0 });

type Outcome = 'right' | 'wrong' | 'unplaced' | 'left-alone' | 'placed-non-answer';

const counted = (tally: Tally, outcome: Outcome): Tally => ({
  answers: tally.answers + 1,
  right: tally.right + (outcome === 'right' ? 1 : 0),
  wrong: tally.wrong + (outcome === 'wrong' ? 1 : 0),
  unplaced: tally.unplaced + (outcome === 'unplaced' ? 1 : 0),
  nonAnswers: tally.nonAnswers + (outcome === 'left-alone' || outcome === 'placed-non-answer' ? 1 : 0),
  nonAnswersLeftAlone: tally.nonAnswersLeftAlone + (outcome === 'left-alone' ? 1 : 0),
});

/** The reason an expected id counts under after merges; unknown ids stay as they are (and are never right). */
const expectedReason = (catalogue: Catalogue, expected: string | null): string | null => {
  if (expected === null) return null;
  try {
    return resolveReason(catalogue, expected).id;
  } catch {
    return expected;
  }
};

const outcomeOf = (expected: string | null, got: string | undefined): Outcome => {
  if (expected === null) return got === undefined ? 'left-alone' : 'placed-non-answer';
  if (got === undefined) return 'unplaced';
  return got === expected ? 'right' : 'wrong';
};

export const checkMatching = (catalogue: Catalogue, labelled: readonly LabelledAnswer[], options: MatchOptions = {}): MatchingCheck => {
  let total = emptyTally();
  const byLanguage: Record<string, Tally> = {};
  const byReason: Record<string, Tally> = {};
  const mistakes: Mistake[] = [];
  for (const answer of labelled) {
    const match = matchAnswer(catalogue, answer.text, answer.locale, options);
    const expected = expectedReason(catalogue, answer.expected);
    const outcome = outcomeOf(expected, match.reasonId);
    total = counted(total, outcome);
    const language = answer.locale === undefined ? 'unknown' : languageOf(answer.locale);
    byLanguage[language] = counted(byLanguage[language] ?? emptyTally(), outcome);
    const reason = expected ?? 'no reason';
    byReason[reason] = counted(byReason[reason] ?? emptyTally(), outcome);
    if (outcome !== 'right' && outcome !== 'left-alone') {
      mistakes.push({
        text: answer.text,
        ...(answer.locale !== undefined && { locale: answer.locale }),
        expected,
        ...(match.reasonId !== undefined && { got: match.reasonId }),
        confidence: match.confidence,
      });
    }
  }
  return { total, byLanguage, byReason, mistakes };
};

/** Shares of a tally: right, wrong and unplaced of the answers with a reason; left alone of the non-answers. */
export const tallyShares = (tally: Tally) => {
  const withReason = tally.answers - tally.nonAnswers;
  const share = (part: number, whole: number): number => (whole === 0 ? 1 : part / whole);
  return {
    right: share(tally.right, withReason),
    wrong: share(tally.wrong, withReason),
    unplaced: share(tally.unplaced, withReason),
    nonAnswersLeftAlone: share(tally.nonAnswersLeftAlone, tally.nonAnswers),
  };
};

/** Two halves by paraphrase family (by text when an answer has none): no idea is in both. */
export const halvesByFamily = (labelled: readonly LabelledAnswer[]): readonly [LabelledAnswer[], LabelledAnswer[]] => {
  const first: LabelledAnswer[] = [];
  const second: LabelledAnswer[] = [];
  for (const answer of labelled) (fnv1a(answer.family ?? answer.text) % 2 === 0 ? first : second).push(answer);
  return [first, second];
};

export interface LearningCurve {
  /** Answers of the first half a manager mapped (those the catalogue left unplaced). */
  readonly mapped: number;
  readonly before: MatchingCheck;
  readonly after: MatchingCheck;
}

/**
 * A manager's pass over one half: every answer there with a reason that the catalogue could not
 * place is mapped to its reason (as `reasons map` does); the other half is scored before and after.
 */
export const learnFromHalf = (catalogue: Catalogue, labelled: readonly LabelledAnswer[], at: string, options: MatchOptions = {}): LearningCurve => {
  const [taught, scored] = halvesByFamily(labelled);
  let learned = catalogue;
  let mapped = 0;
  for (const answer of taught) {
    const expected = expectedReason(catalogue, answer.expected);
    if (expected === null || matchAnswer(catalogue, answer.text, answer.locale, options).reasonId !== undefined) continue;
    learned = learnAlias(learned, answer.text, expected, answer.locale, at);
    mapped += 1;
  }
  return { mapped, before: checkMatching(catalogue, scored, options), after: checkMatching(learned, scored, options) };
};
