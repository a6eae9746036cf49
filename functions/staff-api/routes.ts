/**
 * The staff and managers' API as a contract: each route's method, path, the Cognito groups
 * allowed to call it, and the request it takes. The handler, the CDK construct and the OpenAPI
 * document all read it; the API Gateway JWT authorizer checks the token, the router the group.
 */
import * as z from 'zod';
import type { RouteContract } from '../http.ts';
import { isIsoDay, latestDayAnywhere } from '../../shared/common/dates.ts';

/** The Cognito groups: staff work with clients and follow-ups; managers also run the reason catalogue. */
export type StaffGroup = 'staff' | 'managers';
const everyone: readonly StaffGroup[] = ['staff', 'managers'];
const managers: readonly StaffGroup[] = ['managers'];

const text = (max: number) => z.string().trim().min(1).max(max);
const locale = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag such as en, el or pt-BR');
const churnType = z.enum(['voluntary', 'involuntary', 'passive']);

const staffAnswer = z
  .object({
    reason: text(100),
    date: z
      .string()
      .refine(isIsoDay, { message: 'a date as YYYY-MM-DD', abort: true })
      .refine((day) => day <= latestDayAnywhere(), 'not a day still to come (at the latest, tomorrow)')
      .optional(),
    note: text(1000).optional(),
    callBack: z.boolean().optional(),
  })
  .strict();

export const staffRoutes = {
  clientCard: {
    method: 'GET',
    path: '/clients/{clientId}',
    groups: everyone,
    summary: 'The client card: profile, visits, lapse episodes, and every answer with its reason',
  },
  recordAnswer: {
    method: 'POST',
    path: '/clients/{clientId}/answers',
    groups: everyone,
    summary: 'Record what a client said on the phone',
    body: staffAnswer,
  },
  reasons: {
    method: 'GET',
    path: '/reasons',
    groups: everyone,
    summary: 'Every reason with how many answers count under it',
  },
  candidates: {
    method: 'GET',
    path: '/reasons/candidates',
    groups: managers,
    summary: 'Answers no reason matched with confidence, waiting for a manager',
  },
  mapCandidate: {
    method: 'POST',
    path: '/reasons/candidates/map',
    groups: managers,
    summary: 'Say what a pending answer means; the same words match by themselves next time',
    body: z.object({ text: text(1000), reason: text(100), locale: locale.optional() }).strict(),
  },
  approveCandidate: {
    method: 'POST',
    path: '/reasons/candidates/approve',
    groups: managers,
    summary: 'Make a pending answer a new reason',
    body: z.object({ text: text(1000), label: text(200), locale, churnType }).strict(),
  },
  groups: {
    method: 'GET',
    path: '/reasons/groups',
    groups: managers,
    summary: 'Pending answers in groups of one meaning across languages, each with a suggested reason or a new one',
  },
  mapGroup: {
    method: 'POST',
    path: '/reasons/groups/{groupId}/map',
    groups: managers,
    summary: 'Say what a whole group of pending answers means; pending answers the catalogue now places are placed too',
    body: z.object({ reasonId: text(100) }).strict(),
  },
  approveGroup: {
    method: 'POST',
    path: '/reasons/groups/{groupId}/approve',
    groups: managers,
    summary: 'Make a whole group of pending answers a new reason',
    body: z.object({ label: text(200), locale, churnType }).strict(),
  },
  mergeReason: {
    method: 'POST',
    path: '/reasons/{reasonId}/merge',
    groups: managers,
    summary: 'Merge a reason into another: every past answer counts under the other',
    body: z.object({ into: text(100) }).strict(),
  },
  renameReason: {
    method: 'POST',
    path: '/reasons/{reasonId}/rename',
    groups: managers,
    summary: "Change a reason's label in one language",
    body: z.object({ locale, label: text(200) }).strict(),
  },
  retireReason: {
    method: 'POST',
    path: '/reasons/{reasonId}/retire',
    groups: managers,
    summary: 'Stop offering and matching a reason (past answers keep it)',
  },
  followUps: {
    method: 'GET',
    path: '/followups',
    groups: everyone,
    summary: 'Follow-ups in one status, with whom to call',
    query: z.object({ status: z.enum(['open', 'contacted', 'resolved']).default('open') }),
  },
  moveFollowUp: {
    method: 'POST',
    path: '/followups/{followUpId}/move',
    groups: everyone,
    summary: 'Move a follow-up on: contacted, then resolved',
    body: z.object({ to: z.enum(['contacted', 'resolved']), note: text(1000).optional() }).strict(),
  },
} as const satisfies Readonly<Record<string, RouteContract>>;
