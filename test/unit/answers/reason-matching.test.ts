import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkMatching, tallyShares, type LabelledAnswer } from '../../../shared/answers/matching-check.ts';
import { defaultMatchThreshold, matchAnswer } from '../../../shared/answers/reason-matching.ts';
import { addReason, learnAlias, mergeReason, retireReason, seedCatalogue } from '../../../shared/answers/reasons.ts';

const at = '2025-03-01T10:00:00.000Z';
const seed = seedCatalogue();

/** The repo's first variant set: plain answers, most with the catalogue's own keywords. */
const readVariants = (): LabelledAnswer[] =>
  readFileSync(new URL('../../fixtures/reply-variants.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledAnswer);

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

  it('lets a leading digit win over the few words after it, but not over a sentence that starts with a number', () => {
    expect(matchAnswer(seed, '2 too long a wait', 'en')).toMatchObject({ reasonId: 'waiting-time', method: 'digit', confidence: 1 });
    expect(matchAnswer(seed, '3 too expensive', 'en')).toMatchObject({ reasonId: 'moved-away', method: 'digit' });
    expect(matchAnswer(seed, '4 - the doctor never explained anything and it still hurts', 'en')).toMatchObject({
      reasonId: 'quality-of-care',
      method: 'digit',
    });
    expect(matchAnswer(seed, '6 sessions and my shoulder is exactly the same as before', 'en').method).not.toBe('digit');
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
    expect(matchAnswer(seed, 'Too expensive 😡', 'en')).toMatchObject({ reasonId: 'price', method: 'keyword', normalized: 'too expensive' });
    expect(matchAnswer(seed, 'Too expensive 😡', 'en').confidence).toBeGreaterThanOrEqual(defaultMatchThreshold);
    expect(matchAnswer(seed, 'ΑΚΡΙΒΟ', 'el')).toMatchObject({ reasonId: 'price', method: 'keyword' });
    expect(matchAnswer(seed, 'Слишком дорого!', 'ru')).toMatchObject({ reasonId: 'price', method: 'keyword' });
    expect(matchAnswer(seed, 'ბევრი ლოდინი', 'ka')).toMatchObject({ reasonId: 'waiting-time', method: 'keyword' });
    expect(matchAnswer(seed, 'Lumipat na kami ng bahay', 'tl')).toMatchObject({ reasonId: 'moved-away', method: 'keyword' });
  });

  it('finds a Khmer keyword inside a sentence written without spaces', () => {
    expect(matchAnswer(seed, 'ខ្ញុំទៅគ្លីនិកផ្សេង', 'km')).toMatchObject({ reasonId: 'switched-provider', method: 'keyword' });
  });

  it('matches words that extend a keyword ("waited", "нагрубили")', () => {
    expect(matchAnswer(seed, 'waited forever', 'en')).toMatchObject({ reasonId: 'waiting-time' });
    expect(matchAnswer(seed, 'нагрубили в регистратуре', 'ru')).toMatchObject({ reasonId: 'staff-attitude' });
  });

  it('places keywords written in another language than the client’s, or with no language known', () => {
    expect(matchAnswer(seed, 'too expensive', 'el')).toMatchObject({ reasonId: 'price', method: 'keyword' });
    expect(matchAnswer(seed, 'дорого', undefined)).toMatchObject({ reasonId: 'price', method: 'keyword' });
  });

  it('lets the longer phrase win: "not better" is about care, not about feeling better', () => {
    expect(matchAnswer(seed, 'not better at all', 'en')).toMatchObject({ reasonId: 'quality-of-care' });
    expect(matchAnswer(seed, 'δεν έγινα καλά', 'el')).toMatchObject({ reasonId: 'quality-of-care' });
    expect(matchAnswer(seed, 'έγινα καλά', 'el')).toMatchObject({ reasonId: 'no-longer-needed' });
    expect(matchAnswer(seed, 'hindi gumaling', 'tl')).toMatchObject({ reasonId: 'quality-of-care' });
  });

  it('leaves two equally supported reasons to a manager, and keeps the second of a clear lead as a second reason', () => {
    // Act
    const tie = matchAnswer(seed, 'rude and expensive', 'en');
    const lead = matchAnswer(seed, 'too expensive and rude', 'en');

    // Assess
    expect(tie.reasonId).toBeUndefined();
    expect(tie.method).toBe('none');
    expect(tie.confidence).toBeLessThan(defaultMatchThreshold);
    expect(['price', 'staff-attitude']).toContain(tie.suggestedReasonId);
    expect(lead).toMatchObject({ reasonId: 'price', method: 'keyword', alsoReasonId: 'staff-attitude' });
  });
});

