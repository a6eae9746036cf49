import StemmerEl from '@nlpjs/lang-el/src/stemmer-el.js';
import StemmerEn from '@nlpjs/lang-en-min/src/stemmer-en.js';
import StemmerRu from '@nlpjs/lang-ru/src/stemmer-ru.js';
import { scriptOf } from './romanize.ts';

/**
 * The stem of a normalised word, so "γιατρού" meets "γιατρός" and "врача" meets "врач": the
 * Snowball stemmers (through nlp.js) for Greek, Russian and English, and light suffix rules
 * for Bangla and Georgian, where no maintained stemmer exists. Words in other scripts, and
 * Latin words of other languages, keep their form: the matcher's character n-grams carry them.
 */

interface Stemmer {
  stemWord(word: string): string;
}

const greek: Stemmer = new StemmerEl();
const russian: Stemmer = new StemmerRu();
const english: Stemmer = new StemmerEn();

/** Case endings and plural markers of Bangla nouns and the commonest verb endings, longest first. */
const bengaliSuffixes = ['গুলোতে', 'গুলো', 'গুলি', 'দের', 'েরা', 'েতে', 'ের', 'কে', 'তে', 'রা', 'টা', 'টি', 'য়'];
/** Georgian case endings (dative, genitive, instrumental, adverbial, postpositions) and the plural -ებ-, longest first. */
const georgianSuffixes = ['ებისთვის', 'ისთვის', 'ებში', 'ებით', 'ებმა', 'ებს', 'ების', 'ები', 'ში', 'ზე', 'თან', 'ით', 'ის', 'ად', 'მა', 'ს', 'ი'];
/** A stem keeps at least this many letters. */
const shortestStem = 2;

const stripSuffix = (word: string, suffixes: readonly string[]): string => {
  const letters = Array.from(word).length;
  const suffix = suffixes.find((ending) => word.endsWith(ending) && letters - Array.from(ending).length >= shortestStem);
  return suffix === undefined ? word : word.slice(0, word.length - suffix.length);
};

/** The stem of one normalised word (normalizeAnswer): lower case, accents of Greek and Cyrillic removed. */
export const stemWord = (word: string): string => {
  switch (scriptOf(word)) {
    case 'greek':
      return greek.stemWord(word);
    case 'cyrillic':
      return russian.stemWord(word);
    case 'latin':
      return /^[a-z]+$/.test(word) ? english.stemWord(word) : word;
    case 'bengali':
      return stripSuffix(word, bengaliSuffixes);
    case 'georgian':
      return stripSuffix(word, georgianSuffixes);
    default:
      return word;
  }
};
