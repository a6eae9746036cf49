import { digitReasons, isManagersAlias, resolveReason, type Catalogue, type Reason } from './reasons.ts';
import { isWrittenWithoutSpaces, normalizeAnswer, tokenize } from './text-normalize.ts';
import { languageOf } from '../common/languages.ts';
import { fnv1a } from '../common/hash.ts';
import {
  deniedInside,
  scoreReasons,
  trainClassifier,
  type LabelledExample,
  type ReasonClassifier,
  type ReasonScore,
  type WordVote,
} from './reason-classifier.ts';
import { confidenceOf, type ConfidenceModel, type MatchEvidence } from './answer-confidence.ts';
import { normalisedCues } from './lexicon/index.ts';

/**
 * Places a client's free-text answer under a reason of the catalogue, or says it cannot: the
 * caller then queues the answer for a manager instead of inventing a reason.
 */

/** How an answer was placed; 'fuzzy' (typos of a keyword) is what earlier versions recorded, the classifier's n-grams now read typos. */
export type MatchMethod = 'digit' | 'alias' | 'keyword' | 'fuzzy' | 'similar' | 'none';

export interface ReasonMatch {
  /** Absent when no reason reached the threshold. */
  readonly reasonId?: string;
  /** 0..1 */
  readonly confidence: number;
  readonly method: MatchMethod;
  readonly normalized: string;
  /** With method 'none': the best candidate below the threshold, a hint for the manager who places the answer. */
  readonly suggestedReasonId?: string;
  /** A second reason the answer gives in a clause of its own ("too pricey and always waiting"); reports count the first. */
  readonly alsoReasonId?: string;
}

export interface MatchOptions {
  /** Least confidence for an answer to be placed; default defaultMatchThreshold. */
  readonly threshold?: number;
  /** Another calibration than the built-in one (`npm run calibrate:matcher` compares them). */
  readonly confidenceModel?: ConfidenceModel;
}

/** Placed answers at this confidence are right about 95% of the time on held-out labelled answers (see answer-confidence.ts). */
export const defaultMatchThreshold = 0.8;

/** A keyword token this long also matches words that merely extend it ("wait" in "waiting", "врач" in "врача"). */
const shortestStem = 4;
const longestEnding = 3;

interface KeywordEntry {
  readonly reasonId: string;
  readonly text: string;
  readonly tokens: readonly string[];
  readonly unspaced: boolean;
}

interface EntryIndex {
  /** Spaced-script entries by their first token. */
  readonly byFirstToken: ReadonlyMap<string, readonly KeywordEntry[]>;
  /** Entries in scripts written without spaces, found anywhere in the answer. */
  readonly unspaced: readonly KeywordEntry[];
}

interface CatalogueIndex {
  readonly aliases: ReadonlyMap<string, string>;
  readonly digits: ReadonlyMap<string, string>;
  readonly byLocale: ReadonlyMap<string, EntryIndex>;
  readonly everyLocale: EntryIndex;
  readonly classifier: ReasonClassifier;
}

const baseLanguage = languageOf;

/** The active reason answers under `id` count under now, or undefined for a retired (unmerged) or unknown one. */
const liveReasonId = (catalogue: Catalogue, id: string): string | undefined => {
  try {
    const reason = resolveReason(catalogue, id);
    return reason.status === 'active' ? reason.id : undefined;
  } catch {
    return undefined;
  }
};

const entryOf = (reasonId: string, text: string): KeywordEntry => ({
  reasonId,
  text,
  tokens: tokenize(text),
  unspaced: isWrittenWithoutSpaces(text),
});

const buildEntryIndex = (entries: readonly KeywordEntry[]): EntryIndex => {
  const byFirstToken = new Map<string, KeywordEntry[]>();
  const unspaced: KeywordEntry[] = [];
  for (const entry of entries) {
    if (entry.unspaced) unspaced.push(entry);
    else {
      const first = entry.tokens[0]!;
      const sharing = byFirstToken.get(first);
      if (sharing) sharing.push(entry);
      else byFirstToken.set(first, [entry]);
    }
  }
  return { byFirstToken, unspaced };
};

