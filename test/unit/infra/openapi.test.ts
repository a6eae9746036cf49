import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { staffRoutes } from '../../../functions/staff-api/routes.ts';
import { openApiDocument } from '../../../infra/openapi.ts';
import { reports } from '../../../shared/analytics/reports.ts';

describe('the OpenAPI document', () => {
  const document = openApiDocument() as { paths: Record<string, Record<string, any>> };

  it('is valid OpenAPI 3.1 by a standard validator', async () => {
    // Act
    const result = await validate(structuredClone(document) as never);

    // Assess
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('describes every route the functions serve, with who may call it', () => {
    for (const route of Object.values(staffRoutes)) {
      expect(document.paths[route.path]?.[route.method.toLowerCase()]?.['x-comeback-groups']).toEqual([...route.groups]);
    }
    for (const report of reports) expect(document.paths[`/reports/${report.name}`]?.get?.security).toEqual([{ cognito: [] }]);
    expect(document.paths['/visits']?.post?.security).toEqual([{ sigv4: [] }]);
    expect(document.paths['/r/{token}']?.post?.security).toEqual([]);
  });

  it('has HEAD wherever GET, with the same security and statuses, and bounds every path parameter', () => {
    const gets = Object.entries(document.paths).filter(([, operations]) => operations.get);
    expect(gets.length).toBeGreaterThan(10);
    for (const [path, { get, head }] of gets) {
      expect([path, head?.security, Object.keys(head?.responses ?? {})]).toEqual([path, get.security, Object.keys(get.responses)]);
    }
    expect(document.paths['/visits']!.head).toBeUndefined();
    expect(document.paths['/clients/{clientId}']!.get.parameters[0].schema).toMatchObject({ type: 'string', maxLength: 200 });
  });

  it("shows each report's parameters with their allowed values", () => {
    const lost = document.paths['/reports/lost']!.get.parameters as { name: string; schema: any }[];
    const by = lost.find((parameter) => parameter.name === 'by')!;

    expect(by.schema.enum).toEqual(['reason', 'week', 'month']);
    expect(lost.map((parameter) => parameter.name)).toEqual(expect.arrayContaining(['from', 'to', 'branch', 'doctor', 'channel', 'churnType', 'format']));
  });

  it('shows the body a staff route takes', () => {
    const body = document.paths['/clients/{clientId}/answers']!.post.requestBody.content['application/json'].schema;

    expect(body.required).toEqual(['reason']);
    expect(body.additionalProperties).toBe(false);
  });
});
