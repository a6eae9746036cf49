/**
 * The reply page (functions/reply-web) behind the local API Gateway: what a browser, a mail
 * client or someone poking at links may send to `/r/<token>` and `/u/<token>`. Each case has
 * its own client and request, so a case's answer or opt-out never meets another's.
 *
 * A case: `method` (GET unless said), `path` with a token placeholder ({reply}, {unsubscribe},
 * {expired}, {expiredUnsubscribe}, {forged} signed with another secret, {tampered} one character changed, {unknown}
 * a genuine link to a request we have no record of), then the body as `form` (fields, a field
 * may be `{ "repeat": text, "length": characters }`), or `body` as written; `contentType`
 * (a form unless said; null for none); `status` (one, or the ones allowed), and `answer`, what
 * the client's stored answer must hold.
 */
import type { ClientProfile } from '../../../shared/visits/client.ts';
import { expect } from 'vitest';
import { replyWeb, type ReplyWeb } from '../../../functions/reply-web/handler.ts';
import { startHttpApi } from '../../../infra/local/http-api.ts';
import { DynamoAnswerStore } from '../../../shared/aws/dynamo-answer-store.ts';
import { DynamoCatalogueStore } from '../../../shared/aws/dynamo-catalogue-store.ts';
import { DynamoClientStore } from '../../../shared/aws/dynamo-client-store.ts';
import { DynamoFollowUpStore } from '../../../shared/aws/dynamo-follow-up-store.ts';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { DynamoSuppressionList } from '../../../shared/aws/dynamo-suppression-list.ts';
import { longestAnswerText } from '../../../shared/answers/answer.ts';
import { outreachJobId } from '../../../shared/lapse/episode.ts';
import { signReplyToken, type TokenPurpose } from '../../../shared/answers/reply-token.ts';
import type { AnswerDependencies } from '../../../shared/answers/use-cases/answers.ts';
import { readCases, type BadInputCase, type BadInputDriver, type BadInputWorld } from './world.ts';

type Field = string | { readonly repeat: string; readonly length: number };

interface ReplyPageCase extends BadInputCase {
  readonly method?: string;
  readonly path: string;
  readonly form?: Readonly<Record<string, Field>>;
  readonly body?: string;
  readonly contentType?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number | readonly number[];
  readonly answer?: Readonly<Record<string, unknown>>;
}

const surface = 'reply-page';
const secret = 'bad-input-reply-secret-0123456789abcdef';
const otherSecret = 'someone-elses-secret-0123456789abcdefgh';
const now = new Date('2026-05-12T10:00:00Z');
const inThreeWeeks = Date.parse('2026-06-02T00:00:00Z') / 1000;
const lastWeek = Date.parse('2026-05-05T00:00:00Z') / 1000;
const form = 'application/x-www-form-urlencoded';

/** What a 4xx or 5xx page must never show. */
const internals = [/\bat .+:\d+:\d+/, /Error\b/, /bad-signature|wrong-purpose|malformed/, /\.ts\b/, /node_modules/];

let origin = '';
let stop: (() => Promise<void>) | undefined;
let deps: AnswerDependencies;
/** Case name to its client and request. */
const clients = new Map<string, { clientId: string; jobId: string }>();

const fieldValue = (field: Field): string =>
  typeof field === 'string' ? field : [...field.repeat.repeat(Math.ceil(field.length / [...field.repeat].length))].slice(0, field.length).join('');

const token = (purpose: TokenPurpose, jobId: string, options: { expiresAt?: number; secret?: string } = {}): string =>
  signReplyToken({ outreachId: jobId, purpose, expiresAt: options.expiresAt ?? inThreeWeeks }, options.secret ?? secret);

const pathOf = (testCase: ReplyPageCase, jobId: string): string => {
  const reply = token('reply', jobId);
  const tampered = `${reply.slice(0, -3)}${reply.slice(-3, -2) === 'A' ? 'B' : 'A'}${reply.slice(-2)}`;
  const placeholders: Record<string, string> = {
    reply,
    unsubscribe: token('unsubscribe', jobId),
    expired: token('reply', jobId, { expiresAt: lastWeek }),
    expiredUnsubscribe: token('unsubscribe', jobId, { expiresAt: lastWeek }),
    forged: token('reply', jobId, { secret: otherSecret }),
    tampered,
    unknown: token('reply', `${jobId}-gone`),
  };
  return testCase.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = placeholders[name];
    if (value === undefined) throw new Error(`${surface}: case "${testCase.case}" names no token {${name}}`);
    return value;
  });
};

