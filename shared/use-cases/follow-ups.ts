import { advanceFollowUp, type FollowUp, type FollowUpStatus } from '../domain/follow-ups.ts';
import type { FollowUpStore } from '../ports/follow-up-store.ts';

export class UnknownFollowUpError extends Error {
  override readonly name = 'UnknownFollowUpError';
}

export class FollowUpMovedError extends Error {
  override readonly name = 'FollowUpMovedError';
}

/** Staff move a follow-up on (contacted, resolved), with who and when. */
export const moveFollowUp = async (
  followUpId: string,
  status: FollowUpStatus,
  step: { by: string; note?: string; at?: string },
  deps: { followUps: FollowUpStore; now?: () => Date },
): Promise<FollowUp> => {
  const current = await deps.followUps.get(followUpId);
  if (!current) throw new UnknownFollowUpError(`there is no follow-up "${followUpId}"`);
  const at = step.at ?? (deps.now ?? (() => new Date()))().toISOString();
  const next = advanceFollowUp(current, status, { at, by: step.by, ...(step.note && { note: step.note }) });
  if (!(await deps.followUps.update(next, current.status))) throw new FollowUpMovedError(`follow-up ${followUpId} was changed by someone else: look again`);
  return next;
};
