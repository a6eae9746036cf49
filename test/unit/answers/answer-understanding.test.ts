import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelledFile } from '../../../cli/reasons-check-command.ts';
import { checkMatching, halvesByFamily, learnFromHalf, tallyShares, type LabelledAnswer } from '../../../shared/answers/matching-check.ts';
import { scoreReasons, stemKey, trainClassifier } from '../../../shared/answers/reason-classifier.ts';
import { defaultMatchThreshold, explainAnswer, matchAnswer, noReason } from '../../../shared/answers/reason-matching.ts';
import { mergeReason, seedCatalogue } from '../../../shared/answers/reasons.ts';
import { wordSkeleton } from '../../../shared/answers/romanize.ts';
import { normalizeAnswer } from '../../../shared/answers/text-normalize.ts';
import { readLabelledAnswers } from '../../support/labelled-answers.ts';

const seed = seedCatalogue();
const at = '2026-12-02T09:00:00.000Z';
const skeletons = (text: string): string[] => normalizeAnswer(text).split(' ').map(wordSkeleton);
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

describe('one spelling whatever the keyboard', () => {
  it('meets Greek and Greeklish, Russian and translit, Georgian and Bangla in Latin letters', () => {
    expect(skeletons('πολύ ακριβά')).toEqual(skeletons('poli akriva'));
    expect(skeletons('очень дорого')).toEqual(skeletons('ochen dorogo'));
    expect(skeletons('ძალიან ძვირია')).toEqual(skeletons('dzalian dzviria'));
    expect(skeletons('দাম অনেক বেশি')).toEqual(skeletons('dam onek beshi'));
    expect(skeletons('ჩემი')).toEqual(skeletons('4emi'));
  });

  it('gives inflected forms one stem in every script that has a stemmer or suffix rules', () => {
    const stem = (word: string): string => stemKey(normalizeAnswer(word));
    expect(stem('γιατρού')).toBe(stem('γιατρός'));
    expect(stem('врача')).toBe(stem('врач'));
    expect(stem('waiting')).toBe(stem('waited'));
    expect(stem('ექიმის')).toBe(stem('ექიმი'));
    expect(stem('ডাক্তারের')).toBe(stem('ডাক্তার'));
  });
});

describe('the classifier over labelled examples', () => {
  const classifier = trainClassifier({
    examples: [
      { text: 'too expensive', reasonId: 'price', weight: 1 },
      { text: 'waited for hours', reasonId: 'waiting-time', weight: 1 },
      { text: 'no parking anywhere', reasonId: 'parking', weight: 2 },
      { text: 'can i book', reasonId: noReason, weight: 1 },
    ],
    functionWords: ['i', 'for', 'the'],
    noReason,
  });

  it('ranks the reason whose words the answer shares first, and knows no reason from words it never saw', () => {
    expect(scoreReasons(classifier, 'the price was too expensive')[0]?.reasonId).toBe('price');
    expect(scoreReasons(classifier, 'never any parking')[0]?.reasonId).toBe('parking');
    expect(scoreReasons(classifier, 'hello there')).toEqual([]);
  });

  it('reads an unknown word as the known word closest in letters, and says so', () => {
    const votes: Parameters<typeof scoreReasons>[2] = { trace: [] };
    expect(scoreReasons(classifier, 'parkng', votes)[0]?.reasonId).toBe('parking');
    expect(votes.trace?.[0]).toMatchObject({ words: 'parkng', heardAs: 'parking', reasonId: 'parking' });
  });

  it('never lets a function word vote alone', () => {
    expect(scoreReasons(classifier, 'for the')).toEqual([]);
  });
});

describe('answers that give no reason', () => {
  it('leaves questions back, booking requests and denials unplaced, in several languages', () => {
    const texts: Array<[string, string]> = [
      ['how much is a cleaning?', 'en'],
      ['can I book for Tuesday?', 'en'],
      ['it wasn’t the price, nothing like that', 'en'],
      ['no complaints at all', 'en'],
      ['ευχαριστώ για το μήνυμα', 'el'],
      ['к персоналу претензий нет', 'ru'],
      ['មិនមែនដោយសារថ្លៃទេ', 'km'],
      ['wala po akong reklamo', 'tl'],
    ];
    for (const [text, locale] of texts) expect(matchAnswer(seed, text, locale).reasonId, text).toBeUndefined();
  });
});

describe('a second reason', () => {
  it('keeps the second reason an answer gives in a clause of its own, and only then', () => {
    const both = matchAnswer(seed, 'too expensive and the receptionist was rude', 'en');
    expect([both.reasonId, both.alsoReasonId].sort()).toEqual(['price', 'staff-attitude']);
    expect(matchAnswer(seed, 'too expensive for me', 'en').alsoReasonId).toBeUndefined();
  });
});

describe('explaining an answer', () => {
  it('says which words pointed where', () => {
    const explanation = explainAnswer(seed, 'waited two hours, too expensive anyway', 'en');
    expect(explanation.match.reasonId).toBeDefined();
    expect(explanation.votes.map((vote) => vote.reasonId)).toEqual(expect.arrayContaining(['waiting-time', 'price']));
    expect(explanation.scores[0]?.score).toBeGreaterThan(0);
  });
});