const buildIndex = (catalogue: Catalogue): CatalogueIndex => {
  const aliases = new Map<string, string>();
  const aliasLocales = new Map<string, string | undefined>();
  for (const alias of catalogue.aliases) {
    const reasonId = liveReasonId(catalogue, alias.reasonId);
    if (reasonId === undefined || !isManagersAlias(alias)) continue;
    aliases.set(alias.text, reasonId);
    aliasLocales.set(alias.text, alias.locale === undefined ? undefined : baseLanguage(alias.locale));
  }

  // A learned alias overrules a seed keyword of the same wording: the manager placed it.
  const byLocale = new Map<string, KeywordEntry[]>();
  const everyLocale: KeywordEntry[] = [];
  const seen = new Set<string>();
  const add = (locale: string | undefined, reasonId: string, text: string): void => {
    const key = `${locale ?? '*'}\u0000${reasonId}\u0000${text}`;
    if (text === '' || seen.has(key)) return;
    seen.add(key);
    const entry = entryOf(reasonId, text);
    if (locale === undefined) {
      everyLocale.push(entry);
      return;
    }
    const inLocale = byLocale.get(locale);
    if (inLocale) inLocale.push(entry);
    else byLocale.set(locale, [entry]);
    if (!seen.has(`*\u0000${reasonId}\u0000${text}`)) {
      seen.add(`*\u0000${reasonId}\u0000${text}`);
      everyLocale.push(entry);
    }
  };
  for (const [text, reasonId] of aliases) add(aliasLocales.get(text), reasonId, text);
  const languagelessAliases = [...aliases].filter(([text]) => aliasLocales.get(text) === undefined);
  for (const reason of catalogue.reasons) {
    const reasonId = liveReasonId(catalogue, reason.id);
    if (reasonId === undefined) continue;
    for (const [locale, phrases] of wordingsOf(reason)) {
      for (const phrase of phrases) {
        const text = normalizeAnswer(phrase);
        if (aliases.has(text)) continue;
        add(baseLanguage(locale), reasonId, text);
      }
    }
  }
  for (const entries of byLocale.values()) {
    for (const [text, reasonId] of languagelessAliases) entries.push(entryOf(reasonId, text));
  }

  const digits = new Map<string, string>();
  for (const [digit, id] of Object.entries(digitReasons)) {
    const reasonId = liveReasonId(catalogue, id);
    if (reasonId !== undefined) digits.set(digit, reasonId);
  }

  return {
    aliases,
    digits,
    byLocale: new Map([...byLocale].map(([locale, entries]) => [locale, buildEntryIndex(entries)])),
    everyLocale: buildEntryIndex(everyLocale),
    classifier: trainClassifier({
      examples: examplesOf(catalogue),
      functionWords: normalisedCues().silentWords,
      noReason,
    }),
  };
};

/** The class of texts that give no reason (greetings, questions, booking, denials) in the classifier. */
export const noReason = '(no reason)';

const cueWeight = 1;
/** A manager's mapping counts twice a built-in cue: enough that one mapping of a new word ("parking") teaches it, not so much that the everyday words of one answer drown the cues. */
const aliasWeight = 2;
/** A question's or booking request's own words ("parking" in "is there parking?") say less than its form ("there parking"). */
const questionWordWeight = 0.5;
/** A client's words beside the button they chose, or a staff note with a reason: one cue's worth. */
const chosenWordsWeight = 1;

const negatorSets = new Map<string, ReadonlySet<string>>();

/**
 * Words that deny what follows them, for an answer from a client of this language: every
 * language's denials in its own script, but in Latin letters only the client's language's and
 * English ones (Khmer "te" typed in Latin letters is the English "the" after folding).
 */