export const driver: BadInputDriver<ReplyPageCase> = {
  surface,

  async prepare(world: BadInputWorld) {
    deps = {
      answers: new DynamoAnswerStore(world.tables.answers, world.db),
      catalogue: new DynamoCatalogueStore(world.tables.catalogue, world.db),
      followUps: new DynamoFollowUpStore(world.tables.followUps, world.db),
      clients: new DynamoClientStore(world.tables, world.db),
      suppression: new DynamoSuppressionList(world.tables.suppression, world.db),
      log: new DynamoOutreachLog(world.tables.outreach, world.db),
      now: () => now,
    };
    // The seeded catalogue is there before any case, as in a running clinic.
    await deps.catalogue.load();
    let n = 0;
    for (const testCase of readCases(surface)) {
      n++;
      const clientId = `rp-${n}`;
      const profile: ClientProfile = {
        clientId,
        name: 'Μαρία Παππά',
        email: `client-${n}@example.com`,
        phone: `+3069100${String(n).padStart(5, '0')}`,
        locale: 'el',
        timeZone: 'Europe/Athens',
        consent: { email: true, sms: true, voice: false },
      };
      await deps.clients.saveProfile(profile);
      const job = {
        jobId: outreachJobId(clientId, '2026-05-11', 1),
        clientId,
        episodeId: '2026-05-11',
        request: 1,
        requestedOn: '2026-05-11',
        channels: ['email' as const],
      };
      await deps.log.claim(job, 'email', 'el', new Date('2026-05-11T09:00:00Z'));
      await deps.log.sent(job.jobId, `ses-${n}`, new Date('2026-05-11T09:00:01Z'));
      clients.set(testCase.case, { clientId, jobId: job.jobId });
    }
    const use: ReplyWeb = { settings: { clinicName: 'Harbour Clinic', tokenSecrets: [secret] }, deps };
    const api = await startHttpApi(
      [
        { prefix: '/r/', handler: (event) => replyWeb(event, use) },
        { prefix: '/u/', handler: (event) => replyWeb(event, use) },
      ],
      0,
    );
    origin = `http://127.0.0.1:${api.port}`;
    stop = api.stop;
  },

  async run(_world, testCase) {
    const { clientId, jobId } = clients.get(testCase.case)!;
    const method = testCase.method ?? 'GET';
    const body =
      testCase.body ??
      (testCase.form
        ? new URLSearchParams(Object.entries(testCase.form).map(([name, field]): [string, string] => [name, fieldValue(field)])).toString()
        : undefined);
    const contentType = testCase.contentType === undefined ? form : testCase.contentType;
    const response = await fetch(`${origin}${pathOf(testCase, jobId)}`, {
      method,
      redirect: 'manual',
      // Bytes, so that fetch adds no content type of its own.
      ...(body !== undefined && { body: Buffer.from(body, 'utf8') }),
      headers: { ...(body !== undefined && contentType !== null && { 'content-type': contentType }), ...testCase.headers },
    });
    const text = await response.text();

    const allowed = typeof testCase.status === 'number' ? [testCase.status] : testCase.status;
    expect(allowed, `${method} answered ${response.status}: ${text.slice(0, 200)}`).toContain(response.status);
    if (response.status >= 400) {
      // A friendly page in the client's terms, never a trace of what went wrong inside.
      expect(response.headers.get('content-type')).toMatch(/^text\/html|^application\/json/);
      for (const pattern of internals) expect(text).not.toMatch(pattern);
    }
    if (testCase.answer) {
      const answers = await deps.answers.answersOf(clientId);
      expect(answers, 'one answer per request, however often it is sent').toHaveLength(1);
      expect(answers[0]).toMatchObject(testCase.answer);
      if (answers[0]!.text !== undefined) expect([...answers[0]!.text].length).toBeLessThanOrEqual(longestAnswerText);
    }
  },

  async finish() {
    await stop?.();
  },
};
