import { advanceFollowUp, type FollowUp, type FollowUpStatus } from '../follow-up.ts';
import type { ClientProfile } from '../../visits/client.ts';
import type { ClientStore } from '../../visits/ports/client-store.ts';
import type { FollowUpStore } from '../ports/follow-up-store.ts';
import { AppError } from '../../common/app-error.ts';

export class UnknownFollowUpError extends AppError {
  override readonly name = 'UnknownFollowUpError';
  readonly kind = 'not-found';
}

export class FollowUpMovedError extends AppError {
  override readonly name = 'FollowUpMovedError';
  readonly kind = 'conflict';
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

/** A follow-up with whom to call: the client's name and number, oldest first. */
export interface FollowUpToDo {
  readonly followUp: FollowUp;
  readonly client?: Pick<ClientProfile, 'clientId' | 'name' | 'phone' | 'email' | 'locale'>;
}

export const followUpsWithStatus = async (status: FollowUpStatus, deps: { followUps: FollowUpStore; clients: ClientStore }): Promise<FollowUpToDo[]> => {
  const found = (await deps.followUps.list(status)).sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.followUpId.localeCompare(b.followUpId));
  return Promise.all(
    found.map(async (followUp) => {
      const profile = (await deps.clients.getClient(followUp.clientId))?.profile;
      return {
        followUp,
        ...(profile && {
          client: {
            clientId: profile.clientId,
            locale: profile.locale,
            ...(profile.name && { name: profile.name }),
            ...(profile.phone && { phone: profile.phone }),
            ...(profile.email && { email: profile.email }),
          },
        }),
      };
    }),
  );
};
