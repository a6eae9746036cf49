import type { Candidate } from './ports/catalogue-store.ts';
import type { Catalogue } from './reasons.ts';
import { matchAnswer } from './reason-matching.ts';
import { stemKey, trigramsOf } from './reason-classifier.ts';
import { scriptOf, wordSkeleton } from './romanize.ts';
import { isWrittenWithoutSpaces, letterGrams, normalizeAnswer, tokenize } from './text-normalize.ts';
import { normalisedCues } from './lexicon/index.ts';
import { fnv1a } from '../common/hash.ts';

/**
 * Pending answers in groups, so a manager places "parking, 12 answers in 3 languages" in one
 * action instead of twelve. Each pending text is read as its content words (no pronouns,
 * greetings, negators): a word counts by its stem in a Latin sound skeleton (so "parking" and
 * "πάρκινγκ" meet) and by the letter trigrams of that skeleton (so "парковки" and
 * "parkirebis" come near "parking"); text written without spaces (Khmer) by its letter n-grams.
 * Features most pending texts share weigh less. Texts are taken most answered first, and each
 * joins the group it is most like, or starts one. The threshold is set for purity: mapping a
 * group must not place an answer that means something else, so a doubtful text stays alone.
 */

export type GroupSuggestion =
  /** The catalogue's matcher reads most of the group's texts as this reason, without the confidence to place them. */
  | { readonly kind: 'reason'; readonly reasonId: string; readonly confidence: number }
  /** Nothing in the catalogue fits: a new reason, named by the group's commonest word. */
  | { readonly kind: 'new'; readonly label: string };

export interface PendingGroup {
  /** `g-` and a short hash of the lead (most answered) text: the same while that text leads the group. */
  readonly groupId: string;
  /** The group's commonest content word, as written in it ("parking"): what the group is about. */
  readonly topic: string;
  /** The pending (normalised) texts, most answered first. */
  readonly texts: readonly string[];
  /** How many answers wait on the group's texts. */
  readonly answers: number;
  /** The languages of the clients who wrote them. */
  readonly locales: readonly string[];
  /** Up to three texts a manager reads to decide. */
  readonly examples: readonly string[];
  readonly suggestion: GroupSuggestion;
}

export interface PendingGroups {
  /** Most answers first. */
  readonly groups: readonly PendingGroup[];
  /** How many pending texts were grouped. */
  readonly grouped: number;
  /** Pending texts left out, the least answered, because there were more than `mostGrouped`: none once the first are placed. */
  readonly leftOut: number;
}

export interface GroupingOptions {
  /** Least cosine similarity of a text to a group for it to join (0..1). */
  readonly threshold?: number;
  /** At most this many pending texts are grouped, the most answered. */
  readonly mostGrouped?: number;
}

/**
 * Tuned for purity first on test/fixtures/answers/new-reasons-*.jsonl (105 answers, 5 new
 * topics, 7 languages): at 0.4 every group there holds one topic (at 0.3 one does not), in 94
 * groups, 8 of several texts, 5 of those across languages; on the harder labelled-*.jsonl
 * answers of the seed reasons 94% of texts share their group's topic.
 * test/unit/answers/pending-groups.test.ts keeps both.
 */
export const defaultGroupingThreshold = 0.4;
export const mostGroupedTexts = 2000;
const examplesShown = 3;
/** The matcher reads this many of a group's texts, the most answered, to suggest a reason. */
const textsReadForSuggestion = 5;
/**
 * Least confidence of the matcher's reading for it to count toward a suggestion. At 0.5, 34 of
 * 83 groups of answers about something new (new-reasons-*.jsonl) were suggested a seed reason;
 * at 0.6, 24, and two suggestions in three on answers of seed reasons are still right.
 */
const leastSuggestionConfidence = 0.6;
/** Texts of a group read to name it. */
const textsReadForTopic = 20;
/** Letters per n-gram of text written without spaces. */
const unspacedGrams = [2, 3] as const;

/**
 * Fillers the shared lexicons do not list as function words, which linked answers about
 * different things ("there's no parking", "there's no lift"): contractions, hedges, Tagalog
 * particles ("mag", "sana", "pwede") and place words, how Khmer speakers address staff.
 */
const fillers = ['theres', 'cant', 'couldnt', 'wont', 'wouldnt', 'tbh', 'honestly', 'mag', 'nag', 'sana', 'pwede', 'dyan', 'diyan', 'dun', 'bong', 'nas'];

