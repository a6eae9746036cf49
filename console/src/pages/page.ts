/** What every page is given. */
import type { Session } from '../auth.ts';
import type { ConsoleConfig } from '../config.ts';
import type { Place } from '../router.ts';

export interface PageProps {
  readonly place: Place;
  /** The path's parameters, as the page table names them (`clientId`). */
  readonly params: Readonly<Record<string, string>>;
  readonly session: Session;
  readonly config: ConsoleConfig;
}
