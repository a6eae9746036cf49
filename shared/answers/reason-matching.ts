import { digitReasons, resolveReason, type Catalogue, type Reason } from './reasons.ts';
import { isWrittenWithoutSpaces, normalizeAnswer, similarity, tokenize } from './text-normalize.ts';
import { languageOf } from '../common/languages.ts';

/**
 * Places a client's free-text answer under a reason of the catalogue, or says it cannot: the
 * caller then queues the answer for a manager instead of inventing a reason.
 */

export type MatchMethod = 'digit' | 'alias' | 'keyword' | 'fuzzy' | 'none';

export interface ReasonMatch {
  /** Absent when no reason reached the threshold. */
  readonly reasonId?: string;
  /** 0..1 */
  readonly confidence: number;
  readonly method: MatchMethod;
  readonly normalized: string;
  /** With method 'none': the best candidate below the threshold, a hint for the manager who places the answer. */
  readonly suggestedReasonId?: string;
}

export interface MatchOptions {
  /** Least confidence for an answer to be placed; default 0.75. */
  readonly threshold?: number;
}

export const defaultMatchThreshold = 0.75;

const keywordInClientLocale = 0.9;
const keywordInOtherLocale = 0.85;
/** Two reasons equally supported: a manager decides. */
const tiedConfidence = 0.5;
/** A keyword token this long also matches words that merely extend it ("wait" in "waiting", "врач" in "врача"). */
const shortestStem = 4;
const longestEnding = 3;
/** Shorter words are matched exactly only: one typo in "cost" already makes "most". */
const shortestFuzzy = 5;
/** At most about one typo in five letters, whatever the threshold: "καλημερα" is not "καλυτερα". */
const fuzzyFloor = 0.8;

interface KeywordEntry {
  readonly reasonId: string;
  readonly text: string;
  readonly tokens: readonly string[];
  readonly unspaced: boolean;
  readonly length: number;
}

interface EntryIndex {
  /** Spaced-script entries by their first token. */
  readonly byFirstToken: ReadonlyMap<string, readonly KeywordEntry[]>;
  /** Entries in scripts written without spaces, found anywhere in the answer. */
  readonly unspaced: readonly KeywordEntry[];
  readonly all: readonly KeywordEntry[];
}

interface CatalogueIndex {
  readonly aliases: ReadonlyMap<string, string>;
  readonly digits: ReadonlyMap<string, string>;
  readonly byLocale: ReadonlyMap<string, EntryIndex>;
  readonly everyLocale: EntryIndex;
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
  length: Array.from(text).length,
});

const buildEntryIndex = (entries: readonly KeywordEntry[]): EntryIndex => {
  const byFirstToken = new Map<string, KeywordEntry[]>();
  const unspaced: KeywordEntry[] = [];
  for (const entry of entries) {
    if (entry.unspaced) unspaced.push(entry);
    else {
      const first = entry.tokens[0]!;
      byFirstToken.set(first, [...(byFirstToken.get(first) ?? []), entry]);
    }
  }
  return { byFirstToken, unspaced, all: entries };
};

const buildIndex = (catalogue: Catalogue): CatalogueIndex => {
  const aliases = new Map<string, string>();
  const aliasLocales = new Map<string, string | undefined>();
  for (const alias of catalogue.aliases) {
    const reasonId = liveReasonId(catalogue, alias.reasonId);
    if (reasonId === undefined) continue;
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
    byLocale.set(locale, [...(byLocale.get(locale) ?? []), entry]);
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
  };
};

/** Labels and keywords of a reason, per locale. */
const wordingsOf = (reason: Reason): Array<[string, readonly string[]]> => {
  const locales = new Set([...Object.keys(reason.labels), ...Object.keys(reason.keywords)]);
  return [...locales].map((locale) => [locale, [...(reason.labels[locale] !== undefined ? [reason.labels[locale]] : []), ...(reason.keywords[locale] ?? [])]]);
};

const indexes = new WeakMap<Catalogue, CatalogueIndex>();

