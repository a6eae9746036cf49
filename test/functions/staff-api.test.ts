/**
 * The staff and managers' API as the local stack serves it: real HTTP through the local API
 * Gateway, its JWT authorizer taking tokens like Cognito's, the function on DynamoDB Local.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffApi, staffRoutes, type StaffDependencies } from '../../functions/staff-api/handler.ts';
import { startHttpApi } from '../../infra/local/http-api.ts';
import { issueLocalToken, localAudience, localIssuer, verifyLocalToken } from '../../infra/local/sign-in.ts';
import { DynamoAnswerStore } from '../../shared/adapters/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../shared/adapters/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../shared/adapters/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../shared/adapters/dynamo-follow-up-store.ts';
import { DynamoLapseStore } from '../../shared/adapters/dynamo-lapse-store.ts';
import { DynamoOutreachLog } from '../../shared/adapters/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../shared/adapters/dynamo-suppression-list.ts';
import { recordAnswer } from '../../shared/use-cases/answers.ts';
import { freshTables } from '../support/tables.ts';

let deps: StaffDependencies;
let api: Awaited<ReturnType<typeof startHttpApi>>;
let managerToken: string;
let staffToken: string;
const previousDataDir = process.env.COMEBACK_DATA_DIR;

const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
  const response = await fetch(`http://127.0.0.1:${api.port}${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  // Prepare: a key of this test's own, fresh tables, one client who answered by text.
  process.env.COMEBACK_DATA_DIR = await mkdtemp(join(tmpdir(), 'comeback-sign-in-'));
  const { tables, db } = await freshTables();
  deps = {
    answers: new DynamoAnswerStore(tables.answers, db),
    catalogue: new DynamoCatalogueStore(tables.catalogue, db),
    followUps: new DynamoFollowUpStore(tables.followUps, db),
    clients: new DynamoClientStore(tables, db),
    suppression: new DynamoSuppressionList(tables.suppression, db),
    log: new DynamoOutreachLog(tables.outreach, db),
    lapses: new DynamoLapseStore(tables, db),
  };
  await deps.clients.saveProfile({ clientId: 'c-1', name: 'Νίκος Δημητρίου', phone: '+306912345678', locale: 'el', timeZone: 'Europe/Athens', consent: { email: false, sms: true, voice: false } });
  await recordAnswer({ clientId: 'c-1', answerId: 'sms#in-1', channel: 'sms', mode: 'once', text: 'ο σκύλος μου φοβάται το ασανσέρ', locale: 'el' }, deps);
  const verify = async (token: string) => verifyLocalToken(token);
  api = await startHttpApi([{ prefix: '/', handler: (event) => staffApi(event, deps), verify }], 0);
  managerToken = await issueLocalToken({ user: 'eleni@clinic.example', groups: ['managers'] });
  staffToken = await issueLocalToken({ user: 'kostas@clinic.example', groups: ['staff'] });
});

afterAll(async () => {
  await api?.stop();
  if (previousDataDir === undefined) delete process.env.COMEBACK_DATA_DIR;
  else process.env.COMEBACK_DATA_DIR = previousDataDir;
});

describe('signing in', () => {
  it('refuses a request without a token, or with a forged or expired one, before the function runs', async () => {
    // Prepare
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ 'cognito:groups': ['managers'], email: 'mallory@example.com' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(localIssuer)
      .setAudience(localAudience)
      .setExpirationTime('1h')
      .sign(privateKey);
    const expired = await issueLocalToken({ user: 'eleni@clinic.example', groups: ['managers'], hours: 1 }, new Date(Date.now() - 2 * 3600_000));

    // Act, Assess
    for (const token of [undefined, forged, expired, 'not-a-jwt']) {
      expect(await call('GET', '/reasons', token)).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    }
  });

  it('keeps the catalogue to managers: staff get 403 naming who may', async () => {
    const response = await call('POST', '/reasons/price/retire', staffToken);

    expect(response.status).toBe(403);
    expect(response.body.message).toBe('POST /reasons/{reasonId}/retire is for managers');
    expect((await call('GET', '/reasons', staffToken)).status).toBe(200);
  });

  it('answers 404 for a path it does not have and 405 for a method a path does not take', async () => {
    expect((await call('GET', '/nowhere', staffToken)).status).toBe(404);
    expect((await call('DELETE', '/reasons', managerToken)).status).toBe(405);
  });

  it('serves every route it declares for the CDK', () => {
    expect(staffRoutes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'GET /clients/{clientId}',
      'POST /clients/{clientId}/answers',
      'GET /reasons',
      'GET /reasons/candidates',
      'POST /reasons/candidates/map',
      'POST /reasons/candidates/approve',
      'POST /reasons/{reasonId}/merge',
      'POST /reasons/{reasonId}/rename',
      'POST /reasons/{reasonId}/retire',
      'GET /followups',
      'POST /followups/{followUpId}/move',
    ]);
  });
});

describe('staff', () => {
  it('record a call: the answer is theirs, a call-back opens a follow-up they move on by name', async () => {
    // Act
    const recorded = await call('POST', '/clients/c-1/answers', staffToken, { reason: 'staff-attitude', date: '2026-05-14', note: 'the receptionist was short with her', callBack: true });
    const open = await call('GET', '/followups', staffToken);
    const id = recorded.body.followUps[0] as string;
    const contacted = await call('POST', `/followups/${id}/move`, staffToken, { to: 'contacted', note: 'called, will come on Friday' });
    const backwards = await call('POST', `/followups/${id}/move`, staffToken, { to: 'contacted' });

    // Assess
    expect(recorded.status).toBe(201);
    expect(recorded.body.answer).toMatchObject({ channel: 'staff', reasonId: 'staff-attitude', method: 'chosen', by: 'kostas@clinic.example', receivedAt: '2026-05-14T12:00:00.000Z' });
    expect(recorded.body.followUps).toHaveLength(2);
    expect(open.body.followUps.map((f: any) => [f.followUp.kind, f.client.name, f.client.phone]).sort()).toEqual([
      ['call-back', 'Νίκος Δημητρίου', '+306912345678'],
      ['complaint', 'Νίκος Δημητρίου', '+306912345678'],
    ]);
    expect(contacted.status).toBe(200);
    expect(contacted.body.history.at(-1)).toMatchObject({ status: 'contacted', by: 'kostas@clinic.example', note: 'called, will come on Friday' });
    expect(backwards.status).toBe(409);
  });

  it('see the client card with every answer, its channel, reason, confidence and churn type', async () => {
    const card = await call('GET', '/clients/c-1', staffToken);

    expect(card.status).toBe(200);
    expect(card.body.client.profile.clientId).toBe('c-1');
    expect(card.body.answers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'sms', method: 'none', confidence: expect.any(Number), text: 'ο σκύλος μου φοβάται το ασανσέρ' }),
        expect.objectContaining({ channel: 'staff', confidence: 1, reason: { id: 'staff-attitude', label: 'Staff attitude', churnType: 'voluntary' } }),
      ]),
    );
  });

  it('get 400 naming each bad field, and 404 for a client that does not exist', async () => {
    const bad = await call('POST', '/clients/c-1/answers', staffToken, { reason: '', date: '14/05/2026', extra: 1 });
    const notJson = await call('POST', '/clients/c-1/answers', staffToken, '{"reason":');
    const unknownReason = await call('POST', '/clients/c-1/answers', staffToken, { reason: 'bad-weather' });
    const nobody = await call('GET', '/clients/c-404', staffToken);
    const badStatus = await call('GET', '/followups?status=closed', staffToken);

    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['(body)', 'date', 'reason']);
    expect(notJson).toEqual({ status: 400, body: { message: 'the body must be JSON' } });
    expect(unknownReason.status).toBe(400);
    expect(unknownReason.body.message).toContain('bad-weather');
    expect(nobody.status).toBe(404);
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.issues[0].path).toBe('status');
  });
});

describe('managers', () => {
  it('place a pending answer, and the catalogue counts it; merging moves the count, history included', async () => {
    // Prepare
    const { candidates } = (await call('GET', '/reasons/candidates', managerToken)).body;
    const text = candidates[0].text as string;

    // Act
    const mapped = await call('POST', '/reasons/candidates/map', managerToken, { text, reason: 'other', locale: 'el' });
    const before = (await call('GET', '/reasons', managerToken)).body;
    const merged = await call('POST', '/reasons/other/merge', managerToken, { into: 'no-longer-needed' });
    const after = (await call('GET', '/reasons', managerToken)).body;
    const again = await call('POST', '/reasons/other/merge', managerToken, { into: 'no-longer-needed' });

    // Assess
    expect(mapped).toEqual({ status: 200, body: { placed: 1 } });
    const count = (body: any, id: string) => body.reasons.find((reason: { id: string }) => reason.id === id).answers;
    expect([count(before, 'other'), count(before, 'no-longer-needed')]).toEqual([1, 0]);
    expect(merged.status).toBe(200);
    expect(merged.body.version).toBeGreaterThan(before.version);
    expect([count(after, 'other'), count(after, 'no-longer-needed')]).toEqual([0, 1]);
    expect(again.status).toBe(409);
    expect((await call('GET', '/reasons/candidates', managerToken)).body.candidates).toEqual([]);
  });

  it('rename a label, and cannot place text nobody wrote', async () => {
    const renamed = await call('POST', '/reasons/price/rename', managerToken, { locale: 'en', label: 'Cost of treatment' });
    const unknown = await call('POST', '/reasons/candidates/map', managerToken, { text: 'never written', reason: 'price' });

    expect(renamed.status).toBe(200);
    expect((await call('GET', '/reasons', managerToken)).body.reasons.find((r: { id: string }) => r.id === 'price').labels.en).toBe('Cost of treatment');
    expect(unknown.status).toBe(404);
  });
});
