import { isWrittenWithoutSpaces, letterGrams, tokenize } from './text-normalize.ts';
import { romanize, soundSkeleton, wordSkeleton } from './romanize.ts';
import { stemWord } from './stemming.ts';

/**
 * A classifier over every labelled example the clinic has (seed keywords and labels, the
 * built-in cue words, each manager's mapping). Each word and pair of words of the examples
 * becomes a vote for the reasons it was seen under; a word seen under many reasons votes
 * weakly. Words are compared by stem in a Latin sound skeleton (so Greeklish meets Greek, and
 * "врача" meets "врач"), and an unknown word borrows the votes of the known word its letters
 * are closest to (typos, unseen inflections). So one mapping teaches the words of an answer,
 * not its exact string. Denials ("nothing to do with", "no complaints") are examples of no reason;
 * inside scripts written without spaces, a cue right after a negator counts for no reason.
 */

export interface LabelledExample {
  /** Normalised text (normalizeAnswer). */
  readonly text: string;
  readonly reasonId: string;
  /** How much the example counts; a manager's mapping more than a built-in cue. */
  readonly weight: number;
  /** What its single words weigh against its word pairs (1 when absent): "is there parking" teaches that "there parking" asks more than that "parking" gives no reason. */
  readonly wordWeight?: number;
}

export interface ClassifierInput {
  readonly examples: readonly LabelledExample[];
  /** Normalised words that never vote alone (pronouns, articles, particles). */
  readonly functionWords: readonly string[];
  /** The class that stands for "this text gives no reason". */
  readonly noReason: string;
}

export interface ReasonClassifier {
  readonly reasonIds: readonly string[];
  /** Word (stem key) or word pair to votes per reason, indexed like reasonIds. */
  readonly votes: ReadonlyMap<string, Float64Array>;
  /** A word as an example wrote it, per stem key: how `reasons explain` names a word it read an unknown one as. */
  readonly spelled: ReadonlyMap<string, string>;
  /** Known words as written and as stemmed, with the stem key each stands for: how an unknown word finds its nearest. */
  readonly spellings: ReadonlyArray<{ readonly key: string; readonly trigrams: number }>;
  /** Trigram to the spellings (indexes) that have it. */
  readonly byTrigram: ReadonlyMap<string, readonly number[]>;
  /** Examples in scripts written without spaces, found anywhere in an answer. */
  readonly unspaced: ReadonlyArray<{ readonly text: string; readonly row: Float64Array }>;
  readonly functionWords: ReadonlySet<string>;
  readonly noReasonIndex: number;
}

/** The stem of a word in the sound skeleton: the key two spellings of one word share. */
export const stemKey = (word: string): string => {
  let key = stemKeys.get(word);
  if (key === undefined) {
    key = soundSkeleton(romanize(stemWord(word)));
    if (stemKeys.size >= stemKeysKept) stemKeys.clear();
    stemKeys.set(word, key);
  }
  return key;
};

/** Stems already worked out: a clinic's answers use the same few thousand words again and again. */
const stemKeys = new Map<string, string>();
const stemKeysKept = 200_000;

const pairKey = (first: string, second: string): string => `${first} ${second}`;

/** A number alone ("6", "2024") says no reason; beside a word ("6 weeks") it may. */
const isNumber = (key: string): boolean => /^\p{N}+$/u.test(key);
/** Words shorter than this are looked up exactly only: "no" is not "on". */
const shortestFuzzyWord = 4;
/** Least Dice similarity of trigrams for an unknown word to borrow a known word's votes. */
const leastFuzzySimilarity = 0.6;

/** A word's letter trigrams with its start and end marked: "^pa", "par", …, "ng$". */
export const trigramsOf = (word: string): string[] => letterGrams(`^${word}$`, 3);