interface EmptyWords {
  /** Words that say nothing about why a client left, in every language: function words, negators, greetings, thanks, fillers. */
  readonly words: ReadonlySet<string>;
  /** The same words in scripts written without spaces, longest first: cut out of a text before it is read. */
  readonly unspaced: readonly string[];
}

let emptyWordSets: EmptyWords | undefined;
/** Built on first use, not when a function loads this file (normalising the lexicons takes tens of milliseconds). */
const emptyWords = (): EmptyWords => {
  if (!emptyWordSets) {
    const words: ReadonlySet<string> = new Set([
      ...normalisedCues().silentWords,
      ...normalisedCues().negators.map((negator) => negator.word),
      ...fillers.map(normalizeAnswer),
    ]);
    emptyWordSets = { words, unspaced: [...words].filter(isWrittenWithoutSpaces).sort((a, b) => b.length - a.length) };
  }
  return emptyWordSets;
};

const isContentWord = (word: string): boolean => !emptyWords().words.has(word) && !/^\p{N}+$/u.test(word) && Array.from(word).length >= 2;

/** The spaced content words of a normalised text. */
const contentWords = (text: string): string[] => tokenize(text).filter((word) => !isWrittenWithoutSpaces(word) && isContentWord(word));

/** The runs of a text written without spaces that are left once its empty words are cut out. */
const unspacedPieces = (text: string): string[] =>
  tokenize(text)
    .filter(isWrittenWithoutSpaces)
    .flatMap((token) =>
      emptyWords()
        .unspaced.reduce((rest, word) => rest.replaceAll(word, ' '), token)
        .split(' '),
    )
    .filter((piece) => Array.from(piece).length >= 2);

const skeletonTrigrams = (word: string): string[] => trigramsOf(wordSkeleton(word));

type Features = Map<string, number>;

const add = (features: Features, key: string, weight: number): void => {
  features.set(key, (features.get(key) ?? 0) + weight);
};

const lengthOf = (features: Features): number => Math.sqrt([...features.values()].reduce((sum, weight) => sum + weight * weight, 0));

/** What a text says, as weighted features: each word's stem (1) and skeleton trigrams (1 in all); letter n-grams where there are no spaces. */
const featuresOf = (text: string): Features => {
  const features: Features = new Map();
  for (const word of contentWords(text)) {
    // A word in another script also counts by the stem of its Latin spelling: "πάρκινγκ" is read
    // as "parking", so it meets the English "parking" (stem "park") and not only other Greek.
    const stems = new Set([stemKey(word), ...(scriptOf(word) === 'latin' ? [] : [stemKey(wordSkeleton(word))])].filter((stem) => stem !== ''));
    for (const stem of stems) add(features, `s:${stem}`, 1 / stems.size);
    const trigrams = skeletonTrigrams(word);
    for (const gram of trigrams) add(features, `t:${gram}`, 1 / trigrams.length);
  }
  for (const piece of unspacedPieces(text)) {
    for (const size of unspacedGrams) {
      const grams = letterGrams(piece, size);
      for (const gram of grams) add(features, `u:${gram}`, 1 / grams.length);
    }
  }
  return features;
};

/**
 * Features most pending texts have say less: each weighs by the square root of its inverse
 * document frequency (the full weight would also fade the word a large group shares: "parking"
 * in every text of the parking group), then each text is scaled to length 1.
 */
const weighted = (all: readonly Features[]): Features[] => {
  const documents = new Map<string, number>();
  for (const features of all) for (const key of features.keys()) documents.set(key, (documents.get(key) ?? 0) + 1);
  return all.map((features) => {
    const scaled: Features = new Map();
    for (const [key, weight] of features) scaled.set(key, weight * Math.sqrt(Math.log(1 + all.length / documents.get(key)!)));
    const length = lengthOf(scaled);
    if (length > 0) for (const [key, weight] of scaled) scaled.set(key, weight / length);
    return scaled;
  });
};

interface FormingGroup {
  readonly members: number[];
  readonly sum: Features;
  length: number;
}

/** The group a text is most like (cosine to the group's summed vector), if any shares a feature with it. Ties go to the older group. */
const mostAlike = (vector: Features, groups: readonly FormingGroup[], byFeature: ReadonlyMap<string, ReadonlySet<number>>) => {
  const dots = new Map<number, number>();
  for (const [key, weight] of vector) {
    for (const group of byFeature.get(key) ?? []) dots.set(group, (dots.get(group) ?? 0) + weight * (groups[group]!.sum.get(key) ?? 0));
  }
  let best: { group: number; similarity: number } | undefined;
  for (const [group, dot] of dots) {
    const similarity = dot / groups[group]!.length;
    if (!best || similarity > best.similarity || (similarity === best.similarity && group < best.group)) best = { group, similarity };
  }
  return best;
};

