import type { ClientProfile } from '../../shared/visits/client.ts';
import {
  maxItemsPerWrite,
  type ClientStore,
  type ProfileWriteOutcome,
  type StoredClient,
  type VisitWrite,
  type VisitWriteResult,
} from '../../shared/visits/ports/client-store.ts';
import type { Visit } from '../../shared/visits/visit.ts';
import { ConditionalWriteError, copy } from './conditional-write.ts';

const optionalProfileFields = ['name', 'phone', 'email', 'preferredChannel', 'branchId'] as const;

/** The profile as the table keeps it: absent optional fields left out, consent as booleans (a messenger's only when agreed). */
const storedProfile = (profile: ClientProfile): ClientProfile => ({
  clientId: profile.clientId,
  locale: profile.locale,
  timeZone: profile.timeZone,
  consent: {
    email: profile.consent.email === true,
    sms: profile.consent.sms === true,
    voice: profile.consent.voice === true,
    ...(profile.consent.whatsapp === true && { whatsapp: true }),
    ...(profile.consent.viber === true && { viber: true }),
  },
  ...Object.fromEntries(optionalProfileFields.filter((field) => profile[field] !== undefined).map((field) => [field, profile[field]])),
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Clients and their visits in memory, with the DynamoDB adapter's rules: a write of visits is
 * all or nothing, refused when a visit is already recorded or the client's version moved on.
 */
export class InMemoryClientStore implements ClientStore {
  readonly clients = new Map<string, Mutable<StoredClient>>();
  readonly visits = new Map<string, Visit>();

  async getClient(clientId: string): Promise<StoredClient | undefined> {
    const client = this.clients.get(clientId);
    return client && copy(client);
  }

  async getClients(clientIds: readonly string[]): Promise<Map<string, StoredClient>> {
    const found = new Map<string, StoredClient>();
    for (const clientId of clientIds) {
      const client = this.clients.get(clientId);
      if (client) found.set(clientId, copy(client));
    }
    return found;
  }

  async saveProfile(profile: ClientProfile): Promise<ProfileWriteOutcome> {
    const next = storedProfile(profile);
    const client = this.clients.get(profile.clientId);
    if (!client) {
      this.clients.set(profile.clientId, { profile: next, version: 0 });
      return 'created';
    }
    const { viberUserId } = client.profile;
    if (JSON.stringify(storedProfile({ ...client.profile, viberUserId: undefined })) === JSON.stringify(next)) return 'unchanged';
    // The Viber user id is learned from Viber, not from the clinic's file: an import keeps it.
    client.profile = { ...next, ...(viberUserId && { viberUserId }) };
    return 'updated';
  }

  async bindViberUser(clientId: string, viberUserId: string): Promise<void> {
    const client = this.clients.get(clientId);
    if (!client) throw new ConditionalWriteError(`no client ${clientId}`);
    client.profile = { ...client.profile, viberUserId };
  }

  async clientsWithViberUser(viberUserId: string): Promise<string[]> {
    return [...this.clients.values()].filter((client) => client.profile.viberUserId === viberUserId).map((client) => client.profile.clientId);
  }

  async recordVisits(writes: readonly VisitWrite[]): Promise<VisitWriteResult[]> {
    const items = writes.reduce((sum, write) => sum + 1 + write.visits.length, 0);
    if (items > maxItemsPerWrite) throw new RangeError(`at most ${maxItemsPerWrite} items per write, got ${items}`);
    const refusals = writes.map((write) => {
      const duplicates = write.visits.filter((visit) => this.visits.has(visit.visitId)).map((visit) => visit.visitId);
      return { duplicates, clientChanged: !this.canWriteClient(write) };
    });
    if (refusals.some(({ duplicates, clientChanged }) => duplicates.length > 0 || clientChanged)) {
      return writes.map((write, i): VisitWriteResult => {
        const { duplicates, clientChanged } = refusals[i]!;
        if (duplicates.length > 0) return { clientId: write.clientId, outcome: 'already-recorded', visitIds: duplicates };
        if (clientChanged) return { clientId: write.clientId, outcome: 'client-changed' };
        return { clientId: write.clientId, outcome: 'not-written' };
      });
    }
    for (const write of writes) {
      const existing = this.clients.get(write.clientId);
      if (write.createProfile) this.clients.set(write.clientId, { profile: storedProfile(write.createProfile), summary: copy(write.summary), version: 1 });
      else Object.assign(existing!, { summary: copy(write.summary), version: (write.expectedVersion ?? 0) + 1 });
      for (const visit of write.visits) this.visits.set(visit.visitId, copy(visit));
    }
    return writes.map((write) => ({ clientId: write.clientId, outcome: 'recorded' }));
  }

  async *scanClients(segment: number, totalSegments: number): AsyncGenerator<StoredClient[]> {
    yield [...this.clients.values()].filter((_, i) => i % totalSegments === segment).map(copy);
  }

  async findRecordedVisits(visitIds: readonly string[]): Promise<Set<string>> {
    return new Set(visitIds.filter((visitId) => this.visits.has(visitId)));
  }

  async listVisits(clientId: string): Promise<Visit[]> {
    return [...this.visits.values()]
      .filter((visit) => visit.clientId === clientId)
      .sort((a, b) => a.visitedAt.localeCompare(b.visitedAt))
      .map(copy);
  }

  async *scanVisits(segment: number, totalSegments: number): AsyncGenerator<Visit[]> {
    yield [...this.visits.values()].filter((_, i) => i % totalSegments === segment).map(copy);
  }

  async clientsWithPhone(phone: string): Promise<string[]> {
    return [...this.clients.values()].filter((client) => client.profile.phone === phone).map((client) => client.profile.clientId);
  }

  async endOutreach(clientId: string, why: string): Promise<void> {
    const client = this.clients.get(clientId);
    if (!client) throw new ConditionalWriteError(`no client ${clientId}`);
    client.outreachEnded = why;
  }

  private canWriteClient(write: VisitWrite): boolean {
    const client = this.clients.get(write.clientId);
    if (write.createProfile) return client === undefined;
    return client !== undefined && client.version === (write.expectedVersion ?? 0);
  }
}
