/** Addresses and clients we must not contact (see suppressionKeys in the domain for the keys). */
export interface SuppressionEntry {
  readonly key: string;
  readonly reason: 'bounce' | 'complaint' | 'opt-out' | 'manual';
  readonly at: string;
}

export interface SuppressionList {
  /** Which of these keys are suppressed. */
  suppressed(keys: readonly string[]): Promise<Set<string>>;
  add(entry: SuppressionEntry): Promise<void>;
}
