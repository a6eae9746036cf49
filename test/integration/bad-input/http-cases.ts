/**
 * What the staff-api and reports surfaces share: a case is one HTTP request through the local
 * API Gateway and its JWT authorizer (tokens signed by the local sign-in's own key, or forged),
 * and the clear 4xx it must get.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { issueLocalToken, localAudience, localIssuer } from '../../../infra/local/sign-in.ts';
import type { BadInputCase } from './world.ts';

/** Who calls: a signed-in person, nobody, or a token the cloud's authorizer (or Cognito) would refuse. */
export type Caller =
  | 'staff'
  | 'manager'
  | 'none'
  | 'not-a-jwt'
  | 'basic-auth'
  | 'forged'
  | 'expired'
  | 'no-exp'
  | 'no-token-use'
  | 'id-token-says-access'
  | 'access-token-says-id'
  | 'access-token-of-another-client'
  | 'other-issuer'
  | 'alg-none'
  | 'groups-string-comma'
  | 'groups-string-space'
  | 'groups-string-bare'
  | 'group-with-comma'
  | 'group-wrong-case'
  | 'access-token-staff';

export interface HttpCase extends BadInputCase {
  readonly method?: string;
  /** `{long:N}` stands for N characters. */
  readonly path: string;
  readonly as?: Caller;
  /** A JSON body (`{long:N}` in its strings too), or the exact text of one. */
  readonly body?: unknown;
  readonly bodyText?: string;
  readonly status: number;
  /** The parameter or field the error must name. */
  readonly parameter?: string;
  /** Words the error's message must hold. */
  readonly message?: string;
  /** The Allow header a 405 must carry. */
  readonly allow?: string;
}

const long = (text: string): string => text.replace(/\{long:(\d+)\}/g, (_, n: string) => 'x'.repeat(Number(n)));
const expand = (value: unknown): unknown =>
  typeof value === 'string'
    ? long(value)
    : Array.isArray(value)
      ? value.map(expand)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]))
        : value;

/** Signs in locally with a key of its own (a fresh data folder); `restore` puts the environment back. */
export const localSignIn = async (): Promise<{ tokens: Record<Caller, string | undefined>; restore: () => void }> => {
  const previous = process.env.COMEBACK_DATA_DIR;
  process.env.COMEBACK_DATA_DIR = await mkdtemp(join(tmpdir(), 'comeback-bad-input-'));
  const manager = await issueLocalToken({ user: 'eleni@clinic.example', groups: ['managers'] });
  const { kid, privateJwk } = JSON.parse(await readFile(join(process.env.COMEBACK_DATA_DIR, 'sign-in-key.json'), 'utf8'));
  const ours = await importJWK(privateJwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(ours);
  const idToken = (extra: JWTPayload): JWTPayload => ({
    iss: localIssuer,
    aud: localAudience,
    token_use: 'id',
    iat: now,
    exp: now + 3600,
    email: 'mallory@clinic.example',
    'cognito:groups': ['managers'],
    ...extra,
  });
  const { privateKey: theirs } = await generateKeyPair('RS256');
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(idToken({}))).toString('base64url')}.`;
  const { exp: _exp, ...noExp } = idToken({});
  const { token_use: _use, ...noTokenUse } = idToken({});
  const { aud: _aud, ...accessShape } = idToken({ token_use: 'access', client_id: localAudience });
  const tokens: Record<Caller, string | undefined> = {
    staff: await issueLocalToken({ user: 'kostas@clinic.example', groups: ['staff'] }),
    manager,
    none: undefined,
    'not-a-jwt': 'not-a-jwt',
    'basic-auth': undefined,
    forged: await new SignJWT(idToken({})).setProtectedHeader({ alg: 'RS256', kid }).sign(theirs),
    expired: await issueLocalToken({ user: 'eleni@clinic.example', groups: ['managers'], hours: 1 }, new Date(Date.now() - 2 * 3600_000)),
    'no-exp': await sign(noExp),
    'no-token-use': await sign(noTokenUse),
    'id-token-says-access': await sign(idToken({ token_use: 'access' })),
    'access-token-says-id': await sign({ ...accessShape, token_use: 'id' }),
    'access-token-of-another-client': await sign({ ...accessShape, client_id: 'another-app' }),
    'other-issuer': await sign(idToken({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other' })),
    'alg-none': unsigned,
    'groups-string-comma': await sign(idToken({ 'cognito:groups': 'staff,managers' })),
    'groups-string-space': await sign(idToken({ 'cognito:groups': 'x managers' })),
    'groups-string-bare': await sign(idToken({ 'cognito:groups': 'managers' })),
    'group-with-comma': await issueLocalToken({ user: 'mallory@clinic.example', groups: ['staff,managers'] }),
    'group-wrong-case': await issueLocalToken({ user: 'mallory@clinic.example', groups: ['Managers', 'manager', 'managers-x'] }),
    'access-token-staff': await sign({ ...accessShape, 'cognito:groups': ['staff'] }),
  };
  return {
    tokens,
    restore: () => {
      if (previous === undefined) delete process.env.COMEBACK_DATA_DIR;
      else process.env.COMEBACK_DATA_DIR = previous;
    },
  };
};

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: any;
}

/** Sends the case's request to the local API on `port`. */
export const send = async (port: number, testCase: HttpCase, tokens: Record<Caller, string | undefined>): Promise<HttpAnswer> => {
  const caller = testCase.as ?? 'staff';
  const token = tokens[caller];
  const authorization = caller === 'basic-auth' ? `Basic ${Buffer.from('eleni:secret').toString('base64')}` : token && `Bearer ${token}`;
  const body = testCase.bodyText !== undefined ? long(testCase.bodyText) : testCase.body !== undefined ? JSON.stringify(expand(testCase.body)) : undefined;
  const response = await fetch(`http://127.0.0.1:${port}${long(testCase.path)}`, {
    method: testCase.method ?? 'GET',
    headers: { ...(authorization && { authorization }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
};

/** The case's status, a JSON error, naming its parameter, with its words and Allow header. */
export const expectClearError = (answer: HttpAnswer, testCase: HttpCase): void => {
  expect(answer.status, `${testCase.case}: ${answer.text.slice(0, 300)}`).toBe(testCase.status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof answer.body?.message).toBe('string');
  if (testCase.status === 401) expect(answer.body).toEqual({ message: 'Unauthorized' });
  if (testCase.parameter !== undefined) {
    const named = ((answer.body.issues ?? []) as { parameter?: string; path?: string }[]).map((issue) => issue.parameter ?? issue.path);
    expect(named, answer.text.slice(0, 300)).toContain(testCase.parameter);
  }
  if (testCase.message !== undefined) expect(answer.body.message).toContain(testCase.message);
  if (testCase.allow !== undefined) expect(answer.headers.get('allow')).toBe(testCase.allow);
  expect(answer.text).not.toMatch(/URIError|stack|\.ts:\d/);
};
