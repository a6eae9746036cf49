/**
 * One spelling for one word whatever the keyboard: patients write Greek in Latin letters
 * ("poli akriva"), Russian in translit ("dorogo"), Georgian and Bangla in Latin letters
 * ("dzviria", "dam onek beshi"). The matcher compares words in a Latin sound skeleton: native
 * script is romanised the way people type it on a phone, and every Latin spelling of one sound
 * is folded into one letter, so "ακριβά", "akriva" and "akrivaaa" meet.
 */

const greekPairs: ReadonlyArray<readonly [string, string]> = [
  ['ου', 'u'],
  ['αι', 'e'],
  ['ει', 'i'],
  ['οι', 'i'],
  ['υι', 'i'],
  ['αυ', 'av'],
  ['ευ', 'ev'],
  ['μπ', 'b'],
  ['ντ', 'd'],
  ['γκ', 'g'],
  ['γγ', 'g'],
  ['τσ', 'ts'],
  ['τζ', 'tz'],
];

const greekLetters: Readonly<Record<string, string>> = {
  α: 'a',
  β: 'v',
  γ: 'g',
  δ: 'd',
  ε: 'e',
  ζ: 'z',
  η: 'i',
  θ: 'th',
  ι: 'i',
  κ: 'k',
  λ: 'l',
  μ: 'm',
  ν: 'n',
  ξ: 'ks',
  ο: 'o',
  π: 'p',
  ρ: 'r',
  σ: 's',
  τ: 't',
  υ: 'i',
  φ: 'f',
  χ: 'h',
  ψ: 'ps',
  ω: 'o',
  ς: 's',
};

const cyrillicLetters: Readonly<Record<string, string>> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'h',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  і: 'i',
  ї: 'i',
  є: 'e',
  ў: 'u',
};

const georgianLetters: Readonly<Record<string, string>> = {
  ა: 'a',
  ბ: 'b',
  გ: 'g',
  დ: 'd',
  ე: 'e',
  ვ: 'v',
  ზ: 'z',
  თ: 't',
  ი: 'i',
  კ: 'k',
  ლ: 'l',
  მ: 'm',
  ნ: 'n',
  ო: 'o',
  პ: 'p',
  ჟ: 'zh',
  რ: 'r',
  ს: 's',
  ტ: 't',
  უ: 'u',
  ფ: 'p',
  ქ: 'k',
  ღ: 'gh',
  ყ: 'q',
  შ: 'sh',
  ჩ: 'ch',
  ც: 'ts',
  ძ: 'dz',
  წ: 'ts',
  ჭ: 'ch',
  ხ: 'kh',
  ჯ: 'j',
  ჰ: 'h',
};

const bengaliConsonants: Readonly<Record<string, string>> = {
  ক: 'k',
  খ: 'kh',
  গ: 'g',
  ঘ: 'gh',
  ঙ: 'ng',
  চ: 'ch',
  ছ: 'ch',
  জ: 'j',
  ঝ: 'jh',
  ঞ: 'n',
  ট: 't',
  ঠ: 'th',
  ড: 'd',
  ঢ: 'dh',
  ণ: 'n',
  ত: 't',
  থ: 'th',
  দ: 'd',
  ধ: 'dh',
  ন: 'n',
  প: 'p',
  ফ: 'f',
  ব: 'b',
  ভ: 'bh',
  ম: 'm',
  য: 'j',
  র: 'r',
  ল: 'l',
  শ: 'sh',
  ষ: 'sh',
  স: 'sh',
  হ: 'h',
  ড়: 'r',
  ঢ়: 'rh',
  য়: 'y',
};

const bengaliVowels: Readonly<Record<string, string>> = {
  অ: 'o',
  আ: 'a',
  ই: 'i',
  ঈ: 'i',
  উ: 'u',
  ঊ: 'u',
  ঋ: 'ri',
  এ: 'e',
  ঐ: 'oi',
  ও: 'o',
  ঔ: 'ou',
};

const bengaliVowelSigns: Readonly<Record<string, string>> = {
  'া': 'a',
  'ি': 'i',
  'ী': 'i',
  'ু': 'u',
  'ূ': 'u',
  'ৃ': 'ri',
  'ে': 'e',
  'ৈ': 'oi',
  'ো': 'o',
  'ৌ': 'ou',
};

