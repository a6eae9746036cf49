import { describe, expect, it } from 'vitest';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoLapseStore } from '../../../shared/aws/dynamo-lapse-store.ts';
import { tableFromRows } from '../../../shared/files/table-file.ts';
import { visitColumns } from '../../../shared/visits/columns.ts';
import { wonBackBy, type LapseMark } from '../../../shared/lapse/episode.ts';
import { importFile } from '../../../shared/visits/use-cases/import-file.ts';
import { freshTables } from '../../support/tables.ts';

const mark = (overrides: Partial<LapseMark> = {}): LapseMark => ({
  episodeId: '2026-05-11',
  status: 'open',
  openedOn: '2026-05-11',
  requests: 1,
  controlGroup: false,
  ...overrides,
});

describe('winning a client back', () => {
  it('credits the last request asked when a visit comes on or after the episode opened', () => {
    expect(wonBackBy(mark({ requests: 2 }), ['2026-05-02', '2026-06-01', '2026-05-20'])).toEqual({
      episodeId: '2026-05-11',
      closedOn: '2026-05-20',
      creditedRequest: 2,
    });
  });

  it('credits no request for a control-group client, or one never asked', () => {
    expect(wonBackBy(mark({ controlGroup: true }), ['2026-06-01'])).toEqual({ episodeId: '2026-05-11', closedOn: '2026-06-01' });
    expect(wonBackBy(mark({ requests: 0 }), ['2026-06-01'])).toEqual({ episodeId: '2026-05-11', closedOn: '2026-06-01' });
  });

  it('does nothing for a visit from before the episode, or without an open episode', () => {
    expect(wonBackBy(mark(), ['2026-05-10'])).toBeUndefined();
    expect(wonBackBy(mark({ status: 'won-back' }), ['2026-06-01'])).toBeUndefined();
    expect(wonBackBy(undefined, ['2026-06-01'])).toBeUndefined();
  });

  it('closes the episode as won back when an import brings the visit, once however often it is imported', async () => {
    const { tables, db } = await freshTables();
    const store = new DynamoClientStore(tables, db);
    const lapses = new DynamoLapseStore(tables, db);
    const visit = (id: string, day: string) => ({ visit_id: id, client_id: 'c-1', visited_at: day, amount: '40', currency: 'EUR' });
    const options = { kind: 'visits' as const, clientDefaults: { locale: 'en', timeZone: 'UTC' }, createClients: true, lapses, today: '2026-07-01' };
    await importFile(tableFromRows([visit('v1', '2025-09-01'), visit('v2', '2025-10-01')], visitColumns), store, options);
    await lapses.openEpisode(
      {
        clientId: 'c-1',
        episodeId: '2026-05-11',
        status: 'open',
        openedOn: '2026-05-11',
        openedAt: '2026-05-11T06:00:00Z',
        explanation: { rule: 'rhythm', lastVisit: '2025-10-01', daysSinceLastVisit: 222, visitDays: 2, usualGapDays: 30 },
        controlGroup: false,
        requests: {},
      },
      mark({ requests: 0 }),
    );

    const back = await importFile(tableFromRows([visit('v3', '2026-06-15')], visitColumns), store, options);
    const again = await importFile(tableFromRows([visit('v3', '2026-06-15')], visitColumns), store, options);

    expect(back.wonBack).toBe(1);
    expect(again.wonBack).toBe(0);
    expect(await lapses.episodesOf('c-1')).toEqual([expect.objectContaining({ status: 'won-back', closedOn: '2026-06-15' })]);
    expect((await store.getClient('c-1'))?.lapse).toMatchObject({ status: 'won-back' });
  });
});