describe('matching typos', () => {
  it('reads a misspelt word as the known word its letters are closest to', () => {
    for (const [typo, locale] of [
      ['expensve', 'en'],
      ['дарого', 'ru'],
    ]) {
      const match = matchAnswer(seed, typo!, locale, { threshold: 0.7 });
      expect(match, typo).toMatchObject({ reasonId: 'price', method: 'similar' });
    }
  });

  it('keeps answers below the threshold unplaced, with the best reason as a suggestion', () => {
    // Act
    const strict = matchAnswer(seed, 'expensve', 'en', { threshold: 0.99 });
    const lenient = matchAnswer(seed, 'expensve', 'en', { threshold: 0.5 });

    // Assess
    expect(strict).toMatchObject({ method: 'none', suggestedReasonId: 'price' });
    expect(strict.reasonId).toBeUndefined();
    expect(lenient).toMatchObject({ reasonId: 'price' });
  });

  it('does not stretch short words or different words into a reason', () => {
    expect(matchAnswer(seed, 'most', 'en').method).toBe('none');
    expect(matchAnswer(seed, 'moevd', 'en').method).toBe('none');
    expect(matchAnswer(seed, 'Καλημέρα', 'el').method).toBe('none');
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
  it('places the exact words a manager mapped, in any case or punctuation, and their paraphrases by the words they share', () => {
    // Prepare
    const catalogue = addReason(seed, { id: 'parking', label: 'Parking', locale: 'en', churnType: 'voluntary' }, at);

    // Act
    const before = matchAnswer(catalogue, 'nowhere to park the car near you', 'en');
    const taught = learnAlias(catalogue, 'nowhere to park the car near you', 'parking', 'en', at);
    const after = matchAnswer(taught, 'nowhere to park the car near you', 'en');
    const shouted = matchAnswer(taught, 'NOWHERE to park the car near you!!', 'en');
    const paraphrase = matchAnswer(taught, 'could never park my car', 'en');

    // Assess
    expect(before.reasonId).toBeUndefined();
    expect(after).toEqual({ reasonId: 'parking', confidence: 1, method: 'alias', normalized: 'nowhere to park the car near you' });
    expect(shouted).toMatchObject({ reasonId: 'parking', confidence: 1, method: 'alias' });
    expect(paraphrase.reasonId ?? paraphrase.suggestedReasonId).toBe('parking');
  });

  it('lets a learned alias overrule a seed keyword of the same wording', () => {
    const taught = learnAlias(seed, 'the queue', 'staff-attitude', 'en', at);
    expect(matchAnswer(seed, 'the queue', 'en')).toMatchObject({ reasonId: 'waiting-time' });
    expect(matchAnswer(taught, 'the queue', 'en')).toMatchObject({ reasonId: 'staff-attitude', method: 'alias' });
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
    const shares = tallyShares(checkMatching(seed, readVariants()).total);

    // Assess
    expect(shares.right).toBeGreaterThanOrEqual(0.88);
    expect(shares.wrong).toBeLessThanOrEqual(0.01);
    expect(shares.nonAnswersLeftAlone).toBeGreaterThanOrEqual(0.95);
  });
});
