import { describe, expect, it } from 'vitest';
import { languageOf, wordingKeys } from '../../../shared/common/languages.ts';
import { wordingFor, shippedWordings } from '../../../shared/outreach/wording.ts';
import { reasonLabel, seedCatalogue } from '../../../shared/answers/reasons.ts';
import { smsHelpText } from '../../../shared/answers/sms-keywords.ts';

describe('the language of a locale', () => {
  it('is the base language, with Filipino written as Tagalog', () => {
    expect(['fil-PH', 'fil', 'tl', 'el-GR', 'EN_gb'].map(languageOf)).toEqual(['tl', 'tl', 'tl', 'el', 'en']);
    expect(wordingKeys('fil-PH')).toEqual(['fil-PH', 'fil', 'tl']);
  });

  it('gives a Filipino client Tagalog everywhere: requests, reason labels, HELP', () => {
    const price = seedCatalogue().reasons.find((reason) => reason.id === 'price')!;

    expect(wordingFor('fil-PH', shippedWordings, 'en').locale).toBe('tl');
    expect(reasonLabel(price, 'fil-PH')).toBe(price.labels.tl);
    expect(smsHelpText('fil-PH', 'Clinic')).toBe(smsHelpText('tl', 'Clinic'));
    expect(smsHelpText('fil-PH', 'Clinic')).not.toBe(smsHelpText('en', 'Clinic'));
  });
});
