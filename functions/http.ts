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

/** `cognito:groups` reaches the function as a list, or (HTTP API JWT authorizer) as "[a b]". */
const groupsOf = (claim: unknown): string[] => {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  return claim.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
};

export const callerOf = (event: APIGatewayProxyEventV2): Caller | undefined => {
  const claims = (event as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext.authorizer?.jwt?.claims;
  if (!claims) return undefined;
  const name = claims.email ?? claims['cognito:username'] ?? claims.username ?? claims.sub;
  return name === undefined ? undefined : { name: String(name), groups: groupsOf(claims['cognito:groups']) };
};
