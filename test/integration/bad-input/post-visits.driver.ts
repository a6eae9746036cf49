/**
 * `POST /visits` (functions/record-visits), the clinic system's way in: the handler itself,
 * against the world's tables, with the same rules as a file import (the future, field lengths,
 * control and invisible characters, ids repeated with other data within one request).
 *
 * A case: `visits`, the request's visits (in any text `{c}` is the case's own prefix,
 * `{rep:N:text}` is text N times, `{today}` and `{tomorrow}` the clinic's days, `{now+M}` the
 * instant M minutes from now, M may be negative), `createClients` (true unless said), or `raw`,
 * the body as written; `status`; `problems` by position (1 = the first visit) with field and
 * a substring of the reason; `response`, what else the first answer must hold.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { expect, inject } from 'vitest';
import { clientsTable, episodesTable, visitsTable } from '../../../infra/resources.ts';
import { addDays } from '../../../shared/common/dates.ts';
import { clinicClock } from '../../../shared/visits/visit-time.ts';
import { expand, expectProblems, type ExpectedProblem } from './import-file.ts';
import type { BadInputCase, BadInputDriver, BadInputWorld } from './world.ts';

interface PostVisitsCase extends BadInputCase {
  readonly visits?: readonly Record<string, unknown>[];
  readonly createClients?: boolean;
  readonly raw?: string;
  readonly status: number;
  readonly problems?: readonly ExpectedProblem[];
  readonly response?: Readonly<Record<string, unknown>>;
}

const clinicZone = 'Europe/Athens';
let recordVisits: typeof import('../../../functions/record-visits/handler.ts').recordVisits;
const prefixes = new Map<string, string>();

const event = (body: string): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /visits',
    rawPath: '/visits',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    body,
    requestContext: { http: { method: 'POST', path: '/visits' } } as APIGatewayProxyEventV2['requestContext'],
  }) as APIGatewayProxyEventV2;

/** Placeholders in every string of the case's visits. */
const fill = (value: unknown, prefix: string, now: number): unknown => {
  if (typeof value === 'string') {
    const today = clinicClock(clinicZone, now).today;
    return expand(value, prefix)
      .replaceAll('{today}', today)
      .replaceAll('{tomorrow}', addDays(today, 1))
      .replace(/\{now([+-]\d+)\}/g, (_, minutes: string) => new Date(now + Number(minutes) * 60_000).toISOString());
  }
  if (Array.isArray(value)) return value.map((inner) => fill(inner, prefix, now));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner, prefix, now)]));
  return value;
};

export const driver: BadInputDriver<PostVisitsCase> = {
  surface: 'post-visits',
  async prepare(world: BadInputWorld) {
    process.env[clientsTable.envVar] = world.tables.clients;
    process.env[visitsTable.envVar] = world.tables.visits;
    process.env[episodesTable.envVar] = world.tables.episodes;
    process.env.COMEBACK_TIMEZONE = clinicZone;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoEndpoint');
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    ({ recordVisits } = await import('../../../functions/record-visits/handler.ts'));
  },
  async run(_world, testCase, attempt) {
    if (!prefixes.has(testCase.case)) prefixes.set(testCase.case, `p${prefixes.size + 1}`);
    const prefix = prefixes.get(testCase.case)!;
    const body =
      testCase.raw !== undefined
        ? expand(testCase.raw, prefix)
        : JSON.stringify({ visits: fill(testCase.visits ?? [], prefix, Date.now()), createClients: testCase.createClients ?? true });
    const response = await recordVisits(event(body));
    const answer = JSON.parse(response.body ?? '{}') as { problems?: { line: number; field: string; reason: string }[]; message?: string };
    expect(response.statusCode, response.body).toBe(testCase.status);
    expectProblems(answer.problems ?? [], testCase.problems, prefix);
    // Counts are those of the first request; the second finds the good visits already there.
    if (testCase.response && attempt === 1) expect(answer).toMatchObject(fill(testCase.response, prefix, Date.now()) as Record<string, unknown>);
    expect(response.body ?? '').not.toMatch(/\bat .+:\d+:\d+|node_modules|InternalFailure|Expression size/);
  },
};
