import type { CallbackLedger } from '../../shared/outreach/ports/callback-ledger.ts';

/** The callback ledger in memory: each key kept until its time is up, on the given clock. */
export class InMemoryCallbackLedger implements CallbackLedger {
  readonly keptUntil = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async firstSighting(key: string, keepFor: number): Promise<boolean> {
    const now = this.clock();
    const until = this.keptUntil.get(key);
    if (until !== undefined && until > now) return false;
    this.keptUntil.set(key, now + keepFor * 1000);
    return true;
  }

  async forget(key: string): Promise<void> {
    this.keptUntil.delete(key);
  }
}
