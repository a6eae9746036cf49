/**
 * The OpenAPI 3.1 document of every Comeback API, built from the routes and schemas the
 * functions themselves use, so it cannot drift from them. `comeback openapi` prints it, and
 * the local API serves it at `/openapi.json`.
 */
import * as z from 'zod';
import { maxPathParameterLength, type RouteContract } from '../functions/http.ts';
import { recordVisitsRoutes } from '../functions/record-visits/routes.ts';
import { replyRoutes } from '../functions/reply-web/routes.ts';
import { reportRoutes } from '../functions/reports/routes.ts';
import { staffRoutes } from '../functions/staff-api/routes.ts';
import { reports } from '../shared/analytics/reports.ts';

type Json = Record<string, unknown>;

const schemaOf = (schema: z.ZodType): Json => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};

/** Query-string parameters from an object schema: one per property, all strings on the wire. */
const queryParameters = (schema: z.ZodType): Json[] => {
  const json = schemaOf(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    ...(typeof property.description === 'string' && { description: property.description }),
    schema: property,
  }));
};

const pathParameters = (path: string): Json[] =>
  [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: maxPathParameterLength },
  }));

const problem = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const jsonResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const html = (description: string): Json => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

const signedIn = (groups: readonly string[]): Json => ({
  security: [{ cognito: [] }],
  'x-comeback-groups': [...groups],
});

