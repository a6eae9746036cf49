import { describe, expect, it } from 'vitest';
import {
  addReason,
  CatalogueError,
  digitReasons,
  emptyCatalogue,
  learnAlias,
  mergeReason,
  reasonLabel,
  renameReason,
  resolveReason,
  retireReason,
  seedCatalogue,
  type Catalogue,
  type CatalogueErrorCode,
} from '../../../shared/answers/reasons.ts';
import { editDistance, normalizeAnswer, similarity, tokenize } from '../../../shared/answers/text-normalize.ts';

const at = '2025-03-01T10:00:00.000Z';
const locales = ['en', 'el', 'ru', 'bn', 'ka', 'km', 'tl'];

const failsWith = (code: CatalogueErrorCode, act: () => unknown): void => {
  let thrown: unknown;
  try {
    act();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(CatalogueError);
  expect((thrown as CatalogueError).code).toBe(code);
};

const reasonOf = (catalogue: Catalogue, id: string) => catalogue.reasons.find((reason) => reason.id === id)!;

describe('normalising answers in every script', () => {
  it('folds case, width and accents of Latin, Greek and Cyrillic', () => {
    // Prepare
    const answers = ['ΑΚΡΙΒΌ!!', 'Ακριβό', 'ακριβο', 'Ёлка', 'Straße', 'ＥＸＰＥＮＳＩＶＥ', 'Café crème', 'İstanbul'];

    // Act
    const normalized = answers.map(normalizeAnswer);

    // Assess
    expect(normalized).toEqual(['ακριβο', 'ακριβο', 'ακριβο', 'елка', 'strasse', 'expensive', 'cafe creme', 'istanbul']);
  });

  it('folds the Greek final sigma so a word compares equal wherever it stands', () => {
    expect(normalizeAnswer('ΑΚΡΙΒΌΣ')).toBe('ακριβοσ');
    expect(normalizeAnswer('ακριβός γιατρός')).toBe(normalizeAnswer('ΑΚΡΙΒΟΣ ΓΙΑΤΡΟΣ'));
  });

  it('keeps the vowel signs of Bengali and Khmer, which are letters there, not accents', () => {
    // Prepare
    const bengali = 'খরচ বেশি';
    const khmer = 'ថ្លៃពេក';

    // Act
    const normalizedBengali = normalizeAnswer(`${bengali}।`);
    const normalizedKhmer = normalizeAnswer(`${khmer}។`);

    // Assess
    expect(normalizedBengali).toBe(bengali.normalize('NFC'));
    expect(normalizedBengali).toContain('\u09c7'); // the e-kar of বেশি
    expect(normalizedKhmer).toBe(khmer);
    expect(normalizedKhmer).toContain('\u17d2'); // the coeng joining ល under ថ
    expect(normalizeAnswer('ব্যয়বহুল')).toBe('ব্যয়বহুল'.normalize('NFC'));
  });

  it('lowercases Georgian capitals (Mtavruli) to the ordinary letters', () => {
    expect(normalizeAnswer('ᲤᲐᲡᲘ')).toBe('ფასი');
    expect(normalizeAnswer('ძალიან ძვირია!')).toBe('ძალიან ძვირია');
  });

  it('drops punctuation, symbols and emoji, keeps digits, joins words split by apostrophes and collapses spaces', () => {
    expect(normalizeAnswer('  too   expensive 😡😡!!\n')).toBe('too expensive');
    expect(normalizeAnswer('1️⃣')).toBe('1');
    expect(normalizeAnswer("didn't help")).toBe('didnt help');
    expect(normalizeAnswer('Mahal  PO!!')).toBe('mahal po');
    expect(normalizeAnswer('👨‍👩‍👧 ...')).toBe('');
    expect(normalizeAnswer('waiting-time')).toBe('waiting time');
  });

  it('splits a normalised answer into words', () => {
    expect(tokenize('too expensive')).toEqual(['too', 'expensive']);
    expect(tokenize('')).toEqual([]);
  });

  it('measures typos as edits, counting a swap of two neighbours as one', () => {
    expect(editDistance('expensve', 'expensive')).toBe(1);
    expect(editDistance('moevd', 'moved')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(similarity('дорогоо', 'дорого')).toBeCloseTo(6 / 7);
    expect(similarity('cost', 'cost')).toBe(1);
    expect(similarity('', '')).toBe(1);
  });
});

describe('the seed catalogue', () => {
  it('has the eleven reasons, active, each labelled and with keywords in all seven languages', () => {
    // Act
    const catalogue = seedCatalogue();

    // Assess
    expect(catalogue.version).toBe(1);
    expect(catalogue.aliases).toEqual([]);
    expect(catalogue.reasons.map((reason) => reason.id)).toEqual([
      'price',
      'waiting-time',
      'quality-of-care',
      'staff-attitude',
      'moved-away',
      'switched-provider',
      'schedule',
      'no-longer-needed',
      'insurance-or-payment',
      'deceased',
      'other',
    ]);
    for (const reason of catalogue.reasons) {
      expect(reason.status).toBe('active');
      expect(reason.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      for (const locale of locales) {
        expect(reason.labels[locale], `${reason.id} label in ${locale}`).toBeTruthy();
        expect(reason.keywords[locale]?.length ?? 0, `${reason.id} keywords in ${locale}`).toBeGreaterThanOrEqual(3);
      }
    }
    expect(reasonOf(catalogue, 'deceased').labels.en).toBe('Passed away');
    expect(reasonOf(catalogue, 'moved-away').churnType).toBe('involuntary');
    expect(reasonOf(catalogue, 'no-longer-needed').churnType).toBe('passive');
    expect(reasonOf(catalogue, 'price').churnType).toBe('voluntary');
  });

  it('maps the SMS reply digits to seed reasons', () => {
    const ids = new Set(seedCatalogue().reasons.map((reason) => reason.id));
    expect(digitReasons).toEqual({ '1': 'price', '2': 'waiting-time', '3': 'moved-away', '4': 'quality-of-care', '5': 'no-longer-needed', '6': 'other' });
    expect(Object.values(digitReasons).every((id) => ids.has(id))).toBe(true);
  });

  it('gives every call a fresh catalogue', () => {
    expect(seedCatalogue()).not.toBe(seedCatalogue());
    expect(seedCatalogue()).toEqual(seedCatalogue());
  });
});

describe('adding a reason', () => {
  it('derives a kebab-case id from the label and bumps the version, leaving the old catalogue as it was', () => {
    // Prepare
    const catalogue = seedCatalogue();

    // Act
    const changed = addReason(catalogue, { label: 'Parking is hard!', locale: 'en', churnType: 'voluntary' }, at);

    // Assess
    expect(changed.version).toBe(2);
    expect(reasonOf(changed, 'parking-is-hard')).toEqual({
      id: 'parking-is-hard',
      labels: { en: 'Parking is hard!' },
      churnType: 'voluntary',
      status: 'active',
      keywords: {},
      addedAt: at,
    });
    expect(catalogue.reasons).toHaveLength(11);
    expect(catalogue.version).toBe(1);
  });

  it('numbers reasons whose label has no Latin letters, and takes an id or keywords when given', () => {
    // Act
    const greek = addReason(seedCatalogue(), { label: 'Δεν υπάρχει πάρκινγκ', locale: 'el', churnType: 'voluntary' }, at);
    const named = addReason(greek, { id: 'parking', label: 'Парковка', locale: 'ru', churnType: 'voluntary', keywords: ['негде парковаться'] }, at);

    // Assess
    expect(greek.reasons.at(-1)!.id).toBe('reason-12');
    expect(named.reasons.at(-1)).toMatchObject({ id: 'parking', labels: { ru: 'Парковка' }, keywords: { ru: ['негде парковаться'] } });
    expect(named.version).toBe(3);
  });

  it('gives a derived id a number when a retired reason already holds it', () => {
    const retired = retireReason(addReason(seedCatalogue(), { label: 'Parking', locale: 'en', churnType: 'voluntary' }, at), 'parking');
    const again = addReason(retired, { label: 'Parking', locale: 'en', churnType: 'voluntary' }, at);
    expect(again.reasons.at(-1)!.id).toBe('parking-2');
  });

  it('refuses a taken id, a label another reason has in any language, a bad label, id or locale', () => {
    const catalogue = seedCatalogue();
    failsWith('already-exists', () => addReason(catalogue, { id: 'price', label: 'Fees', locale: 'en', churnType: 'voluntary' }, at));
    failsWith('already-exists', () => addReason(catalogue, { label: 'PRICE', locale: 'en', churnType: 'voluntary' }, at));
    failsWith('already-exists', () => addReason(catalogue, { label: 'Τιμή', locale: 'el', churnType: 'voluntary' }, at));
    failsWith('bad-label', () => addReason(catalogue, { label: '   ', locale: 'en', churnType: 'voluntary' }, at));
    failsWith('bad-label', () => addReason(catalogue, { label: '!!! 😡', locale: 'en', churnType: 'voluntary' }, at));
    failsWith('bad-label', () => addReason(catalogue, { label: 'x'.repeat(81), locale: 'en', churnType: 'voluntary' }, at));
    failsWith('bad-id', () => addReason(catalogue, { id: 'Not Kebab', label: 'Parking', locale: 'en', churnType: 'voluntary' }, at));
    failsWith('bad-id', () => addReason(catalogue, { id: 'a'.repeat(2000), label: 'Parking', locale: 'en', churnType: 'voluntary' }, at));
    failsWith('bad-locale', () => addReason(catalogue, { label: 'Parking', locale: 'English', churnType: 'voluntary' }, at));
  });
});

describe('merging reasons', () => {
  it('retires the merged reason, points it and its aliases at the survivor, and bumps the version', () => {
    // Prepare
    const catalogue = learnAlias(seedCatalogue(), 'the queue never moves', 'waiting-time', 'en', at);

    // Act
    const merged = mergeReason(catalogue, 'waiting-time', 'schedule', at);

    // Assess
    expect(merged.version).toBe(catalogue.version + 1);
    expect(reasonOf(merged, 'waiting-time')).toMatchObject({ status: 'retired', mergedInto: 'schedule', mergedAt: at });
    expect(merged.aliases).toEqual([{ text: 'the queue never moves', reasonId: 'schedule', locale: 'en', learnedAt: at }]);
    expect(reasonOf(catalogue, 'waiting-time').status).toBe('active');
  });

  it('re-counts past answers under the reason they were merged into', () => {
    // Prepare
    const answers = [{ reasonId: 'waiting-time' }, { reasonId: 'schedule' }, { reasonId: 'price' }, { reasonId: 'waiting-time' }];
    const merged = mergeReason(seedCatalogue(), 'waiting-time', 'schedule', at);

    // Act
    const counts = new Map<string, number>();
    for (const answer of answers) {
      const id = resolveReason(merged, answer.reasonId).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }

    // Assess
    expect(Object.fromEntries(counts)).toEqual({ schedule: 3, price: 1 });
  });

  it('follows a chain when merging into a reason that was itself merged', () => {
    // Prepare
    const first = mergeReason(seedCatalogue(), 'waiting-time', 'schedule', at);

    // Act
    const second = mergeReason(first, 'staff-attitude', 'waiting-time', at);
    const third = mergeReason(second, 'schedule', 'other', at);

    // Assess
    expect(reasonOf(second, 'staff-attitude').mergedInto).toBe('schedule');
    expect(resolveReason(third, 'staff-attitude').id).toBe('other');
    expect(resolveReason(third, 'waiting-time').id).toBe('other');
  });

  it('refuses to merge into itself, in a circle, from or into a retired reason, or an unknown one', () => {
    const merged = mergeReason(seedCatalogue(), 'waiting-time', 'schedule', at);
    failsWith('merge-into-itself', () => mergeReason(seedCatalogue(), 'price', 'price', at));
    failsWith('merge-cycle', () => mergeReason(merged, 'schedule', 'waiting-time', at));
    failsWith('retired-reason', () => mergeReason(merged, 'waiting-time', 'price', at));
    failsWith('retired-reason', () => mergeReason(retireReason(seedCatalogue(), 'other'), 'price', 'other', at));
    failsWith('unknown-reason', () => mergeReason(seedCatalogue(), 'parking', 'price', at));
    failsWith('unknown-reason', () => mergeReason(seedCatalogue(), 'price', 'parking', at));
  });
});

describe('renaming and retiring reasons', () => {
  it('renames a label in one locale and keeps the old wording as a keyword', () => {
    // Act
    const renamed = renameReason(seedCatalogue(), 'price', 'en', 'cost of treatment');

    // Assess
    expect(renamed.version).toBe(2);
    expect(reasonOf(renamed, 'price').labels).toMatchObject({ en: 'cost of treatment', el: 'Τιμή' });
    expect(reasonOf(renamed, 'price').keywords.en).toContain('price');
    expect(reasonLabel(reasonOf(renamed, 'price'), 'en-GB')).toBe('cost of treatment');
  });

  it('adds a label in a locale the reason had none in', () => {
    const renamed = renameReason(seedCatalogue(), 'price', 'fr', 'prix');
    expect(reasonOf(renamed, 'price').labels.fr).toBe('prix');
  });

  it('refuses to rename an unknown or retired reason, or to a bad or taken label', () => {
    failsWith('unknown-reason', () => renameReason(seedCatalogue(), 'parking', 'en', 'Parking'));
    failsWith('retired-reason', () => renameReason(retireReason(seedCatalogue(), 'other'), 'other', 'en', 'something else'));
    failsWith('bad-label', () => renameReason(seedCatalogue(), 'price', 'en', ''));
    failsWith('already-exists', () => renameReason(seedCatalogue(), 'price', 'en', 'Schedule'));
    failsWith('bad-locale', () => renameReason(seedCatalogue(), 'price', '', 'cost'));
  });

  it('retires a reason whose past answers still count under it', () => {
    // Act
    const retired = retireReason(seedCatalogue(), 'other');

    // Assess
    expect(retired.version).toBe(2);
    expect(reasonOf(retired, 'other')).toMatchObject({ status: 'retired' });
    expect(reasonOf(retired, 'other').mergedInto).toBeUndefined();
    expect(resolveReason(retired, 'other').id).toBe('other');
    failsWith('retired-reason', () => retireReason(retired, 'other'));
    failsWith('unknown-reason', () => retireReason(retired, 'parking'));
  });
});

describe('learning aliases', () => {
  it('stores the normalised text under the reason', () => {
    // Act
    const learned = learnAlias(seedCatalogue(), '  ΠΟΛΎ ακριβό!! ', 'price', 'el', at);

    // Assess
    expect(learned.version).toBe(2);
    expect(learned.aliases).toEqual([{ text: 'πολυ ακριβο', reasonId: 'price', locale: 'el', learnedAt: at }]);
  });

  it('replaces the alias when the same text is learned for another reason, and changes nothing when it is the same', () => {
    // Prepare
    const learned = learnAlias(seedCatalogue(), 'the doctor', 'quality-of-care', 'en', at);

    // Act
    const relearned = learnAlias(learned, 'The doctor!', 'staff-attitude', 'en', '2025-03-02T10:00:00.000Z');
    const unchanged = learnAlias(relearned, 'the doctor', 'staff-attitude', 'en', at);

    // Assess
    expect(relearned.aliases).toEqual([{ text: 'the doctor', reasonId: 'staff-attitude', locale: 'en', learnedAt: '2025-03-02T10:00:00.000Z' }]);
    expect(relearned.version).toBe(3);
    expect(unchanged).toBe(relearned);
  });

  it('learns an alias of a merged reason under the reason it was merged into', () => {
    const merged = mergeReason(seedCatalogue(), 'waiting-time', 'schedule', at);
    expect(learnAlias(merged, 'queue', 'waiting-time', undefined, at).aliases).toEqual([{ text: 'queue', reasonId: 'schedule', learnedAt: at }]);
  });

  it('refuses empty text, a retired or unknown reason', () => {
    failsWith('bad-label', () => learnAlias(seedCatalogue(), '?!', 'price', 'en', at));
    failsWith('retired-reason', () => learnAlias(retireReason(seedCatalogue(), 'other'), 'meh', 'other', 'en', at));
    failsWith('unknown-reason', () => learnAlias(seedCatalogue(), 'meh', 'parking', 'en', at));
  });
});

describe('resolving a reason', () => {
  it('finds a reason by id, and fails for an unknown one or a catalogue merged in a circle', () => {
    // Prepare
    const broken: Catalogue = {
      version: 1,
      aliases: [],
      reasons: [
        { id: 'a', labels: { en: 'a' }, churnType: 'passive', status: 'retired', mergedInto: 'b', keywords: {} },
        { id: 'b', labels: { en: 'b' }, churnType: 'passive', status: 'retired', mergedInto: 'a', keywords: {} },
      ],
    };

    // Act, Assess
    expect(resolveReason(seedCatalogue(), 'price').labels.en).toBe('Price');
    failsWith('unknown-reason', () => resolveReason(emptyCatalogue(), 'price'));
    failsWith('merge-cycle', () => resolveReason(broken, 'a'));
  });

  it('labels a reason in the client language, its base language, or English', () => {
    const price = reasonOf(seedCatalogue(), 'price');
    expect(reasonLabel(price, 'el-GR')).toBe('Τιμή');
    expect(reasonLabel(price, 'fr')).toBe('Price');
    expect(reasonLabel(price, undefined)).toBe('Price');
  });
});
