import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { mergeReason, seedCatalogue } from '../../../shared/answers/reasons.ts';
import { freshTables } from '../../support/tables.ts';

describe('DynamoCatalogueStore on DynamoDB Local', () => {
  let store: DynamoCatalogueStore;
  beforeEach(async () => {
    const { tables, db } = await freshTables();
    store = new DynamoCatalogueStore(tables.catalogue, db);
  });

  it('seeds "passed away" as a reason the reply page does not offer, and reads it back so', async () => {
    const loaded = await store.load();
    expect(loaded.reasons.find((reason) => reason.id === 'deceased')).toMatchObject({ offeredToClients: false });
    expect(loaded.reasons.filter((reason) => reason.offeredToClients !== undefined).map((reason) => reason.id)).toEqual(['deceased']);
  });

  it('counts the reasons given, every increment landing even when they come at once', async () => {
    expect(await store.reasonsGiven()).toEqual(new Map());

    await Promise.all([
      ...Array.from({ length: 7 }, () => store.countReasonGiven('price')),
      ...Array.from({ length: 3 }, () => store.countReasonGiven('waiting-time')),
      store.countReasonGiven('deceased'),
    ]);

    expect(await store.reasonsGiven()).toEqual(
      new Map([
        ['deceased', 1],
        ['price', 7],
        ['waiting-time', 3],
      ]),
    );
  });

  it('keeps the counts beside the catalogue without disturbing it, its history or its candidates', async () => {
    const seeded = await store.load();
    await store.countReasonGiven('schedule');
    await store.countReasonGiven('price');
    await store.noteCandidate('the lift is broken', 'en', '2026-05-12T10:00:00.000Z');
    const merged = mergeReason(seeded, 'schedule', 'waiting-time', '2026-05-12T10:01:00.000Z');
    await store.save(seeded, merged, { at: '2026-05-12T10:01:00.000Z', kind: 'merge', reasonId: 'schedule', into: 'waiting-time' });
    await store.countReasonGiven('waiting-time');

    const loaded = await store.load();
    expect(loaded.version).toBe(seeded.version + 1);
    expect(loaded.reasons.map((reason) => reason.id).sort()).toEqual(
      seedCatalogue()
        .reasons.map((reason) => reason.id)
        .sort(),
    );
    expect(loaded.reasons.find((reason) => reason.id === 'schedule')).toMatchObject({ status: 'retired', mergedInto: 'waiting-time' });
    expect(loaded.aliases).toEqual([]);
    expect((await store.changes()).map((change) => change.kind)).toEqual(['seed', 'merge']);
    expect((await store.candidates()).map((candidate) => [candidate.text, candidate.answers])).toEqual([['the lift is broken', 1]]);
    // As recorded: a merged reason keeps its own count (the page adds it to the reason it went into).
    expect(Object.fromEntries(await store.reasonsGiven())).toEqual({ price: 1, schedule: 1, 'waiting-time': 1 });
  });
});