export const trainClassifier = ({ examples, functionWords, noReason }: ClassifierInput): ReasonClassifier => {
  const silent = new Set(functionWords.map(stemKey));
  const reasonIds = [...new Set([noReason, ...examples.map((example) => example.reasonId)])].sort();
  const slot = new Map(reasonIds.map((id, index) => [id, index]));
  const votes = new Map<string, Float64Array>();
  const vote = (key: string, index: number, weight: number): void => {
    let row = votes.get(key);
    if (!row) {
      row = new Float64Array(reasonIds.length);
      votes.set(key, row);
    }
    row[index]! += weight;
  };
  const unspaced = new Map<string, Float64Array>();
  const spelled = new Map<string, string>();
  const isSilent = (key: string): boolean => silent.has(key) || isNumber(key);
  for (const example of examples) {
    const index = slot.get(example.reasonId)!;
    const words = tokenize(example.text);
    for (const word of words.filter(isWrittenWithoutSpaces)) {
      const row = unspaced.get(word) ?? new Float64Array(reasonIds.length);
      row[index]! += example.weight;
      unspaced.set(word, row);
    }
    const spaced = words.filter((word) => !isWrittenWithoutSpaces(word) && stemKey(word) !== '');
    const keys = spaced.map(stemKey);
    spaced.forEach((word, at) => {
      if (!spelled.has(keys[at]!)) spelled.set(keys[at]!, word);
    });
    // An example's words share its weight ("rolled her eyes" says little about "eyes" alone), and so do its word pairs.
    const voters = keys.filter((key) => !isSilent(key)).length;
    keys.forEach((key, at) => {
      if (!isSilent(key)) vote(key, index, (example.weight * (example.wordWeight ?? 1)) / Math.max(1, voters));
      const previous = keys[at - 1];
      if (previous !== undefined && !(isSilent(previous) && isSilent(key))) vote(pairKey(previous, key), index, example.weight / Math.max(1, keys.length - 1));
    });
  }
  // An unknown word is looked up by the letters of known words as written, and of their stems.
  const spellings: Array<{ key: string; trigrams: number }> = [];
  const byTrigram = new Map<string, number[]>();
  const index = (spelling: string, key: string): void => {
    if (Array.from(spelling).length < shortestFuzzyWord) return;
    const grams = new Set(trigramsOf(spelling));
    const at = spellings.push({ key, trigrams: grams.size }) - 1;
    for (const gram of grams) {
      const known = byTrigram.get(gram);
      if (known) known.push(at);
      else byTrigram.set(gram, [at]);
    }
  };
  for (const key of votes.keys()) if (!key.includes(' ')) index(key, key);
  for (const [key, word] of spelled) if (votes.has(key) && wordSkeleton(word) !== key) index(wordSkeleton(word), key);
  return {
    reasonIds,
    votes,
    spelled,
    spellings,
    byTrigram,
    unspaced: [...unspaced].map(([text, row]) => ({ text, row })),
    functionWords: silent,
    noReasonIndex: slot.get(noReason)!,
  };
};

/** The known word (its stem key) closest in letters to an unknown word, as written or as stemmed, if close enough. */
const nearestKnown = (classifier: ReasonClassifier, word: string, key: string): string | undefined => {
  let best: string | undefined;
  let bestSimilarity = leastFuzzySimilarity;
  for (const spelling of new Set([key, wordSkeleton(word)])) {
    if (Array.from(spelling).length < shortestFuzzyWord) continue;
    const grams = new Set(trigramsOf(spelling));
    const shared = new Map<number, number>();
    for (const gram of grams) for (const at of classifier.byTrigram.get(gram) ?? []) shared.set(at, (shared.get(at) ?? 0) + 1);
    for (const [at, count] of shared) {
      const known = classifier.spellings[at]!;
      const similarity = (2 * count) / (grams.size + known.trigrams);
      if (similarity > bestSimilarity) {
        best = known.key;
        bestSimilarity = similarity;
      }
    }
  }
  return best;
};

/**
 * A word's votes as shares of one, drawn towards "any reason" by a prior worth `priorVotes`:
 * a word heard once under a reason leans towards it, a word heard often under it is sure.
 */
const priorVotes = 0.1;

const shares = (row: Float64Array): Float64Array => {
  let total = 0;
  for (const count of row) total += count;
  const even = priorVotes / row.length;
  return row.map((count) => (count + even) / (total + priorVotes));
};

/** How much a word's shares say: 1 when all go to one reason, 0 when spread evenly over all. */
const specificity = (share: Float64Array): number => {
  if (share.length < 2) return 0;
  let entropy = 0;
  for (const part of share) if (part > 0) entropy -= part * Math.log(part);
  return 1 - entropy / Math.log(share.length);
};

/** One word's (or pair's) say in an answer, for `reasons explain`. */
export interface WordVote {
  readonly words: string;
  /** The known word it was taken for, when it was not known itself. */
  readonly heardAs?: string;
  readonly reasonId: string;
  readonly strength: number;
  readonly denied: boolean;
}

