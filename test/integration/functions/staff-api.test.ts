/**
 * The staff and managers' API as the local stack serves it: real HTTP through the local API
 * Gateway, its JWT authorizer taking tokens like Cognito's, the function on DynamoDB Local.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupsOf } from '../../../functions/http.ts';
import { staffApi, type StaffDependencies } from '../../../functions/staff-api/handler.ts';
import { staffRoutes } from '../../../functions/staff-api/routes.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';
import { issueLocalToken, localAudience, localIssuer, verifyLocalToken } from '../../../infra/local/sign-in.ts';
import { DynamoAnswerStore } from '../../../shared/aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../../shared/aws/dynamo-follow-up-store.ts';
import { DynamoLapseStore } from '../../../shared/aws/dynamo-lapse-store.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import { recordAnswer } from '../../../shared/answers/use-cases/answers.ts';
import { freshTables } from '../../support/tables.ts';

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

/** The status, headers and body text of a request, HEAD included. */
const raw = async (method: string, path: string, token: string | undefined) => {
  const response = await fetch(`http://127.0.0.1:${api.port}${path}`, { method, headers: { ...(token && { authorization: `Bearer ${token}` }) } });
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)),
  );
  return { status: response.status, headers, text: await response.text() };
};

/** A token signed with the local sign-in's own key, with exactly these claims (what Cognito would never issue). */
const signedLocally = async (claims: JWTPayload): Promise<string> => {
  const { kid, privateJwk } = JSON.parse(await readFile(join(process.env.COMEBACK_DATA_DIR!, 'sign-in-key.json'), 'utf8'));
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(await importJWK(privateJwk, 'RS256'));
};
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

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
  await deps.clients.saveProfile({
    clientId: 'c-1',
    name: 'Νίκος Δημητρίου',
    phone: '+306912345678',
    locale: 'el',
    timeZone: 'Europe/Athens',
    consent: { email: false, sms: true, voice: false },
  });
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

  it('refuses, as the cloud authorizer and Cognito would, a token without exp and one whose token_use is not what its kind needs', async () => {
    // Prepare: signed by the right key, from the right issuer; only these claims differ.
    const base = { iss: localIssuer, email: 'mallory@example.com', 'cognito:groups': ['managers'] };
    const refused = {
      'no exp': { ...base, aud: localAudience, token_use: 'id' },
      'no token_use': { ...base, aud: localAudience, exp: inAnHour() },
      'an ID token that says access': { ...base, aud: localAudience, token_use: 'access', exp: inAnHour() },
      'an access token that says id': { ...base, client_id: localAudience, token_use: 'id', exp: inAnHour() },
      'an access token of another client': { ...base, client_id: 'someone-else', token_use: 'access', exp: inAnHour() },
      'issued in the future': { ...base, aud: localAudience, token_use: 'id', iat: inAnHour(), exp: inAnHour() + 60 },
    };
    const access = await signedLocally({ ...base, client_id: localAudience, token_use: 'access', exp: inAnHour() });

    // Act, Assess
    for (const [name, claims] of Object.entries(refused)) {
      expect([name, await call('GET', '/reasons', await signedLocally(claims))]).toEqual([name, { status: 401, body: { message: 'Unauthorized' } }]);
    }
    expect((await call('GET', '/reasons/candidates', access)).status).toBe(200);
    await expect(issueLocalToken({ user: 'x@clinic.example', groups: ['x managers'] })).rejects.toThrow(/group name/);
  });

  it('reads groups strictly: "staff,managers" or "x managers" is no manager, "[staff managers]" is', async () => {
    // Prepare
    const tokens = {
      commaInOneGroup: await issueLocalToken({ user: 'a@clinic.example', groups: ['staff,managers'] }),
      commaString: await signedLocally({
        iss: localIssuer,
        aud: localAudience,
        token_use: 'id',
        exp: inAnHour(),
        email: 'b@clinic.example',
        'cognito:groups': 'staff,managers',
      }),
      spaceString: await signedLocally({
        iss: localIssuer,
        aud: localAudience,
        token_use: 'id',
        exp: inAnHour(),
        email: 'c@clinic.example',
        'cognito:groups': 'x managers',
      }),
      nearMiss: await issueLocalToken({ user: 'd@clinic.example', groups: ['Managers', 'managers-x'] }),
    };

    // Act, Assess
    for (const [name, token] of Object.entries(tokens)) {
      expect([name, (await call('GET', '/reasons/candidates', token)).status]).toEqual([name, 403]);
    }
    expect((await call('GET', '/reasons/candidates', await issueLocalToken({ user: 'e@clinic.example', groups: ['staff', 'managers'] }))).status).toBe(200);
    expect(groupsOf('[staff managers]')).toEqual(['staff', 'managers']);
    expect(groupsOf('["staff","managers"]')).toEqual(['staff', 'managers']);
    expect(groupsOf(['staff', 'managers'])).toEqual(['staff', 'managers']);
    for (const claim of [
      'staff,managers',
      'x managers',
      'managers',
      '[staff,managers]',
      '[x  managers]',
      '[managers',
      '["managers", 1]',
      '{"managers":1}',
      42,
      null,
    ]) {
      expect([claim, groupsOf(claim).includes('managers')]).toEqual([claim, false]);
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
    const wrongMethod = await fetch(`http://127.0.0.1:${api.port}/reasons`, { method: 'DELETE', headers: { authorization: `Bearer ${managerToken}` } });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('answers HEAD wherever GET: the same status and headers, no body', async () => {
    for (const [path, token] of [
      ['/clients/c-1', staffToken],
      ['/reasons', staffToken],
      ['/reasons/candidates', staffToken],
      ['/reasons/groups', staffToken],
      ['/clients/c-404', staffToken],
      ['/followups?status=closed', staffToken],
      ['/nowhere', staffToken],
      ['/reasons', undefined],
    ] as const) {
      const [get, head] = [await raw('GET', path, token), await raw('HEAD', path, token)];
      expect([path, head.status, head.headers]).toEqual([path, get.status, get.headers]);
      expect(head.text).toBe('');
    }
    expect((await raw('HEAD', '/reasons/price/retire', managerToken)).status).toBe(405);
  });

  it('answers a malformed escape or an over-long id with 400 naming the parameter, never a 500', async () => {
    const cases = [
      ['GET', '/clients/%E0', 'clientId'],
      ['GET', '/clients/%ZZ', 'clientId'],
      ['GET', '/clients/c%', 'clientId'],
      ['GET', `/clients/${'c'.repeat(3000)}`, 'clientId'],
      ['GET', '/clients/c-1%00', 'clientId'],
      ['POST', '/clients/%E0%A4/answers', 'clientId'],
      ['POST', '/reasons/%ZZ/retire', 'reasonId'],
      ['POST', `/reasons/${'r'.repeat(3000)}/rename`, 'reasonId'],
      ['POST', '/followups/%E0/move', 'followUpId'],
    ] as const;
    for (const [method, path, parameter] of cases) {
      const response = await call(method, path, managerToken, method === 'POST' ? { reason: 'price', locale: 'en', label: 'x', to: 'contacted' } : undefined);
      expect([path.slice(0, 40), response.status, response.body.issues]).toEqual([path.slice(0, 40), 400, [{ parameter, reason: expect.any(String) }]]);
    }
    // A well-formed escape still means what it says.
    expect((await call('GET', '/clients/c%2D1', staffToken)).status).toBe(200);
    expect((await call('GET', `/clients/${'c'.repeat(200)}`, staffToken)).status).toBe(404);
  });

  it('serves every route it declares for the CDK', () => {
    expect(Object.values(staffRoutes).map((route) => `${route.method} ${route.path}`)).toEqual([
      'GET /clients/{clientId}',
      'POST /clients/{clientId}/answers',
      'GET /reasons',
      'GET /reasons/candidates',
      'POST /reasons/candidates/map',
      'POST /reasons/candidates/approve',
      'GET /reasons/groups',
      'POST /reasons/groups/{groupId}/map',
      'POST /reasons/groups/{groupId}/approve',
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
    const recorded = await call('POST', '/clients/c-1/answers', staffToken, {
      reason: 'staff-attitude',
      date: '2026-05-14',
      note: 'the receptionist was short with her',
      callBack: true,
    });
    const open = await call('GET', '/followups', staffToken);
    const id = recorded.body.followUps[0] as string;
    const contacted = await call('POST', `/followups/${id}/move`, staffToken, { to: 'contacted', note: 'called, will come on Friday' });
    const backwards = await call('POST', `/followups/${id}/move`, staffToken, { to: 'contacted' });

    // Assess
    expect(recorded.status).toBe(201);
    expect(recorded.body.answer).toMatchObject({
      channel: 'staff',
      reasonId: 'staff-attitude',
      method: 'chosen',
      by: 'kostas@clinic.example',
      receivedAt: '2026-05-14T12:00:00.000Z',
    });
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
    expect(bad.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['date', 'extra', 'reason']);
    expect(notJson).toEqual({ status: 400, body: { message: 'the body must be JSON' } });
    expect(unknownReason.status).toBe(400);
    expect(unknownReason.body.message).toContain('bad-weather');
    expect(nobody.status).toBe(404);
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.issues[0].path).toBe('status');
  });

  it('cannot date a call in the future: 400 naming date after tomorrow, and nothing is recorded', async () => {
    const before = (await call('GET', '/clients/c-1', staffToken)).body.answers.length;
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const dayAfter = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);

    for (const date of ['2099-01-01', dayAfter]) {
      const response = await call('POST', '/clients/c-1/answers', staffToken, { reason: 'price', date });
      expect([date, response.status, response.body.issues]).toEqual([date, 400, [{ path: 'date', reason: expect.stringContaining('still to come') }]]);
    }
    expect((await call('GET', '/clients/c-1', staffToken)).body.answers).toHaveLength(before);
    expect((await call('POST', '/clients/c-1/answers', staffToken, { reason: 'price', date: tomorrow })).status).toBe(201);
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
    expect(mapped).toEqual({ status: 200, body: { placed: 1, alsoPlaced: 0 } });
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

describe('managers, a group of pending answers at a time', () => {
  it('see parking written in three languages as one group, approve it as a new reason, and the group is gone', async () => {
    // Prepare: clients who wrote about parking, in English, Greek and Tagalog, and one about the lift.
    const replies = [
      ['No parking', 'en'],
      ['no parking!!', 'en'],
      ['parking', 'en'],
      ['πάρκινγκ', 'el'],
      ['walang parking', 'tl'],
      ['the lift is always broken', 'en'],
    ];
    for (const [index, [text, locale]] of replies.entries()) {
      await recordAnswer({ clientId: `g-${index}`, answerId: `page#group-${index}`, channel: 'page', mode: 'upsert', text: text!, locale: locale! }, deps);
    }

    // Act
    const listed = await call('GET', '/reasons/groups', managerToken);
    const parking = listed.body.groups.find((group: { texts: string[] }) => group.texts.includes('no parking'));
    const forStaff = await call('GET', '/reasons/groups', staffToken);
    const approved = await call('POST', `/reasons/groups/${parking.groupId}/approve`, managerToken, { label: 'Parking', locale: 'en', churnType: 'voluntary' });
    const again = await call('POST', `/reasons/groups/${parking.groupId}/map`, managerToken, { reasonId: 'parking' });
    const after = await call('GET', '/reasons/groups', managerToken);
    const reasons = (await call('GET', '/reasons', managerToken)).body.reasons;

    // Assess
    expect(listed.status).toBe(200);
    expect(parking).toMatchObject({
      topic: 'parking',
      answers: 5,
      locales: ['el', 'en', 'tl'],
      examples: ['no parking', 'parking', 'walang parking'],
      suggestion: { kind: 'new', label: 'parking' },
    });
    expect(listed.body).toMatchObject({ leftOut: 0 });
    expect(forStaff.status).toBe(403);
    expect(approved).toMatchObject({ status: 201, body: { reason: { id: 'parking' }, texts: 4, placed: 5, alsoPlaced: 0 } });
    expect(again.status).toBe(404);
    expect(again.body.message).toContain('list them again');
    expect(after.body.groups.flatMap((group: { texts: string[] }) => group.texts)).toEqual(['the lift is always broken']);
    expect(reasons.find((reason: { id: string }) => reason.id === 'parking').answers).toBe(5);
  });

  it('map a group to a reason the catalogue has, and get 404 for a reason it does not', async () => {
    // Prepare
    const { groups } = (await call('GET', '/reasons/groups', managerToken)).body;
    const lift = groups.find((group: { texts: string[] }) => group.texts.includes('the lift is always broken'));

    // Act
    const unknown = await call('POST', `/reasons/groups/${lift.groupId}/map`, managerToken, { reasonId: 'no-such-reason' });
    const mapped = await call('POST', `/reasons/groups/${lift.groupId}/map`, managerToken, { reasonId: 'other' });

    // Assess
    expect(unknown.status).toBe(404);
    expect(mapped).toEqual({ status: 200, body: { texts: 1, placed: 1, alsoPlaced: 0 } });
    expect((await call('GET', '/reasons/groups', managerToken)).body.groups).toEqual([]);
  });
});
