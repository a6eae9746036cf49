/**
 * The provider callbacks already taken. A messenger retries a callback it thinks went
 * unanswered, and anyone who once saw a signed body can send it again: both are taken once.
 */
export interface CallbackLedger {
  /**
   * True the first time this key is seen, false for every sighting after it while the key is
   * kept (`keepFor` seconds); recording and checking are one step, so two deliveries of the
   * same callback racing each other get one `true` between them.
   */
  firstSighting(key: string, keepFor: number): Promise<boolean>;
  /** The key as if never seen: a callback taken but not acted on (we failed), so the provider's retry is taken. */
  forget(key: string): Promise<void>;
}
