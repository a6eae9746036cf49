/**
 * What every HTTP function shares: one router (routes, methods and their Allow, groups, path
 * parameters, request schemas), JSON answers, who the JWT authorizer says is calling, and the
 * one mapping from an AppError's kind to an HTTP status.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { AppError, type ErrorKind, type Problem } from '../shared/common/app-error.ts';

export const json = (statusCode: number, payload: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(payload),
});

/** The request body as text, whether API Gateway passed it plain or base64-encoded; '' when none. */
export const bodyText = (event: APIGatewayProxyEventV2): string =>
  event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');

/** Who is calling, from the JWT the API's authorizer verified. */
export interface Caller {
  readonly name: string;
  readonly groups: readonly string[];
}

/**
 * `cognito:groups` as the function receives it: a list (a token's own claim), a JSON array, or
 * what an HTTP API JWT authorizer makes of a list, "[a b]" (Cognito group names hold no
 * whitespace, so a space separates them). Anything else (a plain string such as
 * "staff,managers" or "x managers") names no group; each element is matched exactly.
 */
export const groupsOf = (claim: unknown): string[] => {
  const strings = (list: unknown[]): string[] => (list.every((item) => typeof item === 'string') ? (list as string[]) : []);
  if (Array.isArray(claim)) return strings(claim);
  if (typeof claim !== 'string') return [];
  if (claim.startsWith('["') || claim === '[]') {
    try {
      const parsed: unknown = JSON.parse(claim);
      return Array.isArray(parsed) ? strings(parsed) : [];
    } catch {
      return [];
    }
  }
  const bracketed = /^\[([^\s[\]]+(?: [^\s[\]]+)*)\]$/.exec(claim);
  return bracketed ? bracketed[1]!.split(' ') : [];
};