/**
 * Leader clustering: texts in order (most answered first), each joins the group whose summed
 * vector it is most like when at least `threshold`, else leads a new one. Only groups sharing a
 * feature with the text are compared (an index by feature), so thousands of texts stay fast.
 */
const clusterIndexes = (vectors: readonly Features[], threshold: number): number[][] => {
  const groups: FormingGroup[] = [];
  const byFeature = new Map<string, Set<number>>();
  vectors.forEach((vector, index) => {
    const alike = mostAlike(vector, groups, byFeature);
    const joined = alike && alike.similarity >= threshold ? alike.group : groups.push({ members: [], sum: new Map(), length: 0 }) - 1;
    const group = groups[joined]!;
    group.members.push(index);
    for (const [key, weight] of vector) {
      add(group.sum, key, weight);
      if (!byFeature.has(key)) byFeature.set(key, new Set());
      byFeature.get(key)!.add(joined);
    }
    group.length = lengthOf(group.sum);
  });
  return groups.map((group) => group.members);
};

/** A group's id, from its lead text: "g-" and base 36. */
export const groupIdOf = (leadText: string): string => `g-${fnv1a(leadText).toString(36)}`;

interface WordForm {
  readonly spelling: string;
  readonly skeleton: string;
  readonly stem: string;
  readonly trigrams: ReadonlySet<string>;
}

const formOf = (word: string): WordForm => ({
  spelling: word,
  skeleton: wordSkeleton(word),
  stem: stemKey(word) || word,
  trigrams: new Set(skeletonTrigrams(word)),
});

/** 1 for one stem; else how alike two words sound (Dice of skeleton trigrams) when clearly alike ("parking", "паркинг"); else 0. */
const likeness = (a: WordForm, b: WordForm): number => {
  if (a.stem === b.stem) return 1;
  let shared = 0;
  for (const gram of a.trigrams) if (b.trigrams.has(gram)) shared++;
  const dice = (2 * shared) / (a.trigrams.size + b.trigrams.size);
  return dice >= 0.5 ? dice : 0;
};

/** For text without spaces: the longest run (3 letters or more) of the lead text that most of the group's texts have. */
const unspacedTopicOf = (members: readonly Candidate[]): string | undefined => {
  const texts = members.slice(0, textsReadForTopic).map((candidate) => unspacedPieces(candidate.text).join(' '));
  const lead = Array.from(texts[0] ?? '').slice(0, 60);
  let best: { run: string; texts: number } | undefined;
  for (let start = 0; start < lead.length; start++) {
    for (let end = start + 3; end <= lead.length; end++) {
      const run = lead.slice(start, end).join('');
      if (run.includes(' ')) break;
      const having = texts.filter((text) => text.includes(run)).length;
      if (!best || having > best.texts || (having === best.texts && run.length > best.run.length)) best = { run, texts: having };
    }
  }
  return best?.run;
};

/** Per stem: how many seed reasons' built-in cue words have it ("always" is a cue of waiting, "lift" of none). Built once. */
let cueReasonCounts: ReadonlyMap<string, number> | undefined;
const cueReasonsOf = (stem: string): number => {
  if (!cueReasonCounts) {
    const reasons = new Map<string, Set<string>>();
    for (const { seedId, text } of normalisedCues().reasons) {
      for (const word of tokenize(text)) {
        const key = stemKey(word);
        reasons.set(key, (reasons.get(key) ?? new Set()).add(seedId));
      }
    }
    cueReasonCounts = new Map([...reasons].map(([key, ids]) => [key, ids.size]));
  }
  return cueReasonCounts.get(stem) ?? 0;
};

/**
 * What the group is about: its commonest content word in any script (each word scores the
 * answers whose text has it or a word like it, so "parking" also counts "πάρκινγκ"), as
 * written in the group. On a tie: the word fewer seed reasons use (a new topic is named by a
 * word the catalogue does not know: "lift", not "always"), the word the lead text names first
 * ("parking near the clinic is impossible" is about parking), the spelling most answers use.
 */
