import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { consoleContentSecurityPolicy } from '../../console/security-headers.ts';
import type { ConsoleConfig } from '../../console/src/config.ts';
import { issueLocalToken } from './sign-in.ts';
import { bodyText } from '../../functions/http.ts';

/**
 * What CloudFront and Cognito's managed login do for the console in the cloud, on one machine:
 * the built files with the same security headers, `/config.json` saying how to sign in, and a
 * local sign-in that makes the tokens `comeback token` makes.
 */
const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The origins the console talks to besides its own: the sign-in service and the API, when elsewhere. */
const originsUsedBy = (config: ConsoleConfig): string[] =>
  [config.auth.kind === 'cognito' ? config.auth.domain : '', config.apiUrl].filter((url) => url !== '').map((url) => new URL(url).origin);

const securityHeadersFor = (config: ConsoleConfig) => ({
  'content-security-policy': consoleContentSecurityPolicy(originsUsedBy(config)),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

const notFound: APIGatewayProxyStructuredResultV2 = { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found' };

/** The console's files from `dir`: hashed assets cached for a year, everything else revalidated. */
export const consoleSite = (dir: string, config: ConsoleConfig) => {
  const securityHeaders = securityHeadersFor(config);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext.http.method;
    if (method !== 'GET' && method !== 'HEAD') return { statusCode: 405, headers: { allow: 'GET, HEAD' }, body: '' };
    const path = event.rawPath === '/' ? '/index.html' : event.rawPath;
    if (path === '/config.json')
      return {
        statusCode: 200,
        headers: { ...securityHeaders, 'content-type': 'application/json', 'cache-control': 'no-store' },
        body: JSON.stringify(config),
      };
    let relative: string;
    try {
      relative = normalize(decodeURIComponent(path)).replace(/^[/\\]+/, '');
    } catch {
      return notFound;
    }
    if (relative.startsWith('..') || relative.includes(`${sep}..`)) return notFound;
    const body = await readFile(join(dir, relative)).catch(() => undefined);
    if (!body) return notFound;
    return {
      statusCode: 200,
      headers: {
        ...securityHeaders,
        'content-type': contentTypes[extname(relative)] ?? 'application/octet-stream',
        'cache-control': relative.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
      body: body.toString('base64'),
      isBase64Encoded: true,
    };
  };
};

const problem = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ message }),
});

/** `POST /local/sign-in {"user", "group"}`: an ID token for that person in that group, as the managed login gives. */
export const localSignIn = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  if (event.requestContext.http.method !== 'POST') return { ...problem(405, 'POST a person and a group'), headers: { allow: 'POST' } };
  let request: { user?: unknown; group?: unknown };
  try {
    request = JSON.parse(bodyText(event)) as typeof request;
  } catch {
    return problem(400, 'the body must be JSON: {"user": "...", "group": "managers" or "staff"}');
  }
  const user = typeof request.user === 'string' ? request.user.trim() : '';
  if (!user || user.length > 128) return problem(400, 'user: a name or email of 1 to 128 characters');
  if (request.group !== 'managers' && request.group !== 'staff') return problem(400, 'group: managers or staff');
  const token = await issueLocalToken({ user, groups: [request.group], hours: 8 });
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify({ token }) };
};
