/**
 * The language a locale is written in, for choosing words: its base language, with the tags
 * that name one language twice made one (Filipino `fil` is standard Tagalog, `tl`, which is
 * how our wordings are keyed; the demo and many clinic systems write `fil`).
 */
const sameLanguage: Readonly<Record<string, string>> = { fil: 'tl' };

export const languageOf = (locale: string): string => {
  const base = locale.trim().replace(/_/g, '-').split('-')[0]!.toLowerCase();
  return sameLanguage[base] ?? base;
};

/** Where to look for a locale's words, most specific first: the tag as given, then its language. */
export const wordingKeys = (locale: string): string[] => [...new Set([locale, locale.split('-')[0]!, languageOf(locale)])];
