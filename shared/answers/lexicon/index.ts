import { bn } from './bn.ts';
import { el } from './el.ts';
import { en } from './en.ts';
import { ka } from './ka.ts';
import { km } from './km.ts';
import { functionWords } from './function-words.ts';
import type { Lexicon } from './lexicon.ts';
import { ru } from './ru.ts';
import { tl } from './tl.ts';

export type { Lexicon } from './lexicon.ts';

/** The built-in cue lexicons, by language. */
export const lexicons: Readonly<Record<string, Lexicon>> = { en, el, ru, bn, ka, km, tl };

/** Every word that says nothing about why a client left on its own: function words, and the words of greetings and thanks, which wrap an answer. Not normalised. */
export const wordsWithoutReason = (): string[] => [
  ...Object.values(functionWords).flat(),
  ...Object.values(lexicons).flatMap((lexicon) => [...lexicon.nonAnswers.greetings, ...lexicon.nonAnswers.thanks].flatMap((phrase) => phrase.split(/\s+/u))),
];
