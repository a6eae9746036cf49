import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpFunction = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A path prefix and the function API Gateway would invoke for it. */
export interface LocalRoute {
  readonly prefix: string;
  readonly handler: HttpFunction;
  /** The JWT authorizer: the bearer token's verified claims, or a throw (401). None: a public route. */
  readonly verify?: (token: string) => Promise<Record<string, unknown>>;
}

/** Claims as an HTTP API JWT authorizer hands them on: strings, lists as "[a b]". */
const claimsAsApiGatewayPasses = (claims: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(claims).map(([name, value]) => [name, Array.isArray(value) ? `[${value.join(' ')}]` : String(value)]));

const unauthorized: APIGatewayProxyStructuredResultV2 = {
  statusCode: 401,
  headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
  body: JSON.stringify({ message: 'Unauthorized' }),
};

/** Runs the route's authorizer, as API Gateway does before the function is invoked. */
const authorized = async (route: LocalRoute, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyEventV2 | undefined> => {
  if (!route.verify) return event;
  const token = /^Bearer\s+(\S+)$/i.exec(event.headers.authorization ?? '')?.[1];
  if (!token) return undefined;
  try {
    const claims = await route.verify(token);
    return {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { jwt: { claims: claimsAsApiGatewayPasses(claims), scopes: null } } },
    } as APIGatewayProxyEventV2;
  } catch {
    return undefined;
  }
};

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const textual = (contentType: string | undefined): boolean => !contentType || /^(text\/|application\/(json|x-www-form-urlencoded|xml))/.test(contentType);

/**
 * The path and query string of a request's target, as they were sent: the path is never
 * decoded or normalised here (`/clients/%E0` stays so, `//x` is a path, not a host); undefined
 * for a target that is not a path (API Gateway answers those 400 without invoking anything).
 */
export const targetOf = (target: string | undefined): { path: string; query: string } | undefined => {
  const raw = target ?? '/';
  let pathAndQuery = raw;
  if (!raw.startsWith('/')) {
    // The absolute form (`GET http://host/path`), which a proxy may send.
    try {
      const url = new URL(raw);
      pathAndQuery = raw.slice(url.origin.length) || '/';
    } catch {
      return undefined;
    }
    if (!pathAndQuery.startsWith('/')) return undefined;
  }
  const at = pathAndQuery.indexOf('?');
  return at === -1 ? { path: pathAndQuery, query: '' } : { path: pathAndQuery.slice(0, at), query: pathAndQuery.slice(at + 1) };
};

/** As payload 2.0 has them: decoded, a repeated name's values joined by commas (`?a=1&a=2` is `a: "1,2"`). */
const queryParameters = (search: URLSearchParams): Record<string, string> => {
  const parameters: Record<string, string> = {};
  for (const [name, value] of search) parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  return parameters;
};

/** The event an HTTP API (payload 2.0) hands a Lambda function for this request. */
export const eventOf = (request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 => {
  const { path, query } = targetOf(request.url) ?? { path: '/', query: '' };
  // URLSearchParams decodes leniently: a malformed escape in a value stays as written.
  const url = { pathname: path, search: query ? `?${query}` : '', searchParams: new URLSearchParams(query) };
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : (value ?? '')]),
  );
  const isText = textual(headers['content-type']);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search && { queryStringParameters: queryParameters(url.searchParams) }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `${now.getTime()}-${Math.random().toString(36).slice(2)}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: isText ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !isText,
  };
};

/**
 * API Gateway on one machine: each request becomes the event an HTTP API would send, goes to
 * the function whose prefix matches, and the function's result becomes the response.
 */
export const startHttpApi = async (routes: readonly LocalRoute[], port: number): Promise<{ server: Server; port: number; stop: () => Promise<void> }> => {
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const body = await readBody(request);
        const target = targetOf(request.url);
        if (!target) {
          response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Bad Request' }));
          return;
        }
        const route = routes.find((candidate) => target.path.startsWith(candidate.prefix));
        if (!route) {
          response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
          return;
        }
        const event = await authorized(route, eventOf(request, body));
        const result = event ? await route.handler(event) : unauthorized;
        // A HEAD gets the headers and no body, whatever the function returned.
        const payload = result.body === undefined || request.method === 'HEAD' ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
        response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(payload);
      } catch (error) {
        // What API Gateway answers when a function fails: nothing about why.
        console.error(error);
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    })();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen());
  });
  return { server, port: (server.address() as { port: number }).port, stop: () => new Promise((resolveClose) => server.close(() => resolveClose())) };
};
