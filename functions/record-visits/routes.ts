/** The clinic systems' API as a contract: the handler, the CDK construct and the OpenAPI document read it. */
import * as z from 'zod';
import type { RouteContract } from '../http.ts';
import { visitColumns } from '../../shared/visits/columns.ts';

export const maxVisitsPerRequest = 1000;

const cell = z.union([z.string(), z.number(), z.null()]).transform((value) => (value === null ? '' : String(value)));

export const visitsRequest = z.object({
  visits: z
    .array(z.object(Object.fromEntries(visitColumns.map((column) => [column, cell.optional()]))).strict())
    .min(1)
    .max(maxVisitsPerRequest),
  /** Create bare clients for visits of clients the clinic has not sent yet. */
  createClients: z.boolean().optional(),
});

/** No groups: the route is signed with IAM (SigV4) by the clinic's system; API Gateway checks it. */
export const recordVisitsRoutes = {
  recordVisits: {
    method: 'POST',
    path: '/visits',
    summary: "A clinic system's visits: the same validation and idempotency as a file import",
    body: visitsRequest,
  },
} as const satisfies Readonly<Record<string, RouteContract>>;