const negatorsFor = (locale: string | undefined): ReadonlySet<string> => {
  const language = locale === undefined ? 'en' : baseLanguage(locale);
  let negators = negatorSets.get(language);
  if (!negators) {
    const mayDeny = (negator: { language: string; word: string }): boolean =>
      negator.language === language || negator.language === 'en' || !/\p{Script=Latin}/u.test(negator.word);
    negators = new Set(
      normalisedCues()
        .negators.filter(mayDeny)
        .map((negator) => negator.word),
    );
    negatorSets.set(language, negators);
  }
  return negators;
};

/** Everything the catalogue knows as labelled text: labels, keywords and cues of live reasons, the non-answer cues, every learned alias. */
const examplesOf = (catalogue: Catalogue): LabelledExample[] => {
  const examples: LabelledExample[] = [];
  const cues = normalisedCues();
  for (const reason of catalogue.reasons) {
    const reasonId = liveReasonId(catalogue, reason.id);
    if (reasonId === undefined) continue;
    for (const [, phrases] of wordingsOf(reason)) {
      for (const text of phrases.map(normalizeAnswer)) if (text !== '') examples.push({ text, reasonId, weight: cueWeight });
    }
  }
  const liveSeedIds = new Map(catalogue.reasons.map((reason) => [reason.id, liveReasonId(catalogue, reason.id)]));
  for (const { seedId, text } of cues.reasons) {
    const reasonId = liveSeedIds.get(seedId);
    if (reasonId !== undefined) examples.push({ text, reasonId, weight: cueWeight });
  }
  for (const text of cues.questions) examples.push({ text, reasonId: noReason, weight: cueWeight, wordWeight: questionWordWeight });
  // Denials of several words ("nothing to do with", "no complaints") are non-answers of their own; only their first pair, as "because of" alone denies nothing.
  for (const text of cues.denials) examples.push({ text, reasonId: noReason, weight: cueWeight });
  for (const alias of catalogue.aliases) {
    const reasonId = liveReasonId(catalogue, alias.reasonId);
    if (reasonId !== undefined) examples.push({ text: alias.text, reasonId, weight: isManagersAlias(alias) ? aliasWeight : chosenWordsWeight });
  }
  return examples;
};

/** Labels and keywords of a reason, per locale. */
const wordingsOf = (reason: Reason): Array<[string, readonly string[]]> => {
  const locales = new Set([...Object.keys(reason.labels), ...Object.keys(reason.keywords)]);
  return [...locales].map((locale) => [locale, [...(reason.labels[locale] !== undefined ? [reason.labels[locale]] : []), ...(reason.keywords[locale] ?? [])]]);
};

const indexes = new WeakMap<Catalogue, CatalogueIndex>();
/** Indexes of catalogues loaded again with the same content (a function loads the catalogue for every answer). */
const recentIndexes = new Map<string, CatalogueIndex>();
const recentKept = 2;

/** A hash of everything the index is built from: two loads of one catalogue version give one fingerprint. */
const fingerprint = (catalogue: Catalogue): string =>
  `${catalogue.version}:${catalogue.reasons.length}:${catalogue.aliases.length}:${fnv1a(JSON.stringify([catalogue.reasons, catalogue.aliases]))}`;

const indexOf = (catalogue: Catalogue): CatalogueIndex => {
  const known = indexes.get(catalogue);
  if (known) return known;
  const key = fingerprint(catalogue);
  const index = recentIndexes.get(key) ?? buildIndex(catalogue);
  recentIndexes.delete(key);
  recentIndexes.set(key, index);
  for (const old of recentIndexes.keys()) if (recentIndexes.size > recentKept) recentIndexes.delete(old);
  indexes.set(catalogue, index);
  return index;
};

/** Zero of each decimal digit set a client may type with (NFKC already folds full-width digits to ASCII). */
const digitZeros = [0x30, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0x17e0, 0x1040];

