import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { answeringHead, badPathParameter, bodyText, callerOf, json, methodsAnswering, pathParameter, PathParameterError, type Caller } from '../http.ts';
import { buildApp } from '../../shared/app.ts';
import { isIsoDay, latestDayAnywhere } from '../../shared/common/dates.ts';
import { FollowUpTransitionError } from '../../shared/answers/follow-up.ts';
import { CatalogueError } from '../../shared/answers/reasons.ts';
import { CatalogueConflictError } from '../../shared/answers/ports/catalogue-store.ts';
import type { LapseStore } from '../../shared/lapse/ports/lapse-store.ts';
import { recordStaffAnswer, UnknownClientError, UnknownReasonError, type AnswerDependencies } from '../../shared/answers/use-cases/answers.ts';
import { approveCandidate, mapCandidate, mergeReasons, reasonCounts, renameReasonLabel, retireReasonById, UnknownCandidateError } from '../../shared/answers/use-cases/catalogue.ts';
import { clientCard } from '../../shared/visits/use-cases/client-card.ts';
import { followUpsWithStatus, FollowUpMovedError, moveFollowUp, UnknownFollowUpError } from '../../shared/answers/use-cases/follow-ups.ts';

const logger = new Logger({ serviceName: 'staff-api' });

/** The Cognito groups: staff work with clients and follow-ups; managers also run the reason catalogue. */
export type StaffGroup = 'staff' | 'managers';
const everyone: readonly StaffGroup[] = ['staff', 'managers'];
const managers: readonly StaffGroup[] = ['managers'];

export interface StaffDependencies extends AnswerDependencies {
  readonly lapses: LapseStore;
}

interface Request {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  readonly caller: Caller;
  readonly deps: StaffDependencies;
}

interface Route {
  readonly method: 'GET' | 'POST';
  /** API Gateway's path template, e.g. `/clients/{clientId}`. */
  readonly path: string;
  readonly groups: readonly StaffGroup[];
  /** One line for the API's documentation. */
  readonly summary: string;
  /** The JSON body and query string it takes (`run` parses them with these; the OpenAPI document shows them). */
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly run: (request: Request) => Promise<APIGatewayProxyStructuredResultV2>;
}

export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  constructor(
    message: string,
    readonly issues: readonly { path: string; reason: string }[] = [],
  ) {
    super(message);
  }
}

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new BadRequestError(
      'invalid request',
      result.error.issues.map((issue) =>
        // A field it does not take is named, as any other bad field is.
        issue.code === 'unrecognized_keys' ? { path: [...issue.path, issue.keys.join(', ')].join('.'), reason: 'not a field of this request' } : { path: issue.path.join('.') || '(body)', reason: issue.message },
      ),
    );
  }
  return result.data;
};

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
const mapBody = z.object({ text: text(1000), reason: text(100), locale: locale.optional() }).strict();
const approveBody = z.object({ text: text(1000), label: text(200), locale, churnType }).strict();
const mergeBody = z.object({ into: text(100) }).strict();
const renameBody = z.object({ locale, label: text(200) }).strict();
const followUpQuery = z.object({ status: z.enum(['open', 'contacted', 'resolved']).default('open') });
const moveBody = z.object({ to: z.enum(['contacted', 'resolved']), note: text(1000).optional() }).strict();

/**
 * The staff and managers' API. Every route names the groups allowed to call it; the API
 * Gateway JWT authorizer has already checked the token, this checks the group.
 */
