import type { FollowUp, FollowUpStatus } from '../follow-up.ts';

export interface FollowUpStore {
  /** Opens it unless it exists (an answer updated twice opens one follow-up). */
  open(followUp: FollowUp): Promise<'opened' | 'exists'>;
  get(followUpId: string): Promise<FollowUp | undefined>;
  /** The follow-ups in a status, oldest first. */
  list(status: FollowUpStatus): Promise<FollowUp[]>;
  /** Writes the advanced follow-up if it is still in `from`; false when someone moved it first. */
  update(followUp: FollowUp, from: FollowUpStatus): Promise<boolean>;
}
