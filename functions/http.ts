/** What every HTTP function shares: JSON answers, and who the JWT authorizer says is calling. */
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

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

/** A path parameter that is not a valid percent-encoding, or too long: 400, naming it. */
export class PathParameterError extends Error {
  override readonly name = 'PathParameterError';
  constructor(
    readonly parameter: string,
    readonly reason: string,
  ) {
    super(`${parameter}: ${reason}`);
  }
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
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new PathParameterError(parameter, 'no control characters');
  return value;
};

/** The 400 of a PathParameterError, in the shape of every other bad parameter. */
export const badPathParameter = (error: PathParameterError): APIGatewayProxyStructuredResultV2 =>
  json(400, { message: 'invalid request', issues: [{ parameter: error.parameter, reason: error.reason }] });

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