export const staffRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/clients/{clientId}',
    groups: everyone,
    summary: 'The client card: profile, visits, lapse episodes, and every answer with its reason',
    run: async ({ params, deps }) => {
      const card = await clientCard(params.clientId!, deps);
      if (!card) throw new UnknownClientError(`there is no client "${params.clientId}"`);
      return json(200, card);
    },
  },
  {
    method: 'POST',
    path: '/clients/{clientId}/answers',
    groups: everyone,
    summary: 'Record what a client said on the phone',
    body: staffAnswer,
    run: async ({ params, body, caller, deps }) => {
      const input = parse(staffAnswer, body);
      const result = await recordStaffAnswer(
        { clientId: params.clientId!, reasonId: input.reason, by: caller.name, ...(input.date && { on: input.date }), ...(input.note && { note: input.note }), ...(input.callBack && { callMe: true }) },
        deps,
      );
      return json(201, { answer: result.answer, followUps: result.followUps, outreachEnded: result.outreachEnded });
    },
  },
  {
    method: 'GET',
    path: '/reasons',
    groups: everyone,
    summary: 'Every reason with how many answers count under it',
    run: async ({ deps }) => {
      const { catalogue, counts, pending } = await reasonCounts(deps);
      return json(200, { version: catalogue.version, reasons: counts.map(({ reason, answers }) => ({ ...reason, answers })), pending });
    },
  },
  {
    method: 'GET',
    path: '/reasons/candidates',
    groups: managers,
    summary: 'Answers no reason matched with confidence, waiting for a manager',
    run: async ({ deps }) => json(200, { candidates: await deps.catalogue.candidates() }),
  },
  {
    method: 'POST',
    path: '/reasons/candidates/map',
    groups: managers,
    summary: 'Say what a pending answer means; the same words match by themselves next time',
    body: mapBody,
    run: async ({ body, caller, deps }) => {
      const input = parse(mapBody, body);
      return json(200, await mapCandidate(input.text, input.reason, input.locale, caller.name, deps));
    },
  },
  {
    method: 'POST',
    path: '/reasons/candidates/approve',
    groups: managers,
    summary: 'Make a pending answer a new reason',
    body: approveBody,
    run: async ({ body, caller, deps }) => {
      const input = parse(approveBody, body);
      return json(201, await approveCandidate(input.text, { label: input.label, locale: input.locale, churnType: input.churnType }, caller.name, deps));
    },
  },
  {
    method: 'POST',
    path: '/reasons/{reasonId}/merge',
    groups: managers,
    summary: 'Merge a reason into another: every past answer counts under the other',
    body: mergeBody,
    run: async ({ params, body, caller, deps }) => {
      const input = parse(mergeBody, body);
      return json(200, { version: (await mergeReasons(params.reasonId!, input.into, caller.name, deps)).version });
    },
  },
  {
    method: 'POST',
    path: '/reasons/{reasonId}/rename',
    groups: managers,
    summary: "Change a reason's label in one language",
    body: renameBody,
    run: async ({ params, body, caller, deps }) => {
      const input = parse(renameBody, body);
      return json(200, { version: (await renameReasonLabel(params.reasonId!, input.locale, input.label, caller.name, deps)).version });
    },
  },
  {
    method: 'POST',
    path: '/reasons/{reasonId}/retire',
    groups: managers,
    summary: 'Stop offering and matching a reason (past answers keep it)',
    run: async ({ params, caller, deps }) => json(200, { version: (await retireReasonById(params.reasonId!, caller.name, deps)).version }),
  },
  {
    method: 'GET',
    path: '/followups',
    groups: everyone,
    summary: 'Follow-ups in one status, with whom to call',
    query: followUpQuery,
    run: async ({ query, deps }) => {
      const { status } = parse(followUpQuery, query);
      return json(200, { followUps: await followUpsWithStatus(status, deps) });
    },
  },
  {
    method: 'POST',
    path: '/followups/{followUpId}/move',
    groups: everyone,
    summary: 'Move a follow-up on: contacted, then resolved',
    body: moveBody,
    run: async ({ params, body, caller, deps }) => {
      const input = parse(moveBody, body);
      return json(200, await moveFollowUp(params.followUpId!, input.to, { by: caller.name, ...(input.note && { note: input.note }) }, deps));
    },
  },
];

const compiled = staffRoutes.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => `(?<${name}>[^/]+)`)}$`),
}));

const bodyOf = (event: APIGatewayProxyEventV2): unknown => {
  const raw = bodyText(event);
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new BadRequestError('the body must be JSON');
  }
};

const statusOf = (error: unknown): number | undefined => {
  if (error instanceof BadRequestError) return 400;
  if (error instanceof UnknownClientError || error instanceof UnknownFollowUpError || error instanceof UnknownCandidateError) return 404;
  if (error instanceof UnknownReasonError) return 400;
  if (error instanceof CatalogueError) return error.code === 'unknown-reason' ? 404 : error.code === 'bad-label' || error.code === 'bad-id' || error.code === 'bad-locale' ? 400 : 409;
  if (error instanceof FollowUpTransitionError || error instanceof FollowUpMovedError || error instanceof CatalogueConflictError) return 409;
  return undefined;
};

/**
 * One request: route, check the caller's group, run, and turn the use cases' errors into HTTP.
 * HEAD is answered wherever GET is (`answeringHead` hands it over as a GET).
 */
export const staffApi = answeringHead(async (event: APIGatewayProxyEventV2, deps: StaffDependencies): Promise<APIGatewayProxyStructuredResultV2> => {
  const method = event.requestContext.http.method;
  const onPath = compiled.map(({ route, pattern }) => ({ route, match: pattern.exec(event.rawPath) })).filter(({ match }) => match !== null);
  if (onPath.length === 0) return json(404, { message: `no route ${event.rawPath}` });
  const found = onPath.find(({ route }) => route.method === method);
  if (!found) {
    const allow = [...new Set(onPath.flatMap(({ route }) => methodsAnswering(route.method)))].join(', ');
    return json(405, { message: `${method} is not allowed on ${event.rawPath}` }, { allow });
  }
  const caller = callerOf(event);
  if (!caller) return json(401, { message: 'sign in first: no verified token' });
  if (!found.route.groups.some((group) => caller.groups.includes(group))) {
    return json(403, { message: `${found.route.method} ${found.route.path} is for ${found.route.groups.join(' or ')}` });
  }
  try {
    const params = Object.fromEntries(Object.entries(found.match!.groups ?? {}).map(([name, value]) => [name, pathParameter(name, value)]));
    const result = await found.route.run({ params, query: event.queryStringParameters ?? {}, body: method === 'POST' ? bodyOf(event) : undefined, caller, deps });
    // Who did what, never what the client said.
    logger.info('staff request', { route: `${found.route.method} ${found.route.path}`, status: result.statusCode, caller: caller.name });
    return result;
  } catch (error) {
    if (error instanceof PathParameterError) return badPathParameter(error);
    const status = statusOf(error);
    if (status === undefined) throw error;
    return json(status, { message: (error as Error).message, ...(error instanceof BadRequestError && error.issues.length > 0 && { issues: error.issues }) });
  }
});

const app = buildApp();

export const handler = middy((event: APIGatewayProxyEventV2) => staffApi(event, app.staffDependencies())).use(injectLambdaContext(logger));
