import type { ClientProfile } from '../domain/client.ts';
import type { VisitSummary } from '../domain/summary.ts';
import type { Visit } from '../domain/visit.ts';

/** A client as stored: the profile, the visit summary (once they have visits), and its version. */
export interface StoredClient {
  readonly profile: ClientProfile;
  readonly summary?: VisitSummary;
  /** Bumped by every summary change; a write that expects an older one is refused. */
  readonly version: number;
}

export type ProfileWriteOutcome = 'created' | 'updated' | 'unchanged';

export interface VisitWrite {
  readonly clientId: string;
  /** The version read before computing `summary`; undefined when the client is new. */
  readonly expectedVersion?: number;
  /** Set to create the client in the same write (visits for a client the clinic never sent). */
  readonly createProfile?: ClientProfile;
  readonly visits: readonly Visit[];
  readonly summary: VisitSummary;
}

/** Some of the visits were already recorded: nothing was written; retry without them. */
export class VisitsAlreadyRecordedError extends Error {
  override readonly name = 'VisitsAlreadyRecordedError';
  constructor(readonly visitIds: readonly string[]) {
    super(`${visitIds.length} visit(s) already recorded`);
  }
}

/** The client changed since it was read (another writer): nothing was written; read again. */
export class ClientChangedError extends Error {
  override readonly name = 'ClientChangedError';
  constructor(readonly clientId: string) {
    super(`client ${clientId} changed while its visits were being recorded`);
  }
}

export interface ClientStore {
  getClient(clientId: string): Promise<StoredClient | undefined>;
  /** Reads many clients at once; missing ids are absent from the map. */
  getClients(clientIds: readonly string[]): Promise<Map<string, StoredClient>>;
  /** Creates or updates the profile; the summary and visits are left as they are. */
  saveProfile(profile: ClientProfile): Promise<ProfileWriteOutcome>;
  /**
   * Writes new visits and the client's new summary atomically: either all of them land,
   * or none does (and a typed error says why).
   */
  recordVisits(write: VisitWrite): Promise<void>;
  /**
   * Every client with their summary, one page at a time, from one segment of a parallel Scan:
   * run segments 0..totalSegments-1 concurrently to read all clients. Never reads visits.
   */
  scanClients(segment: number, totalSegments: number): AsyncGenerator<StoredClient[]>;
  /** One client's visits, oldest first. */
  listVisits(clientId: string): Promise<Visit[]>;
}
