import { createHash } from 'node:crypto';
import type { FollowUpKind } from './answer.ts';
import { AppError } from '../common/app-error.ts';

export type FollowUpStatus = 'open' | 'contacted' | 'resolved';

export interface FollowUpStep {
  readonly status: FollowUpStatus;
  readonly at: string;
  readonly by?: string;
  readonly note?: string;
}

/** Something staff should do after an answer: call the client back, look into a complaint. */
export interface FollowUp {
  /** Short, for staff to type; derived from the answer and the kind, so an answer updated twice opens it once. */
  readonly followUpId: string;
  readonly clientId: string;
  readonly answerId: string;
  readonly kind: FollowUpKind;
  readonly reasonId?: string;
  readonly status: FollowUpStatus;
  readonly openedAt: string;
  readonly history: readonly FollowUpStep[];
}

export const followUpId = (clientId: string, answerId: string, kind: FollowUpKind): string =>
  `f-${createHash('sha256').update(`${clientId}|${answerId}|${kind}`).digest('base64url').replace(/[-_]/g, '').slice(0, 8).toLowerCase()}`;

const next: Readonly<Record<FollowUpStatus, readonly FollowUpStatus[]>> = {
  open: ['contacted', 'resolved'],
  contacted: ['resolved'],
  resolved: [],
};

export class FollowUpTransitionError extends AppError {
  override readonly name = 'FollowUpTransitionError';
  readonly kind = 'conflict';
}

/** The follow-up moved on, with who and when; only forward (open, contacted, resolved). */
export const advanceFollowUp = (followUp: FollowUp, status: FollowUpStatus, step: Omit<FollowUpStep, 'status'>): FollowUp => {
  if (!next[followUp.status].includes(status)) {
    throw new FollowUpTransitionError(
      `follow-up ${followUp.followUpId} is ${followUp.status}: it can go to ${next[followUp.status].join(' or ') || 'nothing further'}, not ${status}`,
    );
  }
  return { ...followUp, status, history: [...followUp.history, { status, ...step }] };
};

export const isFollowUpStatus = (value: string): value is FollowUpStatus => value in next;
