import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpRouter, httpStatus, json, type RouteContract } from '../../../functions/http.ts';
import { AppError, type ErrorKind } from '../../../shared/common/app-error.ts';

class WrongStepError extends AppError {
  override readonly name = 'WrongStepError';
  readonly kind = 'conflict';
}

class DownError extends AppError {
  override readonly name = 'DownError';
  readonly kind = 'unavailable';
  override shown() {
    return { message: 'try again later' };
  }
}

const routes = {
  item: { method: 'GET', path: '/items/{itemId}', groups: ['staff'], summary: 'one item' },
  move: { method: 'POST', path: '/items/{itemId}/move', groups: ['managers'], summary: 'move it', body: z.object({ to: z.enum(['a', 'b']) }).strict() },
  open: { method: 'GET', path: '/open', summary: 'no groups', query: z.object({ n: z.coerce.number().int().default(1) }) },
} as const satisfies Record<string, RouteContract>;

const router = httpRouter<typeof routes, { readonly fail?: AppError | Error }>(routes, {
  item: async ({ params, caller, deps }) => {
    if (deps.fail) throw deps.fail;
    return json(200, { itemId: params.itemId, by: caller.name });
  },
  move: async ({ params, body }) => json(200, { itemId: params.itemId, to: body.to }),
  open: async ({ query }) => json(200, { n: query.n }),
});

const request = (method: string, rawPath: string, options: { groups?: string[]; body?: string; query?: Record<string, string> } = {}): APIGatewayProxyEventV2 =>
  ({
    rawPath,
    ...(options.body !== undefined && { body: options.body }),
    ...(options.query && { queryStringParameters: options.query }),
    requestContext: {
      http: { method },
      ...(options.groups && { authorizer: { jwt: { claims: { email: 'ana@clinic.example', 'cognito:groups': options.groups } } } }),
    },
  }) as unknown as APIGatewayProxyEventV2;

const call = async (event: APIGatewayProxyEventV2, deps: { fail?: AppError | Error } = {}) => {
  const result = await router(event, deps);
  return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined, allow: result.headers?.allow };
};

describe('the one HTTP router', () => {
  it('runs the route with decoded parameters and the verified caller', async () => {
    expect(await call(request('GET', '/items/caf%C3%A9', { groups: ['staff'] }))).toEqual({
      status: 200,
      body: { itemId: 'café', by: 'ana@clinic.example' },
      allow: undefined,
    });
  });

  it('answers 404 for no route and 405 naming the methods the path answers (HEAD beside GET)', async () => {
    expect((await call(request('GET', '/nowhere'))).status).toBe(404);
    expect(await call(request('DELETE', '/items/1', { groups: ['staff'] }))).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(await call(request('GET', '/items/1/move'))).toMatchObject({ status: 405, allow: 'POST' });
  });

  it('answers 401 without a token and 403 outside the route’s groups, before running anything', async () => {
    expect(await call(request('GET', '/items/1'), { fail: new Error('must not run') })).toEqual({
      status: 401,
      body: { message: 'sign in first: no verified token' },
      allow: undefined,
    });
    expect((await call(request('POST', '/items/1/move', { groups: ['staff'], body: '{"to":"a"}' }))).body.message).toBe(
      'POST /items/{itemId}/move is for managers',
    );
  });

  it('parses the body and the query by the route’s schemas, naming each bad field', async () => {
    expect((await call(request('POST', '/items/1/move', { groups: ['managers'], body: '{"to":"b"}' }))).body).toEqual({ itemId: '1', to: 'b' });
    expect(await call(request('POST', '/items/1/move', { groups: ['managers'], body: '{nope' }))).toMatchObject({
      status: 400,
      body: { message: 'the body must be JSON' },
    });
    expect(
      (await call(request('POST', '/items/1/move', { groups: ['managers'], body: '{"to":"c","x":1}' }))).body.issues
        .map((issue: { path: string }) => issue.path)
        .sort(),
    ).toEqual(['to', 'x']);
    expect((await call(request('GET', '/open', { query: { n: '7' } }))).body).toEqual({ n: 7 });
    expect((await call(request('GET', '/open/'))).body).toEqual({ n: 1 });
    expect((await call(request('GET', '/open', { query: { n: 'many' } }))).status).toBe(400);
  });

  it('refuses a malformed or over-long path parameter with 400, naming it', async () => {
    expect(await call(request('GET', '/items/%E0', { groups: ['staff'] }))).toMatchObject({ status: 400, body: { issues: [{ parameter: 'itemId' }] } });
    expect((await call(request('GET', `/items/${'x'.repeat(201)}`, { groups: ['staff'] }))).status).toBe(400);
  });

  it('answers a HEAD as the GET, without the body', async () => {
    const head = await router(request('HEAD', '/items/1', { groups: ['staff'] }), {});
    expect([head.statusCode, head.body]).toEqual([200, undefined]);
  });

  it('answers an AppError by its kind with what it shows, and throws anything else', async () => {
    expect(await call(request('GET', '/items/1', { groups: ['staff'] }), { fail: new WrongStepError('it is resolved already') })).toMatchObject({
      status: 409,
      body: { message: 'it is resolved already' },
    });
    expect(await call(request('GET', '/items/1', { groups: ['staff'] }), { fail: new DownError('socket hang up at 10.0.0.7') })).toMatchObject({
      status: 502,
      body: { message: 'try again later' },
    });
    await expect(call(request('GET', '/items/1', { groups: ['staff'] }), { fail: new TypeError('a bug') })).rejects.toThrow('a bug');
  });

  it('gives every kind a distinct 4xx or 5xx status', () => {
    const statuses = Object.entries(httpStatus) as [ErrorKind, number][];
    expect(statuses.every(([, status]) => status >= 400 && status < 600)).toBe(true);
    expect(new Set(statuses.map(([, status]) => status)).size).toBe(statuses.length);
  });
});
