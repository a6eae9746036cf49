import type { FollowUp, FollowUpStatus } from '../../shared/answers/follow-up.ts';
import type { FollowUpStore } from '../../shared/answers/ports/follow-up-store.ts';
import { copy } from './conditional-write.ts';

/** Follow-ups in memory; a move is written only from the status it was read in. */
export class InMemoryFollowUpStore implements FollowUpStore {
  readonly followUps = new Map<string, FollowUp>();

  async open(followUp: FollowUp): Promise<'opened' | 'exists'> {
    if (this.followUps.has(followUp.followUpId)) return 'exists';
    this.followUps.set(followUp.followUpId, copy(followUp));
    return 'opened';
  }

  async get(followUpId: string): Promise<FollowUp | undefined> {
    const followUp = this.followUps.get(followUpId);
    return followUp && copy(followUp);
  }

  async list(status: FollowUpStatus): Promise<FollowUp[]> {
    return [...this.followUps.values()]
      .filter((followUp) => followUp.status === status)
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
      .map(copy);
  }

  async update(followUp: FollowUp, from: FollowUpStatus): Promise<boolean> {
    if (this.followUps.get(followUp.followUpId)?.status !== from) return false;
    this.followUps.set(followUp.followUpId, copy(followUp));
    return true;
  }
}