const addVotes = (sums: Float64Array, row: Float64Array, weight: number): number => {
  const share = shares(row);
  const strength = weight * specificity(share);
  share.forEach((part, index) => {
    sums[index]! += strength * part;
  });
  return strength;
};

const leadingIndex = (row: Float64Array): number => row.reduce((best, count, index) => (count > row[best]! ? index : best), 0);

export interface ReasonScore {
  readonly reasonId: string;
  readonly score: number;
}

/** Each reason's votes in the answer, best first; empty when no word of the answer is known. */
/** Characters looked back on for a denial inside a script written without spaces ("មិនមែនរឿងលុយទេ"). */
const unspacedDenialReach = 12;

/** A denial right before `start` inside a run of unspaced script: one of the negators ends in the last few characters. */
export const deniedInside = (text: string, start: number, negators: ReadonlySet<string>): boolean => {
  const before = text.slice(Math.max(0, start - unspacedDenialReach), start);
  for (const negator of negators) if (isWrittenWithoutSpaces(negator) && before.includes(negator)) return true;
  return false;
};

export interface ScoreOptions {
  /** Negators in scripts written without spaces, which deny the cue right after them. */
  readonly negators?: ReadonlySet<string>;
  /** Votes for no reason before any word is read (a question back). */
  readonly noReasonVotes?: number;
  /** Filled with each word's vote, for `reasons explain`. */
  readonly trace?: WordVote[];
}

export const scoreReasons = (classifier: ReasonClassifier, normalized: string, { negators, noReasonVotes = 0, trace }: ScoreOptions = {}): ReasonScore[] => {
  const sums = new Float64Array(classifier.reasonIds.length);
  sums[classifier.noReasonIndex] = noReasonVotes;
  let heard = false;
  const words = tokenize(normalized);
  const keys = words.map((word) => (isWrittenWithoutSpaces(word) ? '' : stemKey(word)));
  // Each word and pair votes once: saying it ten times is not ten reasons.
  const counted = new Set<string>();
  const firstTime = (key: string): boolean => {
    if (counted.has(key)) return false;
    counted.add(key);
    return true;
  };
  for (let at = 0; at < keys.length; at++) {
    const key = keys[at]!;
    if (key === '') continue;
    const pair = at + 1 < keys.length ? classifier.votes.get(pairKey(key, keys[at + 1]!)) : undefined;
    if (pair) {
      at += 1;
      if (!firstTime(pairKey(key, keys[at]!))) continue;
      const strength = addVotes(sums, pair, 2);
      trace?.push({ words: `${words[at - 1]} ${words[at]}`, reasonId: classifier.reasonIds[leadingIndex(pair)]!, strength, denied: false });
      heard = true;
      continue;
    }
    if (classifier.functionWords.has(key) || isNumber(key)) continue;
    const known = classifier.votes.has(key) ? key : nearestKnown(classifier, words[at]!, key);
    const row = known === undefined ? undefined : classifier.votes.get(known);
    if (!row || known === undefined || !firstTime(known)) continue;
    const strength = addVotes(sums, row, 1);
    trace?.push({
      words: words[at]!,
      ...(known !== key && { heardAs: classifier.spelled.get(known) ?? known }),
      reasonId: classifier.reasonIds[leadingIndex(row)]!,
      strength,
      denied: false,
    });
    heard = true;
  }
  for (const word of new Set(words)) {
    if (!isWrittenWithoutSpaces(word)) continue;
    for (const cue of classifier.unspaced) {
      const at = word.indexOf(cue.text);
      if (at === -1 || !firstTime(`\u0000${cue.text}`)) continue;
      // A short run of letters is weak evidence: it may be part of a longer word.
      const weight = Math.min(1, Array.from(cue.text).length / 4);
      const denied = negators !== undefined && deniedInside(word, at, negators);
      const strength = denied ? weight : addVotes(sums, cue.row, weight);
      if (denied) sums[classifier.noReasonIndex]! += weight;
      trace?.push({ words: cue.text, reasonId: classifier.reasonIds[leadingIndex(cue.row)]!, strength, denied });
      heard = true;
    }
  }
  if (!heard) return [];
  return classifier.reasonIds.map((reasonId, index) => ({ reasonId, score: sums[index]! })).sort((a, b) => b.score - a.score);
};
