import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpRouter, json } from '../http.ts';
import { staffRoutes } from './routes.ts';
import { appContext, staffDependencies } from '../../shared/app.ts';
import type { LapseStore } from '../../shared/lapse/ports/lapse-store.ts';
import { recordStaffAnswer, UnknownClientError, type AnswerDependencies } from '../../shared/answers/use-cases/answers.ts';
import {
  approveCandidate,
  approveGroup,
  mapCandidate,
  mapGroup,
  mergeReasons,
  pendingGroups,
  reasonCounts,
  renameReasonLabel,
  retireReasonById,
} from '../../shared/answers/use-cases/catalogue.ts';
import { clientCard } from '../../shared/visits/use-cases/client-card.ts';
import { followUpsWithStatus, moveFollowUp } from '../../shared/answers/use-cases/follow-ups.ts';

const logger = new Logger({ serviceName: 'staff-api' });

export interface StaffDependencies extends AnswerDependencies {
  readonly lapses: LapseStore;
}

/** The staff and managers' API: each route of `staffRoutes` and what it does. */
export const staffApi = httpRouter<typeof staffRoutes, StaffDependencies>(
  staffRoutes,
  {
    clientCard: async ({ params, deps }) => {
      const card = await clientCard(params.clientId!, deps);
      if (!card) throw new UnknownClientError(`there is no client "${params.clientId}"`);
      return json(200, card);
    },
    recordAnswer: async ({ params, body, caller, deps }) => {
      const { reason, date, note, callBack } = body;
      const result = await recordStaffAnswer(
        { clientId: params.clientId!, reasonId: reason, by: caller.name, ...(date && { on: date }), ...(note && { note }), ...(callBack && { callMe: true }) },
        deps,
      );
      return json(201, { answer: result.answer, followUps: result.followUps, outreachEnded: result.outreachEnded });
    },
    reasons: async ({ deps }) => {
      const { catalogue, counts, pending } = await reasonCounts(deps);
      return json(200, { version: catalogue.version, reasons: counts.map(({ reason, answers }) => ({ ...reason, answers })), pending });
    },
    candidates: async ({ deps }) => json(200, { candidates: await deps.catalogue.candidates() }),
    mapCandidate: async ({ body, caller, deps }) => json(200, await mapCandidate(body.text, body.reason, body.locale, caller.name, deps)),
    approveCandidate: async ({ body, caller, deps }) =>
      json(201, await approveCandidate(body.text, { label: body.label, locale: body.locale, churnType: body.churnType }, caller.name, deps)),
    groups: async ({ deps }) => json(200, await pendingGroups(deps)),
    mapGroup: async ({ params, body, caller, deps }) => json(200, await mapGroup(params.groupId!, body.reasonId, caller.name, deps)),
    approveGroup: async ({ params, body, caller, deps }) =>
      json(201, await approveGroup(params.groupId!, { label: body.label, locale: body.locale, churnType: body.churnType }, caller.name, deps)),
    mergeReason: async ({ params, body, caller, deps }) => json(200, { version: (await mergeReasons(params.reasonId!, body.into, caller.name, deps)).version }),
    renameReason: async ({ params, body, caller, deps }) =>
      json(200, { version: (await renameReasonLabel(params.reasonId!, body.locale, body.label, caller.name, deps)).version }),
    retireReason: async ({ params, caller, deps }) => json(200, { version: (await retireReasonById(params.reasonId!, caller.name, deps)).version }),
    followUps: async ({ query, deps }) => json(200, { followUps: await followUpsWithStatus(query.status, deps) }),
    moveFollowUp: async ({ params, body, caller, deps }) =>
      json(200, await moveFollowUp(params.followUpId!, body.to, { by: caller.name, ...(body.note && { note: body.note }) }, deps)),
  },
  // Who did what, never what the client said.
  { served: (route, status, caller) => logger.info('staff request', { route, status, caller: caller?.name }) },
);

const app = appContext();

export const handler = middy((event: APIGatewayProxyEventV2) => staffApi(event, staffDependencies(app))).use(injectLambdaContext(logger));
