import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatMatchingAccuracy, matchAnswer, matchingAccuracy, type ReplyVariant } from '../../../shared/answers/reason-matching.ts';
import { learnAlias, mergeReason, retireReason, seedCatalogue, type Catalogue } from '../../../shared/answers/reasons.ts';

const at = '2025-03-01T10:00:00.000Z';
const seed = seedCatalogue();

/** The seed catalogue as a clinic that never wrote any Greek would have it. */
const withoutGreek = (): Catalogue => {
  const catalogue = seedCatalogue();
  const drop = <T>(record: Readonly<Record<string, T>>): Record<string, T> => Object.fromEntries(Object.entries(record).filter(([locale]) => locale !== 'el'));
  return { ...catalogue, reasons: catalogue.reasons.map((reason) => ({ ...reason, labels: drop(reason.labels), keywords: drop(reason.keywords) })) };
};

const readVariants = (): ReplyVariant[] =>
  readFileSync(new URL('../../fixtures/reply-variants.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ReplyVariant);

describe('matching a reply digit', () => {
  it('places a lone digit, with spaces, punctuation, a keycap emoji or another script’s digits', () => {
    // Prepare
    const replies: Array<[string, string]> = [
      ['1', 'price'],
      [' 2. ', 'waiting-time'],
      ['(3)', 'moved-away'],
      ['4!', 'quality-of-care'],
      ['5️⃣', 'no-longer-needed'],
      ['６', 'other'],
      ['২', 'waiting-time'],
      ['៣', 'moved-away'],
    ];

    // Act
    const matches = replies.map(([text]) => matchAnswer(seed, text, 'en'));

    // Assess
    matches.forEach((match, position) => {
      expect(match).toMatchObject({ reasonId: replies[position]![1], confidence: 1, method: 'digit' });
    });
  });

  it('lets a leading digit win over the words after it', () => {
    expect(matchAnswer(seed, '2 too long a wait', 'en')).toMatchObject({ reasonId: 'waiting-time', method: 'digit', confidence: 1 });
    expect(matchAnswer(seed, '3 too expensive', 'en')).toMatchObject({ reasonId: 'moved-away', method: 'digit' });
  });

  it('does not read numbers, digits out of the list or digits inside a sentence as a choice', () => {
    expect(matchAnswer(seed, '12345', 'en')).toMatchObject({ method: 'none' });
    expect(matchAnswer(seed, '7', 'en')).toMatchObject({ method: 'none' });
    expect(matchAnswer(seed, 'I waited 2 weeks for a call back', 'en')).toMatchObject({ method: 'keyword', reasonId: 'waiting-time' });
  });

  it('counts a digit under the reason its reason was merged into', () => {
    const merged = mergeReason(seed, 'waiting-time', 'schedule', at);
    expect(matchAnswer(merged, '2', 'en')).toMatchObject({ reasonId: 'schedule', method: 'digit' });
  });
});

describe('matching keywords', () => {
  it('finds keywords of the client’s language whatever the case, accents or emoji', () => {
    expect(matchAnswer(seed, 'Too expensive 😡', 'en')).toEqual({ reasonId: 'price', confidence: 0.9, method: 'keyword', normalized: 'too expensive' });
    expect(matchAnswer(seed, 'ΑΚΡΙΒΟ', 'el')).toMatchObject({ reasonId: 'price', method: 'keyword' });
    expect(matchAnswer(seed, 'Слишком дорого!', 'ru')).toMatchObject({ reasonId: 'price', method: 'keyword' });
    expect(matchAnswer(seed, 'ბევრი ლოდინი', 'ka')).toMatchObject({ reasonId: 'waiting-time', method: 'keyword' });
    expect(matchAnswer(seed, 'Lumipat na kami ng bahay', 'tl')).toMatchObject({ reasonId: 'moved-away', method: 'keyword' });
  });

  it('finds a Khmer keyword inside a sentence written without spaces', () => {
    expect(matchAnswer(seed, 'ខ្ញុំទៅគ្លីនិកផ្សេង', 'km')).toMatchObject({ reasonId: 'switched-provider', method: 'keyword' });
  });

  it('matches words that extend a keyword ("waited", "врача")', () => {
    expect(matchAnswer(seed, 'waited forever', 'en')).toMatchObject({ reasonId: 'waiting-time' });
    expect(matchAnswer(seed, 'ушла от этого врача', 'ru')).toMatchObject({ reasonId: 'quality-of-care' });
  });

  it('falls back to other languages with a little less confidence', () => {
    // Act
    const inClientLanguage = matchAnswer(seed, 'too expensive', 'en');
    const inOtherLanguage = matchAnswer(seed, 'too expensive', 'el');
    const noLanguage = matchAnswer(seed, 'дорого', undefined);

    // Assess
    expect(inOtherLanguage).toMatchObject({ reasonId: 'price', method: 'keyword' });
    expect(inOtherLanguage.confidence).toBeLessThan(inClientLanguage.confidence);
    expect(noLanguage).toMatchObject({ reasonId: 'price', method: 'keyword', confidence: 0.9 });
  });

  it('lets the longer phrase win: "not better" is about care, not about feeling better', () => {
    expect(matchAnswer(seed, 'not better at all', 'en')).toMatchObject({ reasonId: 'quality-of-care' });
    expect(matchAnswer(seed, 'δεν έγινα καλά', 'el')).toMatchObject({ reasonId: 'quality-of-care' });
    expect(matchAnswer(seed, 'έγινα καλά', 'el')).toMatchObject({ reasonId: 'no-longer-needed' });
    expect(matchAnswer(seed, 'hindi gumaling', 'tl')).toMatchObject({ reasonId: 'quality-of-care' });
  });

  it('leaves two equally supported reasons to a manager and lowers confidence for a weaker rival', () => {
    // Act
    const tie = matchAnswer(seed, 'rude and expensive', 'en');
    const lead = matchAnswer(seed, 'too expensive and rude', 'en');

    // Assess
    expect(tie.reasonId).toBeUndefined();
    expect(tie.method).toBe('none');
    expect(tie.confidence).toBeLessThan(0.75);
    expect(['price', 'staff-attitude']).toContain(tie.suggestedReasonId);
    expect(lead).toMatchObject({ reasonId: 'price', method: 'keyword' });
    expect(lead.confidence).toBeLessThan(0.9);
  });
});

describe('matching typos', () => {
  it('places misspelt words with their similarity as confidence', () => {
    // Act
    const english = matchAnswer(seed, 'expensve', 'en');
    const russian = matchAnswer(seed, 'дарого', 'ru');
    const swapped = matchAnswer(seed, 'moevd', 'en');

    // Assess
    expect(english).toMatchObject({ reasonId: 'price', method: 'fuzzy' });
    expect(english.confidence).toBeCloseTo(8 / 9);
    expect(russian).toMatchObject({ reasonId: 'price', method: 'fuzzy' });
    expect(swapped).toMatchObject({ reasonId: 'moved-away', method: 'fuzzy' });
  });

  it('keeps answers below the threshold unplaced, with no reason', () => {
    // Act
    const strict = matchAnswer(seed, 'expensve', 'en', { threshold: 0.9 });
    const lenient = matchAnswer(seed, 'expensve', 'en', { threshold: 0.85 });
    const strictKeyword = matchAnswer(seed, 'too expensive', 'en', { threshold: 0.95 });

    // Assess
    expect(strict.reasonId).toBeUndefined();
    expect(strict.method).toBe('none');
    expect(lenient).toMatchObject({ reasonId: 'price', method: 'fuzzy' });
    expect(strictKeyword).toMatchObject({ method: 'none', suggestedReasonId: 'price' });
    expect(strictKeyword.reasonId).toBeUndefined();
  });

  it('does not stretch short words or different words into a reason', () => {
    expect(matchAnswer(seed, 'most', 'en').method).toBe('none');
    expect(matchAnswer(seed, 'Καλημέρα', 'el').method).toBe('none');
    expect(matchAnswer(seed, 'my treatment', 'en').method).toBe('none');
  });
});

describe('answers that give no reason', () => {
  it('stay unplaced', () => {
    for (const text of ['ok', 'thanks', '👍', '', '   ', '?!', 'asdfgh', 'Ευχαριστώ', 'спасибо', 'Salamat po']) {
      const match = matchAnswer(seed, text, 'en');
      expect(match.reasonId, text).toBeUndefined();
      expect(match.method, text).toBe('none');
    }
  });
});

describe('learning from a manager', () => {
  it('places an answer it could not place once a manager taught it, in any case or punctuation', () => {
    // Prepare
    const catalogue = withoutGreek();

    // Act
    const before = matchAnswer(catalogue, 'ακριβό', 'el');
    const taught = learnAlias(catalogue, 'ακριβό', 'price', 'el', at);
    const after = matchAnswer(taught, 'ακριβό', 'el');
    const shouted = matchAnswer(taught, 'ΑΚΡΙΒΌ!!', 'el');
    const inSentence = matchAnswer(taught, 'πολύ ακριβό', 'el');

    // Assess
    expect(before).toEqual({ confidence: 0, method: 'none', normalized: 'ακριβο' });
    expect(after).toEqual({ reasonId: 'price', confidence: 1, method: 'alias', normalized: 'ακριβο' });
    expect(shouted).toMatchObject({ reasonId: 'price', confidence: 1, method: 'alias' });
    expect(inSentence).toMatchObject({ reasonId: 'price', method: 'keyword' });
  });

  it('lets a learned alias overrule a seed keyword of the same wording', () => {
    const taught = learnAlias(seed, 'doctor', 'staff-attitude', 'en', at);
    expect(matchAnswer(seed, 'the doctor', 'en')).toMatchObject({ reasonId: 'quality-of-care' });
    expect(matchAnswer(taught, 'the doctor', 'en')).toMatchObject({ reasonId: 'staff-attitude' });
  });

  it('never places an answer under a merged or retired reason', () => {
    // Prepare
    const taught = learnAlias(seed, 'the queue never moves', 'waiting-time', 'en', at);

    // Act
    const merged = mergeReason(taught, 'waiting-time', 'schedule', at);
    const retired = retireReason(learnAlias(seed, 'meh whatever', 'other', 'en', at), 'other');

    // Assess
    expect(matchAnswer(merged, 'the queue never moves', 'en')).toMatchObject({ reasonId: 'schedule', method: 'alias' });
    expect(matchAnswer(merged, 'waited too long', 'en')).toMatchObject({ reasonId: 'schedule', method: 'keyword' });
    expect(matchAnswer(retired, 'meh whatever', 'en').method).toBe('none');
    expect(matchAnswer(retired, '6', 'en').reasonId).toBeUndefined();
    expect(matchAnswer(retired, 'personal reasons', 'en').reasonId).toBeUndefined();
  });
});

describe('accuracy over the multilingual reply variants', () => {
  it('covers all seven languages and every reason', () => {
    const variants = readVariants();
    expect(variants.length).toBeGreaterThanOrEqual(150);
    expect(new Set(variants.map((variant) => variant.locale))).toEqual(new Set(['en', 'el', 'ru', 'bn', 'ka', 'km', 'tl', undefined]));
    const expected = new Set(variants.map((variant) => variant.expected));
    for (const reason of seed.reasons) expect(expected.has(reason.id), reason.id).toBe(true);
    expect(expected.has(null)).toBe(true);
  });

  it('places most answers, almost always under the right reason, and leaves non-answers alone', () => {
    // Act
    const accuracy = matchingAccuracy(seed, readVariants());
    console.log(formatMatchingAccuracy(accuracy));

    // Assess
    expect(accuracy.precision).toBeGreaterThanOrEqual(0.95);
    expect(accuracy.coverage).toBeGreaterThanOrEqual(0.9);
    expect(accuracy.nullsLeftUnmatched).toBeGreaterThanOrEqual(0.9);
  });

  it('compares expected reasons after merges', () => {
    // Prepare
    const merged = mergeReason(seed, 'waiting-time', 'schedule', at);
    const variants: ReplyVariant[] = [
      { text: 'waited too long', locale: 'en', expected: 'waiting-time' },
      { text: 'ok', locale: 'en', expected: null },
      { text: 'rude and expensive', locale: 'en', expected: 'price' },
    ];

    // Act
    const accuracy = matchingAccuracy(merged, variants);

    // Assess
    expect(accuracy).toMatchObject({ variants: 3, matched: 1, correct: 1, precision: 1, coverage: 0.5, nullsLeftUnmatched: 1 });
    expect(accuracy.mistakes).toEqual([{ text: 'rude and expensive', locale: 'en', expected: 'price' }]);
    expect(formatMatchingAccuracy(accuracy)).toBe('matching accuracy: 100.0% correct of matched, 50.0% matched, 100.0% of expected-null left unmatched');
  });
});