const bengaliOther: Readonly<Record<string, string>> = { ৎ: 't', 'ং': 'ng', 'ঃ': 'h', 'ঁ': '' };
const bengaliVirama = '্';

/**
 * Bangla as it is texted: a consonant carries an "o" unless a vowel sign or the virama follows,
 * and none at the end of the word ("দাম" is "dam", "অনেক" is "onek").
 */
const romanizeBengali = (word: string): string => {
  const letters = Array.from(word.normalize('NFC'));
  let out = '';
  letters.forEach((letter, at) => {
    const consonant = bengaliConsonants[letter];
    if (consonant === undefined) {
      out += bengaliVowels[letter] ?? bengaliVowelSigns[letter] ?? bengaliOther[letter] ?? (letter === bengaliVirama ? '' : letter);
      return;
    }
    out += consonant;
    const next = letters[at + 1];
    const carriesVowel = next !== undefined && next !== bengaliVirama && bengaliVowelSigns[next] === undefined && !/[\u0981-\u0983]/u.test(next);
    if (carriesVowel) out += 'o';
  });
  return out;
};

const byLetter =
  (table: Readonly<Record<string, string>>) =>
  (word: string): string =>
    Array.from(word, (letter) => table[letter] ?? letter).join('');

const romanizeGreek = (word: string): string => {
  let text = word;
  for (const [pair, latin] of greekPairs) text = text.replaceAll(pair, latin);
  return byLetter(greekLetters)(text);
};

const romanizeCyrillic = byLetter(cyrillicLetters);
const romanizeGeorgian = byLetter(georgianLetters);

export type Script = 'latin' | 'greek' | 'cyrillic' | 'georgian' | 'bengali' | 'unspaced' | 'other';

const scripts: ReadonlyArray<readonly [Script, RegExp]> = [
  ['latin', /\p{Script=Latin}/u],
  ['greek', /\p{Script=Greek}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['georgian', /\p{Script=Georgian}/u],
  ['bengali', /\p{Script=Bengali}/u],
  ['unspaced', /[\p{Script=Khmer}\p{Script=Thai}\p{Script=Lao}\p{Script=Myanmar}\p{Script=Han}]/u],
];

/** The script of a word's first letter. */
export const scriptOf = (word: string): Script => scripts.find(([, pattern]) => pattern.test(word))?.[0] ?? 'other';

/** A normalised word (normalizeAnswer) in Latin letters as people type it; Latin and unknown scripts unchanged. */
export const romanize = (word: string): string => {
  switch (scriptOf(word)) {
    case 'greek':
      return romanizeGreek(word);
    case 'cyrillic':
      return romanizeCyrillic(word);
    case 'georgian':
      return romanizeGeorgian(word);
    case 'bengali':
      return romanizeBengali(word);
    default:
      return word;
  }
};

/** Spellings of one sound across transliteration habits, longest first. */
const soundFolds: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?<=\p{L})8|8(?=\p{L})/gu, 'th'],
  [/(?<=\p{L})4|4(?=\p{L})/gu, 'ch'],
  [/ch/g, '\u0001'],
  [/c/g, 'k'],
  [/\u0001/g, 'c'],
  [/ph/g, 'f'],
  [/th/g, 't'],
  [/gh/g, 'g'],
  [/dh/g, 'd'],
  [/bh/g, 'v'],
  [/kh|x/g, 'h'],
  [/sh/g, 's'],
  [/zh|dz/g, 'z'],
  [/q/g, 'k'],
  [/ou|oo/g, 'u'],
  [/ee|ei|oi/g, 'i'],
  [/ai/g, 'e'],
  [/y/g, 'i'],
  [/(\p{L})\1+/gu, '$1'],
];

/** A Latin word with every spelling of one sound folded into one letter ("akrivaa" and "akriva" are one). */
export const soundSkeleton = (latin: string): string => soundFolds.reduce((text, [pattern, to]) => text.replace(pattern, to), latin);

/** The word as the matcher compares it across scripts: romanised, then folded. */
export const wordSkeleton = (word: string): string => soundSkeleton(romanize(word));
