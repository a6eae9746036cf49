import type { Catalogue } from '../reasons.ts';
import { CatalogueConflictError, type CatalogueChange, type CatalogueStore } from '../ports/catalogue-store.ts';

/**
 * Applies one change on the newest catalogue: loads it, changes it, saves it with a check that
 * nobody changed it meanwhile, and tries again (a few times) if somebody did. One saved change
 * is one version step, however many edits it made (a reason and its first aliases); a change
 * that changes nothing is not saved.
 */
export const changeCatalogue = async (
  deps: { readonly catalogue: CatalogueStore; readonly now?: () => Date },
  apply: (catalogue: Catalogue, at: string) => Catalogue,
  what: Omit<CatalogueChange, 'version' | 'at'>,
): Promise<Catalogue> => {
  for (let attempt = 1; ; attempt++) {
    const previous = await deps.catalogue.load();
    const at = (deps.now ?? (() => new Date()))().toISOString();
    const edited = apply(previous, at);
    // Nothing changed (the words were known already): no new version, and no history entry over the last one.
    if (edited === previous) return previous;
    const next = { ...edited, version: previous.version + 1 };
    try {
      await deps.catalogue.save(previous, next, { ...what, at });
      return next;
    } catch (error) {
      if (!(error instanceof CatalogueConflictError) || attempt >= 3) throw error;
    }
  }
};
