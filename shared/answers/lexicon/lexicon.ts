/**
 * Built-in cue words per language: what people say about each seed reason in their own words,
 * and what marks a text that gives no reason at all. Cues are weaker than a reason's keywords:
 * the matcher learns from them like from any labelled example, it does not place an answer on
 * one cue alone.
 */
export interface Lexicon {
  /** Reason id to cue phrases (1-4 words, as people write them, common inflected forms). */
  readonly reasons: Readonly<Record<string, readonly string[]>>;
  /** Words and short phrases that make a text a non-answer when nothing else is said. */
  readonly nonAnswers: {
    readonly greetings: readonly string[];
    readonly thanks: readonly string[];
    /** Asking something back: who is this, how did you get my number, are you open. */
    readonly questions: readonly string[];
    /** Asking for an appointment or saying they will come. */
    readonly booking: readonly string[];
    /** Words that deny what follows them ("not", "wasn't", "no problem with"). */
    readonly negators: readonly string[];
  };
}
