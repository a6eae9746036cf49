/**
 * Normalisation of free-text answers so that variants of one word compare equal in any
 * script: "ΑΚΡΙΒΌ!!", "ακριβο" and "Ακριβό 😡" all become "ακριβο"; "Ёлка" becomes "елка";
 * "Straße" becomes "strasse"; Bengali and Khmer keep their vowel signs, because there the
 * combining marks are the letters themselves, not optional accents.
 */

/** Scripts whose combining marks are accents a writer may leave out (ό, ё, é). */
const accentedScript = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
const letter = /\p{L}/u;
const mark = /\p{M}/u;

/** Case folding that toLocaleLowerCase leaves undone: final sigma, German sharp s. */
const foldSpecialCases = (text: string): string => text.replaceAll('ς', 'σ').replaceAll('ß', 'ss');

/**
 * Drops combining marks that sit on a Latin, Greek or Cyrillic letter, or on no letter at all
 * (the keycap of 1️⃣, an emoji's variation selector); keeps those of every other script.
 */
const stripAccents = (decomposed: string): string => {
  if (!/\p{M}/u.test(decomposed)) return decomposed;
  let result = '';
  let keepMarks = false;
  for (const char of decomposed) {
    if (mark.test(char)) {
      if (keepMarks) result += char;
      continue;
    }
    keepMarks = letter.test(char) && !accentedScript.test(char);
    result += char;
  }
  return result;
};

/**
 * The comparable form of an answer: NFKC, case-folded, accents of Latin/Greek/Cyrillic removed,
 * apostrophes dropped inside words ("didn't" = "didnt"), every other character that is not a
 * letter, digit or letter-forming mark turned into a space, spaces collapsed.
 */
export const normalizeAnswer = (text: string): string => {
  const folded = foldSpecialCases(text.normalize('NFKC').toLocaleLowerCase('und'));
  return stripAccents(folded.normalize('NFD'))
    .replace(/[\p{Cf}'’ʼ`]/gu, '')
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
    .trim()
    .normalize('NFC');
};

/** The words of a normalised answer. Scripts written without spaces (Khmer) come out as one long token. */
export const tokenize = (normalized: string): string[] => (normalized === '' ? [] : normalized.split(' '));

/** The runs of `size` letters (code points) of a text, in order. */
export const letterGrams = (text: string, size: number): string[] => {
  const letters = Array.from(text);
  const grams: string[] = [];
  for (let at = 0; at + size <= letters.length; at++) grams.push(letters.slice(at, at + size).join(''));
  return grams;
};

/** Scripts written without spaces between words: a keyword there is found anywhere inside a token. */
const unspacedScript = /[\p{Script=Khmer}\p{Script=Thai}\p{Script=Lao}\p{Script=Myanmar}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

export const isWrittenWithoutSpaces = (text: string): boolean => unspacedScript.test(text);

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbours
 * (optimal string alignment), over code points.
 */
export const editDistance = (a: string, b: string): number => {
  const left = Array.from(a);
  const right = Array.from(b);
  if (left.length === 0) return right.length;
  if (right.length === 0) return left.length;
  const width = right.length + 1;
  let beforePrevious = new Array<number>(width).fill(0);
  let previous = Array.from({ length: width }, (_, column) => column);
  let current = new Array<number>(width).fill(0);
  for (let row = 1; row <= left.length; row++) {
    current[0] = row;
    for (let column = 1; column <= right.length; column++) {
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      let best = Math.min(previous[column]! + 1, current[column - 1]! + 1, previous[column - 1]! + cost);
      if (row > 1 && column > 1 && left[row - 1] === right[column - 2] && left[row - 2] === right[column - 1]) {
        best = Math.min(best, beforePrevious[column - 2]! + 1);
      }
      current[column] = best;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[right.length]!;
};

/**
 * Similarity of two normalised strings in 0..1: 1 - edit distance / longer length.
 * Damerau-Levenshtein rather than trigrams because answers are short words where one dropped,
 * doubled or swapped letter is the usual typo, and trigrams score such words poorly.
 */
export const similarity = (a: string, b: string): number => {
  const longer = Math.max(Array.from(a).length, Array.from(b).length);
  return longer === 0 ? 1 : 1 - editDistance(a, b) / longer;
};
