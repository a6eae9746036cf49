import type { Catalogue } from '../reasons.ts';
import { AppError } from '../../common/app-error.ts';

/** One versioned change of the catalogue, kept so history can be re-counted at any version. */
export interface CatalogueChange {
  readonly version: number;
  readonly at: string;
  readonly by?: string;
  readonly kind: 'seed' | 'add' | 'merge' | 'rename' | 'retire' | 'learn';
  readonly reasonId?: string;
  readonly into?: string;
  readonly text?: string;
  readonly label?: string;
  readonly locale?: string;
  /** A group of pending answers placed in one action (`reasons map-group`, `approve-group`): its id, and how many texts were learned. */
  readonly group?: string;
  readonly texts?: number;
}

/** Text no reason matched with confidence, waiting for a manager: never a reason on its own. */
export interface Candidate {
  readonly text: string;
  /** Cut from a longer answer (see longestAnswerText): staff read only its beginning. */
  readonly truncated?: boolean;
  /** The languages of the clients who wrote it. */
  readonly locales: readonly string[];
  readonly answers: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export class CatalogueConflictError extends AppError {
  override readonly name = 'CatalogueConflictError';
  readonly kind = 'conflict';
}

export interface CatalogueStore {
  /** The current catalogue; the seeded one the first time. */
  load(): Promise<Catalogue>;
  /** Writes what changed from `previous` to `next`; CatalogueConflictError if someone else changed it first. */
  save(previous: Catalogue, next: Catalogue, change: Omit<CatalogueChange, 'version'>): Promise<void>;
  changes(): Promise<CatalogueChange[]>;
  /** One more answer waits on `text`; `truncated` when it was cut from a longer answer. */
  noteCandidate(text: string, locale: string | undefined, at: string, options?: { truncated?: boolean }): Promise<void>;
  candidates(): Promise<Candidate[]>;
  dropCandidate(text: string): Promise<void>;
  /** One more answer counts under this reason (an atomic increment, never a read of all answers). */
  countReasonGiven(reasonId: string): Promise<void>;
  /** How many answers were given under each reason id, as recorded (a merged reason keeps its own count). */
  reasonsGiven(): Promise<ReadonlyMap<string, number>>;
}