const digitValue = (token: string): string | undefined => {
  const codePoints = Array.from(token);
  if (codePoints.length !== 1) return undefined;
  const code = codePoints[0]!.codePointAt(0)!;
  const zero = digitZeros.find((candidate) => code >= candidate && code <= candidate + 9);
  return zero === undefined ? undefined : String(code - zero);
};

/** Words after a bare leading digit that still read as a reply to the menu ("3 too expensive"); more is a sentence ("6 sessions and my shoulder is the same"). */
const mostWordsAfterDigit = 4;

/** A leading digit is the menu's reply when it stands alone, is set off ("4 - the doctor never…", "3!"), or only a few words follow. */
const isReplyDigit = (text: string, tokens: readonly Token[]): boolean =>
  tokens.length <= 1 + mostWordsAfterDigit || /^\s*\p{N}\s*[-–—.):!,]/u.test(text.normalize('NFKC'));

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const tokensWithOffsets = (normalized: string): Token[] => {
  const tokens: Token[] = [];
  let start = 0;
  for (const text of tokenize(normalized)) {
    tokens.push({ text, start, end: start + text.length });
    start += text.length + 1;
  }
  return tokens;
};

const tokenMatches = (answerToken: string, keywordToken: string): boolean =>
  answerToken === keywordToken ||
  (keywordToken.length >= shortestStem && answerToken.length - keywordToken.length <= longestEnding && answerToken.startsWith(keywordToken));

interface Hit {
  readonly reasonId: string;
  readonly start: number;
  readonly end: number;
  readonly weight: number;
}

const findHits = (index: EntryIndex, normalized: string, tokens: readonly Token[]): Hit[] => {
  const hits: Hit[] = [];
  tokens.forEach((token, position) => {
    const candidates: KeywordEntry[] = [...(index.byFirstToken.get(token.text) ?? [])];
    for (let cut = Math.max(shortestStem, token.text.length - longestEnding); cut < token.text.length; cut++) {
      candidates.push(...(index.byFirstToken.get(token.text.slice(0, cut)) ?? []));
    }
    for (const entry of candidates) {
      const last = tokens[position + entry.tokens.length - 1];
      if (!last) continue;
      if (entry.tokens.every((keywordToken, offset) => tokenMatches(tokens[position + offset]!.text, keywordToken))) {
        hits.push({ reasonId: entry.reasonId, start: token.start, end: last.end, weight: entry.tokens.length });
      }
    }
  });
  for (const entry of index.unspaced) {
    for (let at = normalized.indexOf(entry.text); at !== -1; at = normalized.indexOf(entry.text, at + 1)) {
      hits.push({ reasonId: entry.reasonId, start: at, end: at + entry.text.length, weight: 1 });
    }
  }
  return hits;
};

/** A hit inside a longer one does not count: "not better" is not "better", "lumipat ng clinic" is not "lumipat". */
const outermostHits = (hits: readonly Hit[]): Hit[] =>
  hits.filter((hit) => !hits.some((other) => other.start <= hit.start && other.end >= hit.end && other.end - other.start > hit.end - hit.start));

/** Words looked back on for a denial: "it wasn't really the price". */
const denialReach = 3;

const denied = (hit: Hit, normalized: string, tokens: readonly Token[], negators: ReadonlySet<string>): boolean => {
  const first = tokens.findIndex((token) => token.start === hit.start);
  if (first === -1) return deniedInside(normalized, hit.start, negators);
  return first > 0 && tokens.slice(Math.max(0, first - denialReach), first).some((token) => negators.has(token.text));
};

