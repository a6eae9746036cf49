/**
 * The API as the console calls it. Every route's method and path is checked against the
 * functions' own route contracts (`functions/<name>/routes.ts`) when the console is built, and every
 * request body against the route's schema, so a changed route breaks the build, not a page.
 */
import type { z } from 'zod';
import type { reportRoutes } from '../../functions/reports/routes.ts';
import type { staffRoutes } from '../../functions/staff-api/routes.ts';
import type { Reason } from '../../shared/answers/reasons.ts';
import type { Candidate } from '../../shared/answers/ports/catalogue-store.ts';
import type { PendingGroups } from '../../shared/answers/pending-groups.ts';
import type { GroupPlaced, Placed } from '../../shared/answers/use-cases/catalogue.ts';
import type { FollowUpToDo } from '../../shared/answers/use-cases/follow-ups.ts';
import type { FollowUp } from '../../shared/answers/follow-up.ts';
import type { Answer } from '../../shared/answers/answer.ts';
import type { ClientCard } from '../../shared/visits/use-cases/client-card.ts';
import type { ConsoleConfig } from './config.ts';
import { currentSession } from './auth.ts';

type Routes = typeof staffRoutes & typeof reportRoutes;
export type RouteName = keyof Routes;

const routes = {
  clientCard: ['GET', '/clients/{clientId}'],
  recordAnswer: ['POST', '/clients/{clientId}/answers'],
  reasons: ['GET', '/reasons'],
  candidates: ['GET', '/reasons/candidates'],
  mapCandidate: ['POST', '/reasons/candidates/map'],
  approveCandidate: ['POST', '/reasons/candidates/approve'],
  groups: ['GET', '/reasons/groups'],
  mapGroup: ['POST', '/reasons/groups/{groupId}/map'],
  approveGroup: ['POST', '/reasons/groups/{groupId}/approve'],
  mergeReason: ['POST', '/reasons/{reasonId}/merge'],
  renameReason: ['POST', '/reasons/{reasonId}/rename'],
  retireReason: ['POST', '/reasons/{reasonId}/retire'],
  followUps: ['GET', '/followups'],
  moveFollowUp: ['POST', '/followups/{followUpId}/move'],
  list: ['GET', '/reports'],
  run: ['GET', '/reports/{name}'],
  query: ['GET', '/reports/queries/{queryId}'],
} as const satisfies { readonly [K in RouteName]: readonly [Routes[K]['method'], Routes[K]['path']] };

type ParamsOf<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamsOf<Rest> : never;
type BodyOf<K extends RouteName> = Routes[K] extends { readonly body: infer B extends z.ZodType } ? z.input<B> : never;

/** A report's answer: its columns and one object per row. */
export interface ReportRows {
  readonly report: string;
  readonly queryId: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Readonly<Record<string, string | number | boolean | null>>[];
}

/** What each route answers, as the functions build it. */
export interface Answers {
  clientCard: ClientCard;
  recordAnswer: { answer: Answer; followUps: FollowUp[]; outreachEnded: boolean };
  reasons: { version: number; reasons: (Reason & { answers: number })[]; pending: number };
  candidates: { candidates: Candidate[] };
  mapCandidate: Placed;
  approveCandidate: Placed;
  groups: PendingGroups;
  mapGroup: GroupPlaced;
  approveGroup: GroupPlaced;
  mergeReason: { version: number };
  renameReason: { version: number };
  retireReason: { version: number };
  followUps: { followUps: FollowUpToDo[] };
  moveFollowUp: FollowUp;
  list: { reports: { name: string; description: string }[] };
  run: ReportRows;
  query: ReportRows;
}

export type Call<K extends RouteName> = ([ParamsOf<Routes[K]['path']>] extends [never]
  ? { params?: undefined }
  : { params: Record<ParamsOf<Routes[K]['path']>, string> }) &
  ([BodyOf<K>] extends [never] ? { body?: undefined } : { body: BodyOf<K> }) & {
    query?: Readonly<Record<string, string | undefined>>;
  };

/** An answer other than success, with what the API said and, for a bad request, which field and why. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: readonly Readonly<Record<string, string>>[] = [],
  ) {
    super(message);
  }
}

let config: ConsoleConfig | undefined;
export const configureApi = (loaded: ConsoleConfig): void => {
  config = loaded;
};

/** The route's address with its parameters filled in and its query string. */
export const urlOf = <K extends RouteName>(name: K, call: Call<K>): string => {
  const [, template] = routes[name];
  const path = template.replace(/\{(\w+)\}/g, (_, param: string) => encodeURIComponent((call.params as Record<string, string>)[param] ?? ''));
  const query = new URLSearchParams(Object.entries(call.query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  return `${config?.apiUrl ?? ''}${path}${query.size > 0 ? `?${query}` : ''}`;
};

const problemOf = async (response: Response): Promise<ApiError> => {
  const body = (await response.json().catch(() => ({}))) as { message?: string; issues?: Record<string, string>[] };
  const said = body.message && body.message !== 'Internal Server Error' ? body.message : undefined;
  if (response.status === 401) return new ApiError(401, 'Your sign-in has ended. Sign in again.');
  if (response.status === 403) return new ApiError(403, said ?? 'Your group may not do this. Ask a manager.');
  if (response.status >= 500)
    return new ApiError(response.status, 'The service failed to answer. Try again in a minute; if it goes on, tell your administrator.');
  return new ApiError(response.status, said ?? `The request was refused (${response.status}).`, body.issues ?? []);
};

const send = async (method: string, url: string, body?: unknown, accept = 'application/json'): Promise<Response> => {
  const token = currentSession()?.token;
  try {
    return await fetch(url, {
      method,
      headers: {
        accept,
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'The service cannot be reached. Check the connection and try again.');
  }
};

/** One call; a long report (202) is polled at the interval the API asks until it is done, telling `waiting` how long it has waited. */
export const call = async <K extends RouteName>(name: K, request: Call<K>, waiting?: (seconds: number) => void): Promise<Answers[K]> => {
  const [method] = routes[name];
  let response = await send(method, urlOf(name, request), request.body);
  const started = Date.now();
  while (response.status === 202) {
    const location = response.headers.get('location');
    const retryAfter = Number(response.headers.get('retry-after') ?? 2);
    if (!location) break;
    waiting?.(Math.round((Date.now() - started) / 1000));
    await new Promise((resolveWait) => setTimeout(resolveWait, Math.max(1, retryAfter) * 1000));
    response = await send('GET', `${config?.apiUrl ?? ''}${location}`);
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as Answers[K];
};

/** A report as CSV, saved under its name: the same rows the table shows. */
export const downloadCsv = async (name: string, query: Readonly<Record<string, string | undefined>>): Promise<void> => {
  const url = urlOf('run', { params: { name }, query: { ...query, format: 'csv' } });
  let response = await send('GET', url, undefined, 'text/csv');
  while (response.status === 202) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 2000));
    response = await send('GET', `${config?.apiUrl ?? ''}${response.headers.get('location') ?? ''}`, undefined, 'text/csv');
  }
  if (!response.ok) throw await problemOf(response);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = `${name}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
};