describe('checking a catalogue on labelled answers', () => {
  it('counts right, wrong, unplaced and non-answers left alone, comparing expected reasons after merges', () => {
    // Prepare
    const merged = mergeReason(seed, 'waiting-time', 'schedule', at);
    const labelled: LabelledAnswer[] = [
      { text: 'waited too long', locale: 'en', expected: 'waiting-time' },
      { text: 'ok', locale: 'en', expected: null },
      { text: 'asdfgh qwerty', locale: 'en', expected: 'price' },
      { text: 'too expensive', locale: 'en', expected: 'moved-away' },
    ];

    // Act
    const { total, mistakes, byLanguage } = checkMatching(merged, labelled);

    // Assess
    expect(total).toEqual({ answers: 4, right: 1, wrong: 1, unplaced: 1, nonAnswers: 1, nonAnswersLeftAlone: 1 });
    expect(byLanguage.en).toEqual(total);
    expect(mistakes.map((mistake) => [mistake.text, mistake.got])).toEqual([
      ['asdfgh qwerty', undefined],
      ['too expensive', 'price'],
    ]);
  });

  it('splits halves by paraphrase family, the same way every time', () => {
    const labelled = readLabelledAnswers();
    const [first, second] = halvesByFamily(labelled);
    const familiesOf = (half: readonly LabelledAnswer[]) => new Set(half.map((answer) => answer.family));
    expect([...familiesOf(first)].filter((family) => familiesOf(second).has(family))).toEqual([]);
    expect(halvesByFamily(labelled)[0]).toEqual(first);
    expect(Math.abs(first.length - second.length)).toBeLessThan(labelled.length * 0.1);
  });

  it('names every bad line of a labelled file with why', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'labelled-')), 'bad.jsonl');
    writeFileSync(
      path,
      ['{"text": "too pricey", "locale": "en", "expected": "price"}', 'not json', '{"text": "", "expected": "price"}', '{"text": "x"}'].join('\n'),
    );
    expect(() => readLabelledFile(path)).toThrow(/3 bad line\(s\)[\s\S]*line 2: not JSON[\s\S]*line 3: text[\s\S]*line 4: expected/);
  });
});

/**
 * The measure of issue 15, on answers written for it in seven languages (test/fixtures/answers:
 * paraphrases without the catalogue's keywords, transliterations, typos, non-answers), scored on
 * the half of the paraphrase families the calibration never saw.
 */
describe('understanding answers nobody wrote the keywords for', () => {
  const labelled = readLabelledAnswers();
  const [, heldOut] = halvesByFamily(labelled);

  it('has at least 1,200 answers, 150 in each of the seven languages, a tenth of them non-answers', () => {
    expect(labelled.length).toBeGreaterThanOrEqual(1200);
    for (const locale of ['en', 'el', 'ru', 'bn', 'ka', 'km', 'tl']) {
      expect(labelled.filter((answer) => answer.locale === locale).length, locale).toBeGreaterThanOrEqual(150);
    }
    expect(labelled.filter((answer) => answer.expected === null).length).toBeGreaterThanOrEqual(labelled.length * 0.1);
  });

  it('places most held-out answers rightly, few wrongly, and leaves non-answers alone', () => {
    // Act
    const check = checkMatching(seed, heldOut);
    const shares = tallyShares(check.total);
    console.log(
      `held-out half (${heldOut.length} answers) at ${defaultMatchThreshold}: right ${percent(shares.right)}, wrong ${percent(shares.wrong)}, unplaced ${percent(shares.unplaced)}, non-answers left alone ${percent(shares.nonAnswersLeftAlone)}`,
    );

    // Assess: the figures measured when this was written, so a change that makes it worse fails
    expect(shares.right).toBeGreaterThanOrEqual(0.59);
    expect(shares.wrong).toBeLessThanOrEqual(0.04);
    expect(shares.nonAnswersLeftAlone).toBeGreaterThanOrEqual(0.95);
    for (const [language, tally] of Object.entries(check.byLanguage)) expect(tallyShares(tally).right, language).toBeGreaterThanOrEqual(0.4);
  });

  it('is calibrated: of the answers placed from a confidence, at least that share is right', () => {
    for (const threshold of [0.7, 0.8, 0.9]) {
      const { total } = checkMatching(seed, heldOut, { threshold });
      const placed = total.right + total.wrong + (total.nonAnswers - total.nonAnswersLeftAlone);
      expect(total.right / placed, `at ${threshold}`).toBeGreaterThanOrEqual(threshold);
    }
  });

  it('learns from a manager’s pass over one half without getting worse on the other', () => {
    // Act
    const curve = learnFromHalf(seed, labelled, at);
    const before = tallyShares(curve.before.total);
    const after = tallyShares(curve.after.total);
    console.log(
      `learning from ${curve.mapped} mapped answers: right ${percent(before.right)} -> ${percent(after.right)}, wrong ${percent(before.wrong)} -> ${percent(after.wrong)}`,
    );

    // Assess
    expect(curve.mapped).toBeGreaterThan(100);
    expect(after.right).toBeGreaterThanOrEqual(before.right - 0.005);
    expect(after.wrong).toBeLessThanOrEqual(before.wrong + 0.005);
  });
});
