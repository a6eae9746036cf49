/**
 * The reply-web function as the local stack runs it: behind the local API Gateway
 * (`startHttpApi`), on fresh DynamoDB Local tables, with one client whose feedback request was
 * claimed and sent, and signed links to it.
 */
import { replyWeb, type ReplyWeb } from '../../functions/reply-web/handler.ts';
import { startHttpApi } from '../../infra/local/http-api.ts';
import { DynamoAnswerStore } from '../../shared/aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../shared/aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../shared/aws/dynamo-follow-up-store.ts';
import { DynamoOutreachLog } from '../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../shared/aws/dynamo-suppression-list.ts';
import type { ClientProfile } from '../../shared/visits/client.ts';
import { outreachJobId, type OutreachJob } from '../../shared/lapse/episode.ts';
import { signReplyToken, type TokenPurpose } from '../../shared/answers/reply-token.ts';
import type { AnswerDependencies } from '../../shared/answers/use-cases/answers.ts';
import { freshTables, type TestTables } from './tables.ts';

export const replyWebSecret = 'reply-web-test-secret-0123456789abcdef';
/** The clock of the function under test: links expire relative to it. */
export const replyWebNow = new Date('2026-05-12T10:00:00Z');
const inThreeWeeks = Date.parse('2026-06-02T00:00:00Z') / 1000;

export interface ServedReplyWeb {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly tables: TestTables;
  readonly use: ReplyWeb;
  readonly deps: AnswerDependencies;
  readonly client: ClientProfile;
  readonly job: OutreachJob;
  /** A signed token for the client's request (or another outreach id, expiry, secret). */
  readonly token: (purpose: TokenPurpose, options?: { outreachId?: string; expiresAt?: number; secret?: string }) => string;
  /** The link a message carries: `<origin>/r/<token>` or `<origin>/u/<token>`. */
  readonly link: (purpose: TokenPurpose) => string;
  readonly stop: () => Promise<void>;
}

/** Serves /r/ and /u/ on any free port; `profile` overrides the Greek-speaking client c-1. */
export const serveReplyWeb = async (profile: Partial<ClientProfile> = {}, clinicName = 'Harbour Clinic'): Promise<ServedReplyWeb> => {
  const { tables, db } = await freshTables();
  const deps: AnswerDependencies = {
    answers: new DynamoAnswerStore(tables.answers, db),
    catalogue: new DynamoCatalogueStore(tables.catalogue, db),
    followUps: new DynamoFollowUpStore(tables.followUps, db),
    clients: new DynamoClientStore(tables, db),
    suppression: new DynamoSuppressionList(tables.suppression, db),
    log: new DynamoOutreachLog(tables.outreach, db),
    now: () => replyWebNow,
  };
  const client: ClientProfile = {
    clientId: 'c-1',
    name: 'Μαρία Παππά',
    email: 'maria@example.com',
    locale: 'el',
    timeZone: 'Europe/Athens',
    consent: { email: true, sms: false, voice: false },
    ...profile,
  };
  await deps.clients.saveProfile(client);
  const job: OutreachJob = {
    jobId: outreachJobId(client.clientId, '2026-05-11', 1),
    clientId: client.clientId,
    episodeId: '2026-05-11',
    request: 1,
    requestedOn: '2026-05-11',
    channels: ['email'],
  };
  await deps.log.claim(job, 'email', client.locale, new Date('2026-05-11T09:00:00Z'));
  await deps.log.sent(job.jobId, 'ses-1', new Date('2026-05-11T09:00:01Z'));

  const use: ReplyWeb = { settings: { clinicName, tokenSecrets: [replyWebSecret] }, deps };
  const api = await startHttpApi(
    [
      { prefix: '/r/', handler: (event) => replyWeb(event, use) },
      { prefix: '/u/', handler: (event) => replyWeb(event, use) },
    ],
    0,
  );
  const origin = `http://127.0.0.1:${api.port}`;
  const token: ServedReplyWeb['token'] = (purpose, options = {}) =>
    signReplyToken({ outreachId: options.outreachId ?? job.jobId, purpose, expiresAt: options.expiresAt ?? inThreeWeeks }, options.secret ?? replyWebSecret);
  return {
    origin,
    tables,
    use,
    deps,
    client,
    job,
    token,
    link: (purpose) => `${origin}/${purpose === 'reply' ? 'r' : 'u'}/${token(purpose)}`,
    stop: api.stop,
  };
};
