import type { SuppressionEntry, SuppressionList } from '../../shared/outreach/ports/suppression-list.ts';

/** The suppression list in memory: one entry per key, the latest kept. */
export class InMemorySuppressionList implements SuppressionList {
  readonly entries = new Map<string, SuppressionEntry>();

  async suppressed(keys: readonly string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.entries.has(key)));
  }

  async add(entry: SuppressionEntry): Promise<void> {
    this.entries.set(entry.key, { ...entry });
  }
}
