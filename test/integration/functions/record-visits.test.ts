import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clientsTable, episodesTable, visitsTable } from '../../../infra/resources.ts';
import { freshStore, type TestStore } from '../../support/tables.ts';

const event = (body: unknown, raw = false, method = 'POST', path = '/visits'): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    body: raw ? (body as string) : JSON.stringify(body),
    requestContext: { http: { method, path } } as APIGatewayProxyEventV2['requestContext'],
  }) as APIGatewayProxyEventV2;

const visit = (id: string, extra: Record<string, unknown> = {}) => ({
  visit_id: id,
  client_id: 'c-1',
  visited_at: '2026-03-01T10:00:00+02:00',
  amount: 45,
  currency: 'EUR',
  ...extra,
});

describe('POST /visits', () => {
  let t: TestStore;
  let recordVisits: typeof import('../../../functions/record-visits/handler.ts').recordVisits;
  beforeAll(async () => {
    t = await freshStore();
    process.env[clientsTable.envVar] = t.tables.clients;
    process.env[visitsTable.envVar] = t.tables.visits;
    process.env[episodesTable.envVar] = t.tables.episodes;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoEndpoint');
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    ({ recordVisits } = await import('../../../functions/record-visits/handler.ts'));
  });

  it('answers 400 for a body that is not JSON, and names the bad field of one that is', async () => {
    const notJson = await recordVisits(event('{nope', true));
    const badShape = await recordVisits(event({ visits: [visit('v-1', { amount: { value: 1 } })] }));
    const unknownField = await recordVisits(event({ visits: [visit('v-1', { colour: 'red' })] }));

    expect(notJson.statusCode).toBe(400);
    expect(badShape.statusCode).toBe(400);
    expect(JSON.parse(badShape.body!).issues[0].path).toBe('visits.0.amount');
    expect(unknownField.statusCode).toBe(400);
  });

  it('takes visits only by POST /visits: 405 naming POST for another method, 404 for another path, nothing recorded', async () => {
    const asGet = await recordVisits(event({ visits: [visit('v-get')] }, false, 'GET'));
    const asHead = await recordVisits(event({ visits: [visit('v-head')] }, false, 'HEAD'));
    const elsewhere = await recordVisits(event({ visits: [visit('v-else')] }, false, 'POST', '/visits/v-else'));

    expect([asGet.statusCode, asGet.headers?.allow]).toEqual([405, 'POST']);
    expect([asHead.statusCode, asHead.headers?.allow]).toEqual([405, 'POST']);
    expect(elsewhere.statusCode).toBe(404);
    expect(JSON.parse(elsewhere.body!).message).toContain('/visits/v-else');
  });

  it('records visits once, reports the bad ones by position, and answers 207 when only some landed', async () => {
    // Act
    const first = await recordVisits(event({ visits: [visit('v-1'), visit('v-2', { amount: -3 })], createClients: true }));
    const again = await recordVisits(event({ visits: [visit('v-1')] }));
    const none = await recordVisits(event({ visits: [visit('v-9', { client_id: 'c-unknown' })] }));

    // Assess
    expect(first.statusCode).toBe(207);
    expect(JSON.parse(first.body!)).toMatchObject({
      received: 2,
      recorded: 1,
      clientsCreated: 1,
      skipped: 1,
      problems: [{ line: 2, field: 'amount', reason: 'must be zero or more' }],
    });
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body!)).toMatchObject({ recorded: 0, alreadyRecorded: 1 });
    expect(none.statusCode).toBe(422);
    expect((await t.store.getClient('c-1'))?.summary?.visits).toBe(1);
  });

  it('refuses a visit later than now in the clinic, a too-long or control-character field, naming each by position', async () => {
    const tomorrow = new Date(Date.now() + 30 * 3_600_000).toISOString().slice(0, 10);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const response = await recordVisits(
      event({
        visits: [
          visit('f-1', { visited_at: `${tomorrow}T09:00:00+14:00` }),
          visit('f-2', { visited_at: inAnHour }),
          visit('f-3', { service_category: 'x'.repeat(1_000_000) }),
          visit('f-4', { doctor_id: 'd-1\u0000' }),
          visit('f-5\u200b'),
          visit('f-6'),
        ],
        createClients: true,
      }),
    );
    expect(response.statusCode).toBe(207);
    const body = JSON.parse(response.body!);
    expect(body.problems.map((p: { line: number; field: string }) => [p.line, p.field])).toEqual([
      [1, 'visited_at'],
      [2, 'visited_at'],
      [3, 'service_category'],
      [4, 'doctor_id'],
      [5, 'visit_id'],
    ]);
    expect(body.problems[0].reason).toMatch(/is in the future/);
    expect(body.problems[2].reason).toBe('is 1,000,000 characters long; at most 100 are allowed');
    expect(body.problems[3].reason).toBe('contains a control character (U+0000): ids may hold printable characters only');
    expect(body.recorded).toBe(1);
  });

  it('refuses a visit_id repeated with other data in one request, naming both positions; an identical repeat counts once', async () => {
    const response = await recordVisits(event({ visits: [visit('r-1'), visit('r-2'), visit('r-1', { amount: 99 }), visit('r-2')], createClients: true }));
    expect(response.statusCode).toBe(207);
    expect(JSON.parse(response.body!)).toMatchObject({
      received: 4,
      recorded: 2,
      repeated: 1,
      skipped: 1,
      problems: [{ line: 3, field: 'visit_id', reason: 'repeats r-1 of visit 1 with different data (a visit_id must name one row)', duplicateOf: 1 }],
    });
  });
});