export const callerOf = (event: APIGatewayProxyEventV2): Caller | undefined => {
  const claims = (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext.authorizer?.jwt?.claims;
  if (!claims) return undefined;
  const name = claims.email ?? claims['cognito:username'] ?? claims.username ?? claims.sub;
  return name === undefined ? undefined : { name: String(name), groups: groupsOf(claims['cognito:groups']) };
};

/** The longest path parameter (an id or a name) the APIs take; longer ones are refused with 400. */
export const maxPathParameterLength = 200;

/** A request the route cannot take: a bad field, a body that is not JSON; each problem named. */
export class InvalidRequestError extends AppError {
  override readonly name: string = 'InvalidRequestError';
  readonly kind = 'invalid';
  constructor(
    message: string,
    readonly issues: readonly Readonly<Record<string, string>>[] = [],
  ) {
    super(message);
  }

  override shown(): Problem {
    return { message: this.message, ...(this.issues.length > 0 && { issues: this.issues }) };
  }
}

/** A path parameter that is not a valid percent-encoding, or too long: 400, naming it. */
export class PathParameterError extends InvalidRequestError {
  override readonly name = 'PathParameterError';
  constructor(
    readonly parameter: string,
    readonly reason: string,
  ) {
    super('invalid request', [{ parameter, reason }]);
  }
}

export class NoRouteError extends AppError {
  override readonly name = 'NoRouteError';
  readonly kind = 'not-found';
}

export class MethodNotAllowedError extends AppError {
  override readonly name = 'MethodNotAllowedError';
  readonly kind = 'not-allowed';
  constructor(
    message: string,
    /** The methods the path answers, for the Allow header. */
    readonly allow: readonly string[],
  ) {
    super(message);
  }
}

export class NotSignedInError extends AppError {
  override readonly name = 'NotSignedInError';
  readonly kind = 'unauthorized';
}

export class NotInGroupError extends AppError {
  override readonly name = 'NotInGroupError';
  readonly kind = 'forbidden';
}

/**
 * A path parameter as it was meant (`%C3%A9` is "é"), from the raw path API Gateway passes on.
 * The one decoder every HTTP function uses: a malformed escape (`%E0`, `%ZZ`) or a value over
 * `maxPathParameterLength` characters is a PathParameterError, never a URIError.
 */
export const pathParameter = (parameter: string, raw: string): string => {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new PathParameterError(parameter, 'not a valid percent-encoded value');
  }
  if (value.length > maxPathParameterLength) throw new PathParameterError(parameter, `at most ${maxPathParameterLength} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new PathParameterError(parameter, 'no control characters');
  return value;
};

/** Each kind of AppError as HTTP says it. */
export const httpStatus: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'not-allowed': 405,
  conflict: 409,
  gone: 410,
  'too-large': 413,
  'unsupported-media': 415,
  unprocessable: 422,
  misconfigured: 500,
  unavailable: 502,
};

/** Headers an error adds to its answer: the methods a path does answer. */
export const problemHeaders = (error: AppError): Record<string, string> => (error instanceof MethodNotAllowedError ? { allow: error.allow.join(', ') } : {});

/** An AppError as a JSON answer: its kind's status, its problem as the body. */
export const problemResponse = (error: AppError): APIGatewayProxyStructuredResultV2 => json(httpStatus[error.kind], error.shown(), problemHeaders(error));

type HttpFunction<A extends unknown[]> = (event: APIGatewayProxyEventV2, ...rest: A) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * HEAD wherever GET: the function answers a HEAD as the GET it would be (same status and
 * headers), without the body.
 */
export const answeringHead =
  <A extends unknown[]>(serve: HttpFunction<A>): HttpFunction<A> =>
  async (event, ...rest) => {
    if (event.requestContext?.http?.method !== 'HEAD') return serve(event, ...rest);
    const asGet = { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'GET' } } };
    const { body: _body, isBase64Encoded: _encoded, ...result } = await serve(asGet, ...rest);
    return result;
  };

/** The methods a route of `method` answers: GET routes answer HEAD too. */
export const methodsAnswering = <M extends string>(method: M): (M | 'HEAD')[] => (method === 'GET' ? [method, 'HEAD'] : [method]);

/**
 * One route of an HTTP function, as its handler, the CDK construct and the OpenAPI document
 * all read it (`functions/<name>/routes.ts`): no code runs in it.
 */
export interface RouteContract {
  readonly method: 'GET' | 'POST';
  /** API Gateway's path template, e.g. `/clients/{clientId}`. */
  readonly path: string;
  /** The Cognito groups that may call it; none: the API's own check (IAM, a signed link) is all. */
  readonly groups?: readonly string[];
  /** One line for the API's documentation. */
  readonly summary: string;
  /** The JSON body it takes; the router parses it, so the handler gets it typed. */
  readonly body?: z.ZodType;
  /** The query string it takes; without one the handler gets the raw parameters. */
  readonly query?: z.ZodType;
}

export interface HttpRequest<R extends RouteContract, D> {
  readonly event: APIGatewayProxyEventV2;
  readonly params: Readonly<Record<string, string>>;
  readonly query: R['query'] extends z.ZodType ? z.output<R['query']> : Readonly<Record<string, string | undefined>>;
  readonly body: R['body'] extends z.ZodType ? z.output<R['body']> : undefined;
  readonly caller: R['groups'] extends readonly string[] ? Caller : Caller | undefined;
  readonly deps: D;
}

export type RouteHandlers<T extends Readonly<Record<string, RouteContract>>, D> = {
  readonly [K in keyof T]: (request: HttpRequest<T[K], D>) => Promise<APIGatewayProxyStructuredResultV2>;
};

export interface RouterOptions {
  /** Hand path parameters over as they are in the raw path, undecoded (a signed token never holds an escape). */
  readonly rawPathParameters?: boolean;
  /** How an AppError is answered; JSON (`problemResponse`) unless the function shows pages. */
  readonly problem?: (error: AppError, event: APIGatewayProxyEventV2) => APIGatewayProxyStructuredResultV2;
  /** Told of each request served, for the function's log. */
  readonly served?: (route: string, status: number, caller: Caller | undefined) => void;
}

/** A zod failure as named issues: the field's path and why; a field the route does not take is named too. */
export const issuesOf = (error: z.ZodError, key: 'path' | 'parameter' = 'path'): Record<string, string>[] =>
  error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? { [key]: [...issue.path, issue.keys.join(', ')].join('.'), reason: 'not a field of this request' }
      : { [key]: issue.path.join('.') || '(body)', reason: issue.message },
  );

const parsed = <T>(schema: z.ZodType<T>, value: unknown, key: 'path' | 'parameter'): T => {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidRequestError('invalid request', issuesOf(result.error, key));
  return result.data;
};

const jsonBody = (event: APIGatewayProxyEventV2): unknown => {
  const raw = bodyText(event);
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new InvalidRequestError('the body must be JSON');
  }
};

const routeName = (route: RouteContract): string => `${route.method} ${route.path}`;

/** Which route of `routes` the request is for, with its raw path parameters: 404 or 405 when none. */
const matchRoute = <R extends RouteContract>(
  compiled: readonly { route: R; pattern: RegExp }[],
  event: APIGatewayProxyEventV2,
): { route: R; raw: Record<string, string> } => {
  const method = event.requestContext.http.method;
  const routesOn = (path: string) =>
    compiled.flatMap(({ route, pattern }) => {
      const match = pattern.exec(path);
      return match ? [{ route, raw: { ...match.groups } }] : [];
    });
  // `/reports/` is `/reports`, unless a route takes the path as it is.
  const exact = routesOn(event.rawPath);
  const onPath = exact.length > 0 ? exact : routesOn(event.rawPath.replace(/(.)\/+$/, '$1'));
  if (onPath.length === 0) throw new NoRouteError(`no route ${event.rawPath}`);
  const found = onPath.find(({ route }) => route.method === method);
  if (!found)
    throw new MethodNotAllowedError(`${method} is not allowed on ${event.rawPath}`, [
      ...new Set(onPath.flatMap(({ route }) => methodsAnswering(route.method))),
    ]);
  return found;
};

/** The verified caller, when the route names groups: 401 without a token, 403 outside them. */
const callerFor = (route: RouteContract, event: APIGatewayProxyEventV2): Caller | undefined => {
  const caller = callerOf(event);
  if (!route.groups) return caller;
  if (!caller) throw new NotSignedInError('sign in first: no verified token');
  if (!route.groups.some((group) => caller.groups.includes(group))) throw new NotInGroupError(`${routeName(route)} is for ${route.groups.join(' or ')}`);
  return caller;
};

/**
 * The one router of every HTTP function: finds the route (404; 405 with Allow), checks the
 * caller's group (401, 403), decodes the path parameters and parses the query and the JSON
 * body by the route's schemas (400, naming each problem), runs the route's handler, and answers
 * any AppError by its kind. HEAD is answered wherever GET is. Anything else is a bug and is thrown.
 */
export const httpRouter = <T extends Readonly<Record<string, RouteContract>>, D>(routes: T, handlers: RouteHandlers<T, D>, options: RouterOptions = {}) => {
  const compiled = Object.entries(routes).map(([id, route]) => ({
    route: { ...route, id },
    // Raw parameters may be empty (an empty token is a malformed one, for the handler to refuse).
    pattern: new RegExp(`^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => `(?<${name}>[^/]${options.rawPathParameters ? '*' : '+'})`)}$`),
  }));
  const answer = options.problem ?? problemResponse;
  return answeringHead(async (event: APIGatewayProxyEventV2, deps: D): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const { route, raw } = matchRoute(compiled, event);
      const caller = callerFor(route, event);
      const params = options.rawPathParameters ? raw : Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, pathParameter(name, value)]));
      const rawQuery = event.queryStringParameters ?? {};
      const request = {
        event,
        params,
        query: route.query ? parsed(route.query, rawQuery, 'path') : rawQuery,
        body: route.body ? parsed(route.body, jsonBody(event), 'path') : undefined,
        caller,
        deps,
      };
      const handle = handlers[route.id as keyof T] as (request: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
      const result = await handle(request);
      options.served?.(routeName(route), result.statusCode ?? 200, caller);
      return result;
    } catch (error) {
      if (error instanceof AppError) return answer(error, event);
      throw error;
    }
  });
};