const indexOf = (catalogue: Catalogue): CatalogueIndex => {
  let index = indexes.get(catalogue);
  if (!index) {
    index = buildIndex(catalogue);
    indexes.set(catalogue, index);
  }
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

interface Candidate {
  readonly reasonId?: string;
  readonly confidence: number;
  readonly suggestedReasonId?: string;
}

const noCandidate: Candidate = { confidence: 0 };

/** The reason with the highest score; a lead over a runner-up lowers confidence, a tie leaves it to a manager. */
const decide = (scores: ReadonlyMap<string, number>, confidenceOf: (best: number, runnerUp: number) => number): Candidate => {
  const ranked = [...scores].sort((a, b) => b[1] - a[1]);
  const best = ranked[0];
  if (!best) return noCandidate;
  const runnerUp = ranked[1]?.[1] ?? 0;
  if (runnerUp === best[1]) return { confidence: tiedConfidence, suggestedReasonId: best[0] };
  return { reasonId: best[0], confidence: confidenceOf(best[1], runnerUp) };
};

const keywordCandidate = (index: EntryIndex, normalized: string, tokens: readonly Token[], base: number): Candidate => {
  const scores = new Map<string, number>();
  const counted = new Set<string>();
  for (const hit of outermostHits(findHits(index, normalized, tokens))) {
    const key = `${hit.reasonId}:${hit.start}:${hit.end}`;
    if (counted.has(key)) continue;
    counted.add(key);
    scores.set(hit.reasonId, (scores.get(hit.reasonId) ?? 0) + hit.weight);
  }
  return decide(scores, (best, runnerUp) => base * (1 - 0.25 * (runnerUp / best)));
};

/** Stretches of the answer worth comparing with an entry: same number of words, or, unspaced, same length give or take one. */
const stretchesFor = (entry: KeywordEntry, tokens: readonly Token[]): string[] => {
  if (!entry.unspaced) {
    const count = entry.tokens.length;
    const stretches: string[] = [];
    for (let start = 0; start + count <= tokens.length; start++) {
      stretches.push(
        tokens
          .slice(start, start + count)
          .map((token) => token.text)
          .join(' '),
      );
    }
    return stretches;
  }
  const stretches: string[] = [];
  for (const token of tokens) {
    if (!isWrittenWithoutSpaces(token.text)) continue;
    const letters = Array.from(token.text);
    for (let size = entry.length - 1; size <= entry.length + 1; size++) {
      for (let start = 0; start + size <= letters.length; start++) stretches.push(letters.slice(start, start + size).join(''));
    }
  }
  return stretches;
};

/** Short words of a phrase must be typed right: "my treatment" is not "bad treatment". */
const shortWordsAgree = (stretch: string, entry: KeywordEntry): boolean =>
  entry.unspaced ||
  tokenize(stretch).every((word, position) => {
    const keywordWord = entry.tokens[position]!;
    return word === keywordWord || (Array.from(word).length >= shortestFuzzy && Array.from(keywordWord).length >= shortestFuzzy);
  });

const fuzzyCandidate = (index: EntryIndex, tokens: readonly Token[], threshold: number): Candidate => {
  const scores = new Map<string, number>();
  const least = Math.max(threshold, fuzzyFloor);
  for (const entry of index.all) {
    if (entry.length < shortestFuzzy) continue;
    for (const stretch of stretchesFor(entry, tokens)) {
      const length = Array.from(stretch).length;
      if (length < shortestFuzzy) continue;
      if (1 - Math.abs(length - entry.length) / Math.max(length, entry.length) < least) continue;
      if (!shortWordsAgree(stretch, entry)) continue;
      const score = similarity(stretch, entry.text);
      if (score >= least && score > (scores.get(entry.reasonId) ?? 0)) scores.set(entry.reasonId, score);
    }
  }
  return decide(scores, (best) => best);
};

const placed = (candidate: Candidate, threshold: number): boolean => candidate.reasonId !== undefined && candidate.confidence >= threshold;

/**
 * Places an answer: a leading reply digit, then a learned alias, then keywords (the client's
 * language first, then every language), then typo-tolerant similarity. Below the threshold the
 * answer gets no reason.
 */
export const matchAnswer = (catalogue: Catalogue, text: string, locale: string | undefined, options: MatchOptions = {}): ReasonMatch => {
  const threshold = options.threshold ?? defaultMatchThreshold;
  const index = indexOf(catalogue);
  const normalized = normalizeAnswer(text);
  const tokens = tokensWithOffsets(normalized);
  if (tokens.length === 0) return { confidence: 0, method: 'none', normalized };

  const digit = digitValue(tokens[0]!.text);
  const digitReason = digit === undefined ? undefined : index.digits.get(digit);
  if (digitReason !== undefined && threshold <= 1) return { reasonId: digitReason, confidence: 1, method: 'digit', normalized };

  const aliasReason = index.aliases.get(normalized);
  if (aliasReason !== undefined && threshold <= 1) return { reasonId: aliasReason, confidence: 1, method: 'alias', normalized };

  const localeIndex = locale === undefined ? undefined : index.byLocale.get(baseLanguage(locale));
  const inLocale = localeIndex ? keywordCandidate(localeIndex, normalized, tokens, keywordInClientLocale) : noCandidate;
  if (placed(inLocale, threshold)) return { reasonId: inLocale.reasonId, confidence: inLocale.confidence, method: 'keyword', normalized };
  const anywhere = keywordCandidate(index.everyLocale, normalized, tokens, locale === undefined ? keywordInClientLocale : keywordInOtherLocale);
  if (placed(anywhere, threshold)) return { reasonId: anywhere.reasonId, confidence: anywhere.confidence, method: 'keyword', normalized };

  // Keywords of several reasons in one answer are a question for a manager, not for typo tolerance.
  const fuzzy = anywhere.confidence > 0 ? noCandidate : fuzzyCandidate(index.everyLocale, tokens, threshold);
  if (placed(fuzzy, threshold)) return { reasonId: fuzzy.reasonId, confidence: fuzzy.confidence, method: 'fuzzy', normalized };

  const best = [inLocale, anywhere, fuzzy].reduce((a, b) => (b.confidence > a.confidence ? b : a));
  const suggestion = best.reasonId ?? best.suggestedReasonId;
  return { confidence: best.confidence, method: 'none', normalized, ...(suggestion !== undefined ? { suggestedReasonId: suggestion } : {}) };
};

export interface ReplyVariant {
  readonly text: string;
  readonly locale?: string;
  /** The reason a person would file it under, or null for answers that give no reason. */
  readonly expected: string | null;
}

export interface MatchingAccuracy {
  readonly variants: number;
  /** Answers placed under some reason. */
  readonly matched: number;
  /** Placed answers whose reason is the expected one. */
  readonly correct: number;
  /** correct / matched */
  readonly precision: number;
  /** Share of answers that have a reason which got placed at all. */
  readonly coverage: number;
  /** Share of answers without a reason (expected null) that stayed unplaced. */
  readonly nullsLeftUnmatched: number;
  readonly mistakes: ReadonlyArray<{ readonly text: string; readonly locale?: string; readonly expected: string | null; readonly got?: string }>;
}

const share = (part: number, whole: number): number => (whole === 0 ? 1 : part / whole);

/** How well the catalogue places a labelled set of answers (expected reasons are compared after merges). */
export const matchingAccuracy = (catalogue: Catalogue, variants: readonly ReplyVariant[], options: MatchOptions = {}): MatchingAccuracy => {
  let matched = 0;
  let correct = 0;
  let withReason = 0;
  let withReasonMatched = 0;
  let withoutReason = 0;
  let withoutReasonUnmatched = 0;
  const mistakes: Array<MatchingAccuracy['mistakes'][number]> = [];
  for (const variant of variants) {
    const match = matchAnswer(catalogue, variant.text, variant.locale, options);
    const expected = variant.expected === null ? null : (liveReasonId(catalogue, variant.expected) ?? variant.expected);
    if (expected === null) withoutReason += 1;
    else withReason += 1;
    if (match.reasonId === undefined) {
      if (expected === null) withoutReasonUnmatched += 1;
      else mistakes.push({ ...variant });
      continue;
    }
    matched += 1;
    if (expected !== null) withReasonMatched += 1;
    if (match.reasonId === expected) correct += 1;
    else mistakes.push({ ...variant, got: match.reasonId });
  }
  return {
    variants: variants.length,
    matched,
    correct,
    precision: share(correct, matched),
    coverage: share(withReasonMatched, withReason),
    nullsLeftUnmatched: share(withoutReasonUnmatched, withoutReason),
    mistakes,
  };
};

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

export const formatMatchingAccuracy = (accuracy: MatchingAccuracy): string =>
  `matching accuracy: ${percent(accuracy.precision)} correct of matched, ${percent(accuracy.coverage)} matched, ${percent(accuracy.nullsLeftUnmatched)} of expected-null left unmatched`;