const topicOf = (members: readonly Candidate[]): string => {
  const read = members
    .slice(0, textsReadForTopic)
    .map((candidate) => ({ answers: candidate.answers, words: [...new Set(contentWords(candidate.text))].map(formOf) }));
  const scored = new Map<string, { score: number; known: number; first: number; spelled: number }>();
  for (const word of read.flatMap((text) => text.words)) {
    if (scored.has(word.spelling)) continue;
    const score = read.reduce((sum, text) => sum + text.answers * Math.max(0, ...text.words.map((other) => likeness(word, other))), 0);
    const spelled = read.reduce((sum, text) => sum + (text.words.some((other) => other.spelling === word.spelling) ? text.answers : 0), 0);
    const position = read[0]?.words.findIndex((other) => other.spelling === word.spelling) ?? -1;
    scored.set(word.spelling, { score: Math.round(score * 1e6), known: cueReasonsOf(word.stem), first: position === -1 ? Infinity : position, spelled });
  }
  const [best] = [...scored].sort(([, a], [, b]) => b.score - a.score || a.known - b.known || a.first - b.first || b.spelled - a.spelled);
  return best?.[0] ?? unspacedTopicOf(members) ?? Array.from(members[0]!.text).slice(0, 30).join('');
};

/** What the catalogue's matcher reads in the group's most answered texts: one reason for most of them, or something new. */
const suggestionFor = (catalogue: Catalogue, members: readonly Candidate[], topic: string): GroupSuggestion => {
  const read = members.slice(0, textsReadForSuggestion);
  const votes = new Map<string, number[]>();
  for (const candidate of read) {
    const match = matchAnswer(catalogue, candidate.text, candidate.locales[0]);
    const reasonId = match.reasonId ?? match.suggestedReasonId;
    if (reasonId === undefined || match.confidence < leastSuggestionConfidence) continue;
    votes.set(reasonId, [...(votes.get(reasonId) ?? []), match.confidence]);
  }
  const [reasonId, confidences = []] = [...votes].sort(([, a], [, b]) => b.length - a.length)[0] ?? [];
  if (reasonId === undefined || confidences.length * 2 <= read.length) return { kind: 'new', label: topic };
  const confidence = confidences.reduce((sum, value) => sum + value, 0) / read.length;
  return { kind: 'reason', reasonId, confidence: Math.round(confidence * 100) / 100 };
};

const byAnswersThenText = (a: Candidate, b: Candidate): number => b.answers - a.answers || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

const groupOf = (catalogue: Catalogue, { groupId, members }: PendingCluster): PendingGroup => {
  const topic = topicOf(members);
  return {
    groupId,
    topic,
    texts: members.map((candidate) => candidate.text),
    answers: members.reduce((sum, candidate) => sum + candidate.answers, 0),
    locales: [...new Set(members.flatMap((candidate) => candidate.locales))].sort(),
    examples: members.slice(0, examplesShown).map((candidate) => candidate.text),
    suggestion: suggestionFor(catalogue, members, topic),
  };
};

export interface PendingCluster {
  readonly groupId: string;
  /** Most answered first. */
  readonly members: readonly Candidate[];
}

/** The pending texts in groups of one meaning, without reading them against the catalogue: which texts a group id stands for. */
export const clusterPending = (
  candidates: readonly Candidate[],
  options: GroupingOptions = {},
): { clusters: PendingCluster[]; grouped: number; leftOut: number } => {
  const ordered = [...candidates].sort(byAnswersThenText);
  const taken = ordered.slice(0, options.mostGrouped ?? mostGroupedTexts);
  const vectors = weighted(taken.map((candidate) => featuresOf(candidate.text)));
  const ids = new Set<string>();
  const clusters = clusterIndexes(vectors, options.threshold ?? defaultGroupingThreshold).map((indexes) => {
    const members = indexes.map((index) => taken[index]!);
    // Two lead texts with one hash (about 1 in 2,000 at 2,000 groups): the later group's id says so.
    let groupId = groupIdOf(members[0]!.text);
    for (let n = 2; ids.has(groupId); n++) groupId = `${groupIdOf(members[0]!.text)}-${n}`;
    ids.add(groupId);
    return { groupId, members };
  });
  return { clusters, grouped: taken.length, leftOut: ordered.length - taken.length };
};

/** The pending answers in groups of one meaning across languages, each with a suggestion, most answers first. */
export const groupPending = (catalogue: Catalogue, candidates: readonly Candidate[], options: GroupingOptions = {}): PendingGroups => {
  const { clusters, grouped, leftOut } = clusterPending(candidates, options);
  const groups = clusters
    .map((cluster) => groupOf(catalogue, cluster))
    .sort((a, b) => b.answers - a.answers || b.texts.length - a.texts.length || (a.groupId < b.groupId ? -1 : 1));
  return { groups, grouped, leftOut };
};