/** The reason the answer's keywords name most (a longer phrase counts more), or none on a tie. */
const keywordReason = (index: EntryIndex, normalized: string, tokens: readonly Token[], negators: ReadonlySet<string>): string | undefined => {
  const scores = new Map<string, number>();
  const counted = new Set<string>();
  for (const hit of outermostHits(findHits(index, normalized, tokens))) {
    if (denied(hit, normalized, tokens, negators)) continue;
    const key = `${hit.reasonId}:${hit.start}:${hit.end}`;
    if (counted.has(key)) continue;
    counted.add(key);
    scores.set(hit.reasonId, (scores.get(hit.reasonId) ?? 0) + hit.weight);
  }
  const [best, runnerUp] = [...scores].sort((a, b) => b[1] - a[1]);
  return best !== undefined && best[1] !== runnerUp?.[1] ? best[0] : undefined;
};

/** A question back ("how much is a check-up?") leans towards no reason. */
const asksBack = (text: string): boolean => /[?？؟]/u.test(text);

interface Reading {
  readonly scores: readonly ReasonScore[];
  readonly votes: readonly WordVote[];
  /** The reason the classifier ranks first, and how sure the matcher is of it. */
  readonly reasonId?: string;
  readonly confidence: number;
  readonly method: MatchMethod;
  /** The reason keywords point to when the classifier knows no word of the answer. */
  readonly keywordReasonId?: string;
  /** What the confidence was computed from, when the classifier ranked a reason. */
  readonly evidence?: MatchEvidence;
}

/**
 * Reads an answer: the classifier's votes over every example, and the reasons' keywords (the
 * client's language first, then every language) as one more piece of evidence; the confidence
 * is calibrated (answer-confidence.ts).
 */
const readAnswer = (
  index: CatalogueIndex,
  text: string,
  normalized: string,
  tokens: readonly Token[],
  locale: string | undefined,
  model?: ConfidenceModel,
): Reading => {
  const negators = negatorsFor(locale);
  const votes: WordVote[] = [];
  const scores = scoreReasons(index.classifier, normalized, { negators, noReasonVotes: asksBack(text) ? 1 : 0, trace: votes });
  const localeIndex = locale === undefined ? undefined : index.byLocale.get(baseLanguage(locale));
  const inLocale = localeIndex ? keywordReason(localeIndex, normalized, tokens, negators) : undefined;
  const anywhere = keywordReason(index.everyLocale, normalized, tokens, negators);
  const keywordReasonId = inLocale ?? anywhere;
  const [top, runnerUp] = scores.filter((score) => score.reasonId !== noReason);
  if (!top || top.score <= 0) return { scores, votes, confidence: 0, method: 'none', ...(keywordReasonId !== undefined && { keywordReasonId }) };
  const topVotes = votes.filter((vote) => vote.reasonId === top.reasonId && !vote.denied);
  const keywordAgrees = inLocale === top.reasonId || anywhere === top.reasonId;
  const evidence: MatchEvidence = {
    best: top.score,
    second: Math.max(0, runnerUp?.score ?? 0),
    noReason: scores.find((score) => score.reasonId === noReason)?.score ?? 0,
    topWords: topVotes.length,
    strongestVote: Math.max(0, ...topVotes.map((vote) => vote.strength)),
    topPairs: topVotes.filter((vote) => vote.words.includes(' ')).length,
    allVotes: scores.reduce((sum, score) => sum + (score.reasonId === noReason ? 0 : Math.max(0, score.score)), 0),
    keywordAgrees,
    characters: Array.from(normalized).length,
  };
  const confidence = confidenceOf(evidence, model);
  const method: MatchMethod = keywordAgrees ? 'keyword' : 'similar';
  return { scores, votes, reasonId: top.reasonId, confidence, method, evidence };
};

/** Where one clause of an answer ends and another begins: punctuation, and "and", "but", "also" in the product's languages. */
const clauseBreak =
  /[,;.!?\n]+|\s(?:and|also|plus|but|anyway|και|κι|αλλά|и|а|но|ещё|еще|আর|এবং|কিন্তু|তাছাড়া|და|ასევე|მაგრამ|თან|ហើយ|និង|ផង|at|tapos|pati|saka|pero|tsaka|ar|ebong|kintu|kai|ki|tan|da)\s/giu;
