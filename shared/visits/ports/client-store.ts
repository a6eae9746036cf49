import type { ClientProfile } from '../client.ts';
import type { LapseMark } from '../../lapse/episode.ts';
import type { VisitSummary } from '../summary.ts';
import type { Visit } from '../visit.ts';

/** A client as stored: the profile, the visit summary (once they have visits), and its version. */
export interface StoredClient {
  readonly profile: ClientProfile;
  readonly summary?: VisitSummary;
  /** Bumped by every summary change; a write that expects an older one is refused. */
  readonly version: number;
  /** Their current (or last) lapse episode, kept here for the sweep. */
  readonly lapse?: LapseMark;
  /** Why outreach ended for good (an involuntary reason: moved away, died, insurance). */
  readonly outreachEnded?: string;
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

/**
 * What became of one client's part of a write. All or nothing: when any part fails, no part
 * is written, and the others come back as `not-written` to be tried again.
 */
export type VisitWriteResult =
  | { readonly clientId: string; readonly outcome: 'recorded' | 'not-written' }
  /** Some visits were already recorded (or are being recorded by another writer). */
  | { readonly clientId: string; readonly outcome: 'already-recorded'; readonly visitIds: readonly string[] }
  /** The client changed since it was read: read it again and recompute the summary. */
  | { readonly clientId: string; readonly outcome: 'client-changed' };

/** DynamoDB holds at most 100 items in one transaction: one per client plus one per visit. */
export const maxItemsPerWrite = 100;

export interface ClientStore {
  getClient(clientId: string): Promise<StoredClient | undefined>;
  /** Reads many clients at once; missing ids are absent from the map. */
  getClients(clientIds: readonly string[]): Promise<Map<string, StoredClient>>;
  /** Creates or updates the profile; the summary and visits are left as they are. */
  saveProfile(profile: ClientProfile): Promise<ProfileWriteOutcome>;
  /**
   * Writes new visits and their clients' new summaries in one transaction (at most
   * `maxItemsPerWrite` items): either all of them land, or none does and the results say why.
   */
  recordVisits(writes: readonly VisitWrite[]): Promise<VisitWriteResult[]>;
  /**
   * Every client with their summary, one page at a time, from one segment of a parallel Scan:
   * run segments 0..totalSegments-1 concurrently to read all clients. Never reads visits.
   */
  scanClients(segment: number, totalSegments: number): AsyncGenerator<StoredClient[]>;
  /** Which of these visit ids are already recorded (a cheap check before writing). */
  findRecordedVisits(visitIds: readonly string[]): Promise<Set<string>>;
  /** One client's visits, oldest first. */
  listVisits(clientId: string): Promise<Visit[]>;
  /**
   * Every visit, one page at a time, from one segment of a parallel Scan of the visits (the
   * analytics export): run segments 0..totalSegments-1 concurrently to read them all.
   */
  scanVisits(segment: number, totalSegments: number): AsyncGenerator<Visit[]>;
  /** The clients with this phone number (a family may share one). */
  clientsWithPhone(phone: string): Promise<string[]>;
  /** The client subscribed to the clinic's Viber bot as this user (kept apart from what the clinic imports). */
  bindViberUser(clientId: string, viberUserId: string): Promise<void>;
  /** The clients bound to this Viber user (one, unless a family shares a phone and an account). */
  clientsWithViberUser(viberUserId: string): Promise<string[]>;
  /** No more feedback requests to this client, and why (an involuntary reason). */
  endOutreach(clientId: string, why: string): Promise<void>;
}
