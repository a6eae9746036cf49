/**
 * The console's language and the clinic's formats: English, Greek and Russian are complete; the
 * product's other languages (Bangla, Georgian, Khmer, Tagalog) fall back to English words while
 * numbers, money and dates follow their own locale. Dates and times are the clinic's.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { minorDigits } from '../../shared/common/money.ts';
import { el } from './words/el.ts';
import { en, type Words } from './words/en.ts';
import { ru } from './words/ru.ts';

export const catalogues: Readonly<Record<string, Words>> = { en, el, ru };
export const languages = [
  { tag: 'en', name: 'English' },
  { tag: 'el', name: 'Ελληνικά' },
  { tag: 'ru', name: 'Русский' },
  { tag: 'bn', name: 'বাংলা' },
  { tag: 'ka', name: 'ქართული' },
  { tag: 'km', name: 'ខ្មែរ' },
  { tag: 'tl', name: 'Tagalog' },
] as const;

export const wordsFor = (language: string): Words => catalogues[language.split('-')[0] ?? 'en'] ?? en;

/** How this clinic writes numbers, money and times, in the chosen language. */
export interface Formats {
  readonly language: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly number: (value: number) => string;
  readonly share: (value: number) => string;
  /** An amount in the currency's minor unit (cents), as the API keeps money. */
  readonly money: (minor: number) => string;
  /** A calendar day (YYYY-MM-DD), shown as that day whatever the zone. */
  readonly day: (isoDay: string) => string;
  /** An instant, on the clinic's clock. */
  readonly instant: (iso: string) => string;
}

export const formatsFor = (language: string, timeZone: string, currency: string): Formats => {
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  const share = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  const money = new Intl.NumberFormat(language, { style: 'currency', currency });
  const digits = minorDigits(currency);
  const day = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' });
  const instant = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  return {
    language,
    timeZone,
    currency,
    number: (value) => number.format(value),
    share: (value) => share.format(value),
    money: (minor) => money.format(minor / 10 ** digits),
    day: (isoDay) => (/^\d{4}-\d{2}-\d{2}$/.test(isoDay.slice(0, 10)) ? day.format(new Date(`${isoDay.slice(0, 10)}T00:00:00Z`)) : isoDay),
    instant: (iso) => {
      const at = new Date(iso);
      return Number.isNaN(at.getTime()) ? iso : instant.format(at);
    },
  };
};

export interface Locale {
  readonly words: Words;
  readonly formats: Formats;
}

export const LocaleContext = createContext<Locale>({ words: en, formats: formatsFor('en', 'UTC', 'EUR') });
export const useLocale = (): Locale => useContext(LocaleContext);
export const useWords = (): Words => useContext(LocaleContext).words;
