/**
 * Understanding answers (issue 15): the matcher's held-out figures on the labelled answers
 * against the targets, and its time per answer with a catalogue of 50 reasons and
 * 20,000 learned examples against the 2 ms budget.
 */
import { checkMatching, halvesByFamily, learnFromHalf, tallyShares } from '../../shared/answers/matching-check.ts';
import { matchAnswer } from '../../shared/answers/reason-matching.ts';
import { addReason, seedCatalogue, type Alias, type Catalogue } from '../../shared/answers/reasons.ts';
import { normalizeAnswer } from '../../shared/answers/text-normalize.ts';
import { readLabelledAnswers } from '../support/labelled-answers.ts';
import { timed, type Bench } from './harness.ts';

const at = '2026-12-01T00:00:00.000Z';
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** A clinic years in: 50 reasons, and 20,000 answers managers mapped, made of the words real answers use. */
const busyCatalogue = (words: readonly string[]): Catalogue => {
  let catalogue = seedCatalogue();
  for (let n = catalogue.reasons.length; n < 50; n++) {
    catalogue = addReason(catalogue, { id: `reason-${n}`, label: `Reason ${n}`, locale: 'en', churnType: 'voluntary', keywords: [`cue${n}`] }, at);
  }
  const ids = catalogue.reasons.map((reason) => reason.id);
  let state = 7;
  const next = (below: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % below;
  };
  const aliases: Alias[] = [];
  const taken = new Set<string>();
  while (aliases.length < 20_000) {
    const text = normalizeAnswer(Array.from({ length: 3 + next(8) }, () => words[next(words.length)]).join(' '));
    if (text === '' || taken.has(text)) continue;
    taken.add(text);
    aliases.push({ text, reasonId: ids[next(ids.length)]!, locale: 'en', learnedAt: at });
  }
  return { ...catalogue, aliases };
};

export const answersBench: Bench = {
  name: 'answers',
  async run(context) {
    const labelled = readLabelledAnswers();
    const [, heldOut] = halvesByFamily(labelled);
    const seed = seedCatalogue();
    context.progress(`answers: ${labelled.length} labelled answers, scored on the ${heldOut.length} of the held-out half`);
    const first = tallyShares(checkMatching(seed, heldOut).total);
    const curve = learnFromHalf(seed, labelled, at);
    const learned = tallyShares(curve.after.total);

    context.progress('answers: matching time with 50 reasons and 20,000 learned examples');
    const catalogue = busyCatalogue(labelled.flatMap((answer) => normalizeAnswer(answer.text).split(' ')));
    const index = await timed(async () => matchAnswer(catalogue, 'warm up', 'en'));
    const rounds = 5;
    const matching = await timed(async () => {
      for (let round = 0; round < rounds; round++) for (const answer of labelled) matchAnswer(catalogue, answer.text, answer.locale);
    });
    const seedMatching = await timed(async () => {
      for (let round = 0; round < rounds; round++) for (const answer of labelled) matchAnswer(seed, answer.text, answer.locale);
    });
    const perAnswer = (seconds: number): number => (seconds * 1000) / (rounds * labelled.length);
    const figures = `right ${percent(first.right)}, wrong ${percent(first.wrong)}, non-answers left alone ${percent(first.nonAnswersLeftAlone)}`;
    return [
      {
        measure: 'answers placed right, first pass, held-out half',
        subject: percent(first.right),
        baseline: '85% (issue 15)',
        ratio: first.right / 0.85,
        target: 1,
        note: figures,
      },
      {
        measure: 'answers placed wrong, first pass',
        subject: percent(first.wrong),
        baseline: 'at most 3% (issue 15)',
        ratio: 0.03 / Math.max(first.wrong, 1e-9),
        target: 1,
      },
      {
        measure: 'non-answers left alone',
        subject: percent(first.nonAnswersLeftAlone),
        baseline: '95% (issue 15)',
        ratio: first.nonAnswersLeftAlone / 0.95,
        target: 1,
      },
      {
        measure: 'right after a manager maps one half',
        subject: percent(learned.right),
        baseline: '92% (issue 15)',
        ratio: learned.right / 0.92,
        target: 1,
        note: `${curve.mapped} answers mapped; the other half ${percent(first.right)} -> ${percent(learned.right)} right, ${percent(first.wrong)} -> ${percent(learned.wrong)} wrong`,
      },
      {
        measure: 'matching time per answer, 50 reasons, 20,000 learned examples',
        subject: `${perAnswer(matching.seconds).toFixed(3)} ms`,
        baseline: '2 ms (issue 15)',
        ratio: 2 / perAnswer(matching.seconds),
        target: 1,
        note: `the seed catalogue ${perAnswer(seedMatching.seconds).toFixed(3)} ms per answer; learning the 20,000 examples once ${index.seconds.toFixed(2)} s`,
      },
    ];
  },
};
