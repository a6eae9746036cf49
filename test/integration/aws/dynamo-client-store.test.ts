import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClientProfile } from '../../../shared/visits/client.ts';
import { addVisits } from '../../../shared/visits/summary.ts';
import type { Visit } from '../../../shared/visits/visit.ts';
import type { StoredClient } from '../../../shared/visits/ports/client-store.ts';
import { freshStore, type TestStore } from '../../support/tables.ts';

const profile = (clientId: string, extra: Partial<ClientProfile> = {}): ClientProfile => ({
  clientId,
  locale: 'el',
  timeZone: 'Europe/Athens',
  consent: { email: true, sms: false, voice: false },
  email: `${clientId}@example.com`,
  ...extra,
});

const visit = (visitId: string, clientId: string, day: string, minor = 4500): Visit => ({
  visitId,
  clientId,
  visitedAt: `${day}T08:00:00.000Z`,
  day,
  serviceCategory: 'physiotherapy',
  doctorId: 'd-1',
  amount: { minor, currency: 'EUR' },
});

describe('DynamoClientStore on DynamoDB Local', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await freshStore();
  });

  it('creates, leaves unchanged, and updates a profile, removing contacts the clinic no longer sends', async () => {
    // Act
    const created = await t.store.saveProfile(profile('c-1'));
    const unchanged = await t.store.saveProfile(profile('c-1'));
    const updated = await t.store.saveProfile({ ...profile('c-1'), email: undefined, phone: '+306912345678' } as ClientProfile);

    // Assess
    expect([created, unchanged, updated]).toEqual(['created', 'unchanged', 'updated']);
    const stored = await t.store.getClient('c-1');
    expect(stored?.profile.email).toBeUndefined();
    expect(stored?.profile.phone).toBe('+306912345678');
  });

  it('keeps consent to WhatsApp and Viber, and a new consent is an update', async () => {
    // Act
    await t.store.saveProfile(profile('c-1'));
    const consented = await t.store.saveProfile({ ...profile('c-1'), consent: { ...profile('c-1').consent, whatsapp: true } });
    const again = await t.store.saveProfile({ ...profile('c-1'), consent: { ...profile('c-1').consent, whatsapp: true } });
    const stored = await t.store.getClient('c-1');

    // Assess
    expect([consented, again]).toEqual(['updated', 'unchanged']);
    expect(stored?.profile.consent).toEqual({ ...profile('c-1').consent, whatsapp: true });
  });

  it('keeps the visit summary when the profile is updated', async () => {
    // Prepare
    await t.store.saveProfile(profile('c-1'));
    const visits = [visit('v-1', 'c-1', '2026-01-01')];
    await t.store.recordVisits([{ clientId: 'c-1', expectedVersion: 0, visits, summary: addVisits(undefined, visits) }]);

    // Act
    await t.store.saveProfile(profile('c-1', { name: 'Renamed' }));

    // Assess
    const stored = await t.store.getClient('c-1');
    expect(stored).toMatchObject({ version: 1, profile: { name: 'Renamed' }, summary: { visits: 1 } });
  });

  it('writes several clients atomically, and writes nothing when one visit was already recorded', async () => {
    // Prepare
    const first = [visit('v-1', 'c-1', '2026-01-01')];
    await t.store.recordVisits([{ clientId: 'c-1', createProfile: profile('c-1'), visits: first, summary: addVisits(undefined, first) }]);
    const again = [visit('v-1', 'c-1', '2026-01-01'), visit('v-2', 'c-1', '2026-02-01')];
    const other = [visit('v-3', 'c-2', '2026-02-01')];

    // Act
    const results = await t.store.recordVisits([
      { clientId: 'c-1', expectedVersion: 1, visits: again, summary: addVisits(undefined, again) },
      { clientId: 'c-2', createProfile: profile('c-2'), visits: other, summary: addVisits(undefined, other) },
    ]);

    // Assess
    expect(results).toEqual([
      { clientId: 'c-1', outcome: 'already-recorded', visitIds: ['v-1'] },
      { clientId: 'c-2', outcome: 'not-written' },
    ]);
    expect(await t.store.getClient('c-2')).toBeUndefined();
    expect((await t.db.send(new GetCommand({ TableName: t.tables.visits, Key: { visitId: 'v-2' } }))).Item).toBeUndefined();
    expect((await t.store.getClient('c-1'))?.summary?.visits).toBe(1);
  });

  it('refuses a summary computed from a stale read', async () => {
    // Prepare
    const first = [visit('v-1', 'c-1', '2026-01-01')];
    await t.store.recordVisits([{ clientId: 'c-1', createProfile: profile('c-1'), visits: first, summary: addVisits(undefined, first) }]);
    const second = [visit('v-2', 'c-1', '2026-02-01')];

    // Act
    const stale = await t.store.recordVisits([{ clientId: 'c-1', expectedVersion: 0, visits: second, summary: addVisits(undefined, second) }]);
    const fresh = await t.store.recordVisits([
      { clientId: 'c-1', expectedVersion: 1, visits: second, summary: addVisits(addVisits(undefined, first), second) },
    ]);

    // Assess
    expect(stale).toEqual([{ clientId: 'c-1', outcome: 'client-changed' }]);
    expect(fresh).toEqual([{ clientId: 'c-1', outcome: 'recorded' }]);
    expect((await t.store.getClient('c-1'))?.summary).toMatchObject({ visits: 2 });
    expect((await t.store.getClient('c-1'))?.version).toBe(2);
  });

  it('reads many clients and visits at once, past one BatchGetItem call, each once whatever repeats the ids hold', async () => {
    // Prepare: 260 clients with one visit each, written 25 clients to a transaction.
    const ids = Array.from({ length: 260 }, (_, i) => `c-${String(i).padStart(3, '0')}`);
    for (let start = 0; start < ids.length; start += 25) {
      await t.store.recordVisits(
        ids.slice(start, start + 25).map((clientId) => {
          const visits = [visit(`v-${clientId}`, clientId, '2026-03-01')];
          return { clientId, visits, summary: addVisits(undefined, visits), createProfile: profile(clientId) };
        }),
      );
    }

    // Act
    const clients = await t.store.getClients([...ids, ...ids.slice(0, 30), 'nobody']);
    const recorded = await t.store.findRecordedVisits([...ids.map((id) => `v-${id}`), 'v-nobody']);

    // Assess
    expect([...clients.keys()].sort()).toEqual(ids);
    expect(clients.get('c-259')?.summary?.visits).toBe(1);
    expect([...recorded].sort()).toEqual(ids.map((id) => `v-${id}`));
  });

  it('refuses more than 100 items in one write', async () => {
    const visits = Array.from({ length: 100 }, (_, i) => visit(`v-${i}`, 'c-1', '2026-01-01'));
    await expect(t.store.recordVisits([{ clientId: 'c-1', createProfile: profile('c-1'), visits, summary: addVisits(undefined, visits) }])).rejects.toThrow(
      RangeError,
    );
  });

  it('reads every client exactly once across parallel scan segments, and lists visits in time order', async () => {
    // Prepare
    for (let i = 0; i < 150; i++) await t.store.saveProfile(profile(`c-${i}`));
    const visits = [visit('v-b', 'c-7', '2026-03-01'), visit('v-a', 'c-7', '2026-01-01')];
    await t.store.recordVisits([{ clientId: 'c-7', expectedVersion: 0, visits, summary: addVisits(undefined, visits) }]);

    // Act
    const segments = await Promise.all(
      [0, 1, 2].map(async (segment) => {
        const found: StoredClient[] = [];
        for await (const page of t.store.scanClients(segment, 3)) found.push(...page);
        return found;
      }),
    );

    // Assess
    const ids = segments.flat().map((c) => c.profile.clientId);
    expect(ids).toHaveLength(150);
    expect(new Set(ids).size).toBe(150);
    expect(segments.flat().find((c) => c.profile.clientId === 'c-7')?.summary?.visits).toBe(2);
    expect((await t.store.listVisits('c-7')).map((v) => v.visitId)).toEqual(['v-a', 'v-b']);
    expect(await t.store.findRecordedVisits(['v-a', 'v-zzz'])).toEqual(new Set(['v-a']));
    expect((await t.store.getClients(['c-1', 'nobody', 'c-2'])).size).toBe(2);
  });
});
