import { bn } from './bn.ts';
import { el } from './el.ts';
import { en } from './en.ts';
import { ka } from './ka.ts';
import { km } from './km.ts';
import { functionWords } from './function-words.ts';
import type { Lexicon } from './lexicon.ts';
import { ru } from './ru.ts';
import { tl } from './tl.ts';
import { normalizeAnswer, tokenize } from '../text-normalize.ts';

export type { Lexicon } from './lexicon.ts';

/** The built-in cue lexicons, by language. */
export const lexicons: Readonly<Record<string, Lexicon>> = { en, el, ru, bn, ka, km, tl };

/** The lexicons as the matcher reads them, every text normalised (normalizeAnswer), empty ones dropped. */
export interface NormalisedCues {
  /** A seed reason's cue phrases. */
  readonly reasons: ReadonlyArray<{ readonly seedId: string; readonly text: string }>;
  /** Questions back and booking requests: texts that give no reason. */
  readonly questions: readonly string[];
  /** The first two words of each denial of several words ("nothing wrong", "no complaints"). */
  readonly denials: readonly string[];
  /** Single-word negators, with the language of their lexicon. */
  readonly negators: ReadonlyArray<{ readonly language: string; readonly word: string }>;
  /** Words that say nothing about why a client left on their own: function words, and the words of greetings and thanks. */
  readonly silentWords: readonly string[];
}

let normalised: NormalisedCues | undefined;

/** The lexicons normalised once per process: they never change, and every catalogue index is built from them. */
export const normalisedCues = (): NormalisedCues => {
  if (normalised) return normalised;
  const texts = (phrases: readonly string[]): string[] => phrases.map(normalizeAnswer).filter((text) => text !== '');
  const all = Object.entries(lexicons);
  normalised = {
    reasons: all.flatMap(([, lexicon]) => Object.entries(lexicon.reasons).flatMap(([seedId, cues]) => texts(cues).map((text) => ({ seedId, text })))),
    questions: all.flatMap(([, lexicon]) => texts([...lexicon.nonAnswers.questions, ...lexicon.nonAnswers.booking])),
    denials: all.flatMap(([, lexicon]) =>
      texts(lexicon.nonAnswers.negators)
        .map(tokenize)
        .filter((words) => words.length > 1)
        .map((words) => words.slice(0, 2).join(' ')),
    ),
    negators: all.flatMap(([language, lexicon]) =>
      texts(lexicon.nonAnswers.negators)
        .filter((word) => !word.includes(' '))
        .map((word) => ({ language, word })),
    ),
    silentWords: texts([
      ...Object.values(functionWords).flat(),
      ...all.flatMap(([, lexicon]) => [...lexicon.nonAnswers.greetings, ...lexicon.nonAnswers.thanks].flatMap((phrase) => phrase.split(/\s+/u))),
    ]),
  };
  return normalised;
};
