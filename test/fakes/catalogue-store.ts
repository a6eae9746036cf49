import { seedCatalogue, type Catalogue } from '../../shared/answers/reasons.ts';
import { CatalogueConflictError, type Candidate, type CatalogueChange, type CatalogueStore } from '../../shared/answers/ports/catalogue-store.ts';
import { copy } from './conditional-write.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type StoredCandidate = Omit<Mutable<Candidate>, 'locales'> & { locales: Set<string> };

const byKey =
  <T>(keyOf: (item: T) => string) =>
  (a: T, b: T): number =>
    keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0;

/**
 * The reason catalogue in memory: seeded on first load, saved only over the version it was read
 * at, and read back in key order (reasons by id, aliases and candidates by text) as the table does.
 */
export class InMemoryCatalogueStore implements CatalogueStore {
  private catalogue: Catalogue | undefined;
  private readonly history: CatalogueChange[] = [];
  private readonly waiting = new Map<string, StoredCandidate>();
  private readonly given = new Map<string, number>();

  async load(): Promise<Catalogue> {
    if (!this.catalogue) {
      this.catalogue = seedCatalogue();
      this.history.push({ version: this.catalogue.version, at: new Date().toISOString(), kind: 'seed' });
    }
    const { version, reasons, aliases } = copy(this.catalogue);
    return {
      version,
      reasons: [...reasons].sort(byKey((reason) => reason.id)),
      aliases: [...aliases].sort(byKey((alias) => alias.text)),
    };
  }

  async save(previous: Catalogue, next: Catalogue, change: Omit<CatalogueChange, 'version'>): Promise<void> {
    const current = this.catalogue?.version;
    if (current !== previous.version) throw new CatalogueConflictError(`the catalogue changed since version ${previous.version}: load it again and retry`);
    this.catalogue = copy(next);
    this.history.push({ ...change, version: next.version });
  }

  async changes(): Promise<CatalogueChange[]> {
    return copy(this.history);
  }

  async noteCandidate(text: string, locale: string | undefined, at: string, options: { truncated?: boolean } = {}): Promise<void> {
    const candidate = this.waiting.get(text) ?? { text, locales: new Set<string>(), answers: 0, firstSeen: at, lastSeen: at };
    candidate.text = text;
    candidate.answers += 1;
    candidate.lastSeen = at;
    if (locale) candidate.locales.add(locale);
    if (options.truncated) candidate.truncated = true;
    this.waiting.set(text, candidate);
  }

  async candidates(): Promise<Candidate[]> {
    return [...this.waiting.entries()]
      .sort(byKey(([text]) => text))
      .map(([, { locales, truncated, ...candidate }]) => ({ ...candidate, ...(truncated === true && { truncated: true }), locales: [...locales].sort() }))
      .sort((a, b) => b.answers - a.answers);
  }

  async dropCandidate(text: string): Promise<void> {
    this.waiting.delete(text);
  }

  async countReasonGiven(reasonId: string): Promise<void> {
    this.given.set(reasonId, (this.given.get(reasonId) ?? 0) + 1);
  }

  async reasonsGiven(): Promise<ReadonlyMap<string, number>> {
    return new Map([...this.given.entries()].sort(byKey(([id]) => id)));
  }
}
