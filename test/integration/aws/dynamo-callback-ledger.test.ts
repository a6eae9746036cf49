import { describe, expect, it } from 'vitest';
import { DynamoCallbackLedger } from '../../../shared/aws/dynamo-callback-ledger.ts';
import { freshTables } from '../../support/tables.ts';

describe('DynamoCallbackLedger on DynamoDB Local', () => {
  it('sees a key first once while it is kept, again once it has expired, and again once forgotten', async () => {
    const { tables, db } = await freshTables();
    let now = Date.UTC(2026, 4, 12, 10, 0);
    const ledger = new DynamoCallbackLedger(tables.callbacks, db, () => now);

    const racing = await Promise.all([ledger.firstSighting('viber:seen:1:u', 60), ledger.firstSighting('viber:seen:1:u', 60)]);
    expect(racing.sort()).toEqual([false, true]);
    expect(await ledger.firstSighting('viber:seen:2:u', 60)).toBe(true);

    now += 61_000;
    expect(await ledger.firstSighting('viber:seen:1:u', 60)).toBe(true);
    await ledger.forget('viber:seen:1:u');
    expect(await ledger.firstSighting('viber:seen:1:u', 60)).toBe(true);
    expect(await ledger.firstSighting('viber:seen:1:u', 60)).toBe(false);
  });
});
