import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoModelSpend } from '../../../shared/aws/dynamo-model-spend.ts';
import { freshTables } from '../../support/tables.ts';

describe('DynamoModelSpend on DynamoDB Local', () => {
  let spend: DynamoModelSpend;
  let catalogue: DynamoCatalogueStore;
  beforeEach(async () => {
    const { tables, db } = await freshTables();
    spend = new DynamoModelSpend(tables.catalogue, db);
    catalogue = new DynamoCatalogueStore(tables.catalogue, db);
  });

  it('adds every call’s cost to its month, even when calls come at once, to a fraction of a cent', async () => {
    expect(await spend.spentIn('2026-05')).toBe(0);

    await Promise.all([...Array.from({ length: 20 }, () => spend.add('2026-05', 0.000135)), spend.add('2026-06', 1.5e-7)]);

    expect(await spend.spentIn('2026-05')).toBeCloseTo(0.0027, 12);
    expect(await spend.spentIn('2026-06')).toBeCloseTo(1.5e-7, 15);
    expect(await spend.spentIn('2026-07')).toBe(0);
  });

  it('lives beside the catalogue without showing up in it', async () => {
    await catalogue.load(); // seeds it
    const before = await catalogue.load();
    await spend.add('2026-05', 0.25);

    expect(await catalogue.load()).toEqual(before);
    expect(await catalogue.candidates()).toEqual([]);
    expect(await catalogue.reasonsGiven()).toEqual(new Map());
  });
});