export const openApiDocument = (): Json => {
  const paths: Record<string, Record<string, Json>> = {};
  const add = (path: string, method: string, operation: Json): void => {
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
  };

  const visits: RouteContract = recordVisitsRoutes.recordVisits;
  add(visits.path, visits.method, {
    operationId: 'recordVisits',
    summary: visits.summary,
    tags: ['clinic systems'],
    security: [{ sigv4: [] }],
    requestBody: { required: true, content: { 'application/json': { schema: schemaOf(visits.body!) } } },
    responses: {
      200: jsonResponse('every visit recorded or already there'),
      207: jsonResponse('some visits skipped, each with its problem'),
      400: problem('the body is not a valid request'),
      422: jsonResponse('no visit could be used'),
    },
  });

  const formFields: Record<keyof typeof replyRoutes, Json | undefined> = {
    replyPage: undefined,
    unsubscribePage: undefined,
    submitReply: {
      reason: { type: 'string' },
      text: { type: 'string', maxLength: 1000 },
      callMe: { type: 'string', enum: ['yes'] },
      book: { type: 'string', enum: ['yes'] },
    },
    unsubscribe: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } },
  };
  for (const [operationId, route] of Object.entries(replyRoutes) as [keyof typeof replyRoutes, RouteContract][]) {
    const purpose = route.path.startsWith('/r/') ? 'reply' : 'unsubscribe';
    const token = { name: 'token', in: 'path', required: true, description: `the signed ${purpose} token from the email or text`, schema: { type: 'string' } };
    const refused = { 400: html('a forged or malformed link'), 404: html('a link to a request we have no record of'), 410: html('an expired link') };
    const fields = formFields[operationId];
    add(route.path, route.method, {
      operationId,
      summary: route.summary,
      tags: ['clients'],
      security: [],
      parameters: [token],
      ...(fields && {
        requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: fields } } } },
      }),
      responses:
        route.method === 'GET'
          ? { 200: html('the page'), ...refused }
          : {
              200: html('thanks'),
              ...(purpose === 'reply' && { 303: { description: 'nothing chosen or written: the page again' } }),
              413: html('too large'),
              415: html('not a form'),
              ...refused,
            },
    });
  }

  for (const route of Object.values<RouteContract>(staffRoutes)) {
    const base = signedIn(route.groups ?? []);
    add(route.path, route.method, {
      ...base,
      operationId: `${route.method.toLowerCase()}${route.path
        .replace(/\{(\w+)\}/g, 'By-$1')
        .split(/[/-]/)
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
        .join('')}`,
      summary: route.summary,
      tags: [route.groups?.includes('staff') ? 'staff' : 'managers'],
      parameters: [...pathParameters(route.path), ...(route.query ? queryParameters(route.query) : [])],
      ...(route.body && { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } } }),
      responses: {
        [route.method === 'POST' && /\/(answers|approve)$/.test(route.path) ? 201 : 200]: jsonResponse('done'),
        400: problem('a bad field or path parameter (a malformed escape, too long), named'),
        401: problem('no verified token'),
        403: problem('not in a group this route is for'),
        404: problem('no such client, reason, candidate, group of pending answers (list the groups again) or follow-up'),
        409: problem('changed by someone else, or not a step this can take'),
      },
    });
  }

  const reportResponses = {
    200: {
      description: 'the rows',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ReportResult' } }, 'text/csv': { schema: { type: 'string' } } },
    },
    202: { description: 'still running: ask the location again', content: { 'application/json': { schema: { $ref: '#/components/schemas/RunningQuery' } } } },
    401: problem('no verified token'),
    403: problem('managers only'),
    422: problem('the engine refused the query (e.g. too many bytes scanned)'),
  };
  const format = {
    name: 'format',
    in: 'query',
    required: false,
    description: 'csv for a spreadsheet (or send Accept: text/csv)',
    schema: { type: 'string', enum: ['json', 'csv'] },
  };
  const { list: listRoute, query: queryRoute } = reportRoutes;
  add(listRoute.path, 'GET', {
    ...signedIn(listRoute.groups),
    operationId: 'listReports',
    summary: 'The reports',
    tags: ['reports'],
    responses: { 200: jsonResponse('names and descriptions'), 401: problem('no verified token'), 403: problem('managers only') },
  });
  for (const report of reports) {
    add(`/reports/${report.name}`, 'GET', {
      ...signedIn(['managers']),
      operationId: `report${report.name
        .split('-')
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
        .join('')}`,
      summary: report.description,
      tags: ['reports'],
      parameters: [...queryParameters(report.parameters), format],
      responses: { ...reportResponses, 400: problem('a bad parameter, named') },
    });
  }
  add(queryRoute.path, 'GET', {
    ...signedIn(queryRoute.groups),
    operationId: 'reportQuery',
    summary: 'A long report, once ready',
    tags: ['reports'],
    parameters: [...pathParameters(queryRoute.path), format],
    responses: {
      ...reportResponses,
      400: problem('a malformed or over-long query id'),
      404: problem('no such query'),
      409: problem('the query was cancelled'),
    },
  });

  // HEAD wherever GET: the same status and headers, no body.
  for (const operations of Object.values(paths)) {
    const get = operations.get as (Json & { operationId: string; responses: Record<string, Json> }) | undefined;
    if (!get) continue;
    operations.head = {
      ...get,
      operationId: `${get.operationId}Head`,
      summary: `The headers of: ${String(get.summary)}`,
      responses: Object.fromEntries(Object.entries(get.responses).map(([status, { description }]) => [status, { description }])),
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Comeback',
      version: '1.0.0',
      description:
        'Finds the clients who stopped coming, asks them why, and answers the managers. Three HTTP APIs: the clinic API (SigV4), the public reply page, and the staff and managers API (Cognito JWT).',
    },
    tags: [
      { name: 'clinic systems', description: 'The clinic API, called by the clinic system with SigV4' },
      { name: 'clients', description: 'The public reply page behind the links in emails and texts' },
      { name: 'staff', description: 'Staff and managers, signed in with Cognito' },
      { name: 'managers', description: 'Managers only' },
      { name: 'reports', description: 'Managers only; Athena in the cloud, DuckDB locally' },
    ],
    paths,
    components: {
      securitySchemes: {
        cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito ID token (locally: `comeback token --group managers`)' },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'AWS Signature Version 4 by an IAM principal allowed to invoke the clinic API',
        },
      },
      schemas: {
        Problem: { type: 'object', required: ['message'], properties: { message: { type: 'string' }, issues: { type: 'array', items: { type: 'object' } } } },
        ReportResult: {
          type: 'object',
          properties: {
            report: { type: 'string' },
            queryId: { type: 'string' },
            columns: {
              type: 'array',
              items: {
                type: 'object',
                properties: { name: { type: 'string' }, type: { type: 'string', enum: ['string', 'number', 'boolean', 'date', 'timestamp'] } },
              },
            },
            rows: { type: 'array', items: { type: 'object' } },
          },
        },
        RunningQuery: { type: 'object', properties: { queryId: { type: 'string' }, state: { const: 'running' }, location: { type: 'string' } } },
      },
    },
  };
};