/** A clause names a second reason only when it alone is this sure of it: most answers give one reason. */
const secondReasonConfidence = 0.85;

/** The one other reason a clause of the answer gives on its own, if exactly one does. */
const secondReason = (index: CatalogueIndex, text: string, locale: string | undefined, first: string, model?: ConfidenceModel): string | undefined => {
  const clauses = text.split(clauseBreak).filter((clause) => normalizeAnswer(clause).length > 2);
  if (clauses.length < 2) return undefined;
  const found = new Set<string>();
  for (const clause of clauses) {
    const normalized = normalizeAnswer(clause);
    const reading = readAnswer(index, clause, normalized, tokensWithOffsets(normalized), locale, model);
    if (reading.reasonId !== undefined && reading.confidence >= secondReasonConfidence) found.add(reading.reasonId);
  }
  const others = [...found].filter((reasonId) => reasonId !== first);
  return found.has(first) && others.length === 1 ? others[0] : undefined;
};

/**
 * Places an answer: a leading reply digit, then a learned alias, then what the classifier and
 * the keywords read in it, placed when the calibrated confidence reaches the threshold. Below it
 * the answer gets no reason, only a suggestion for the manager.
 */
export const matchAnswer = (catalogue: Catalogue, text: string, locale: string | undefined, options: MatchOptions = {}): ReasonMatch =>
  matchWithReading(catalogue, text, locale, options).match;

const matchWithReading = (catalogue: Catalogue, text: string, locale: string | undefined, options: MatchOptions): { match: ReasonMatch; reading?: Reading } => {
  const threshold = options.threshold ?? defaultMatchThreshold;
  const index = indexOf(catalogue);
  const normalized = normalizeAnswer(text);
  const tokens = tokensWithOffsets(normalized);
  if (tokens.length === 0) return { match: { confidence: 0, method: 'none', normalized } };

  const digit = isReplyDigit(text, tokens) ? digitValue(tokens[0]!.text) : undefined;
  const digitReason = digit === undefined ? undefined : index.digits.get(digit);
  if (digitReason !== undefined && threshold <= 1) return { match: { reasonId: digitReason, confidence: 1, method: 'digit', normalized } };

  const aliasReason = index.aliases.get(normalized);
  if (aliasReason !== undefined && threshold <= 1) return { match: { reasonId: aliasReason, confidence: 1, method: 'alias', normalized } };

  const reading = readAnswer(index, text, normalized, tokens, locale, options.confidenceModel);
  if (reading.reasonId !== undefined && reading.confidence >= threshold) {
    const also = secondReason(index, text, locale, reading.reasonId, options.confidenceModel);
    return {
      match: { reasonId: reading.reasonId, confidence: reading.confidence, method: reading.method, normalized, ...(also && { alsoReasonId: also }) },
      reading,
    };
  }
  const suggestion = reading.reasonId ?? reading.keywordReasonId;
  return { match: { confidence: reading.confidence, method: 'none', normalized, ...(suggestion !== undefined && { suggestedReasonId: suggestion }) }, reading };
};

export interface AnswerExplanation {
  readonly match: ReasonMatch;
  /** What each known word of the answer voted for. */
  readonly votes: readonly WordVote[];
  /** The classifier's total per reason (no reason included), best first. */
  readonly scores: readonly ReasonScore[];
  readonly evidence?: MatchEvidence;
}

/** What an answer would count as and why: `comeback reasons explain`. */
export const explainAnswer = (catalogue: Catalogue, text: string, locale: string | undefined, options: MatchOptions = {}): AnswerExplanation => {
  const { match, reading } = matchWithReading(catalogue, text, locale, options);
  return { match, votes: reading?.votes ?? [], scores: reading?.scores ?? [], ...(reading?.evidence && { evidence: reading.evidence }) };
};
