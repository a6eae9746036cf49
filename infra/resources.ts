/**
 * The one description of Comeback's stateful resources. The CDK stacks build their tables,
 * queues and topics from it, and the local stack creates the same ones on the emulators,
 * so the two can never drift apart. Plain data: no CDK or SDK types here. The variable that
 * carries each resource's name to the functions is named in shared/environment.ts.
 */
import { envNames } from '../shared/environment.ts';

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** What the index copies: every attribute (the default) or only the keys. */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  /** Logical id in CDK and the name of the environment variable that carries the real name. */
  readonly id: string;
  readonly envVar: string;
  /** Physical name on the local stack (the cloud lets CloudFormation name tables). */
  readonly localName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes: readonly IndexDefinition[];
  readonly timeToLiveAttribute?: string;
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

export interface QueueDefinition {
  readonly id: string;
  readonly envVar: string;
  readonly localName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly retentionDays: number;
  /** After this many receives a message moves to the queue's dead-letter queue. */
  readonly maxReceiveCount: number;
  /** A topic whose messages this queue receives (raw delivery). */
  readonly subscribesTo?: string;
}

export interface TopicDefinition {
  readonly id: string;
  readonly envVar: string;
  readonly localName: string;
}

export interface BucketDefinition {
  readonly id: string;
  readonly envVar: string;
  readonly localName: string;
}

/**
 * Clients, one item per client: profile, consent, and the visit summary the sweep reads.
 * Keeping the summary on the client item lets a parallel Scan of this table alone give the
 * sweep everything it needs, without ever reading the visits table.
 */
export const clientsByPhoneIndex = 'byPhone';
export const clientsByViberUserIndex = 'byViberUser';

export const clientsTable: TableDefinition = {
  id: 'Clients',
  envVar: envNames.clientsTable,
  localName: 'comeback-clients',
  partitionKey: { name: 'clientId', type: 'S' },
  // Who texted us when a reply names no message of ours: keys only, so imports stay cheap.
  globalIndexes: [
    { indexName: clientsByPhoneIndex, partitionKey: { name: 'phone', type: 'S' }, projection: 'KEYS_ONLY' },
    // Whose Viber unsubscribe or message this is: only subscribed clients have the key (sparse).
    { indexName: clientsByViberUserIndex, partitionKey: { name: 'viberUserId', type: 'S' }, projection: 'KEYS_ONLY' },
  ],
};

/**
 * Visits, one item per visit keyed by its visit id, so that a visit written twice is caught
 * by a condition on the key. `byClient` lists one client's visits in time order.
 */
export const visitsByClientIndex = 'byClient';

export const visitsTable: TableDefinition = {
  id: 'Visits',
  envVar: envNames.visitsTable,
  localName: 'comeback-visits',
  partitionKey: { name: 'visitId', type: 'S' },
  globalIndexes: [
    {
      indexName: visitsByClientIndex,
      partitionKey: { name: 'clientId', type: 'S' },
      sortKey: { name: 'visitedAt', type: 'S' },
    },
  ],
};

/**
 * Lapse episodes: one item per time a client was found lapsed, opened by the sweep, closed
 * when they come back. Keyed by client so a client's history is one Query; `byStatus` lists
 * the open ones (the lapsed list) newest first.
 */
export const episodesByStatusIndex = 'byStatus';

export const episodesTable: TableDefinition = {
  id: 'LapseEpisodes',
  envVar: envNames.episodesTable,
  localName: 'comeback-lapse-episodes',
  partitionKey: { name: 'clientId', type: 'S' },
  sortKey: { name: 'episodeId', type: 'S' },
  globalIndexes: [
    {
      indexName: episodesByStatusIndex,
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'openedOn', type: 'S' },
    },
  ],
};

/** Fitted model parameters, one item per fit: the sweep scores with the newest. */
export const modelsTable: TableDefinition = {
  id: 'Models',
  envVar: envNames.modelsTable,
  localName: 'comeback-models',
  partitionKey: { name: 'model', type: 'S' },
  sortKey: { name: 'fittedAt', type: 'S' },
  globalIndexes: [],
};

/**
 * Addresses (and whole clients) we must not contact: hard bounces, complaints, opt-outs.
 * Keyed by `email:…`, `phone:…` or `client:…`, so every channel decision is one batch read.
 */
export const suppressionTable: TableDefinition = {
  id: 'Suppression',
  envVar: envNames.suppressionTable,
  localName: 'comeback-suppression',
  partitionKey: { name: 'address', type: 'S' },
  globalIndexes: [],
};

export const outreachByProviderMessageIndex = 'byProviderMessage';

/**
 * One item per feedback request (keyed by the outreach job id): claimed with a conditional
 * write before the provider is called, so a redelivered job never sends twice; the provider's
 * message id, found again through `byProviderMessage`, ties delivery events back to it.
 */
export const outreachTable: TableDefinition = {
  id: 'Outreach',
  envVar: envNames.outreachTable,
  localName: 'comeback-outreach',
  partitionKey: { name: 'outreachId', type: 'S' },
  globalIndexes: [{ indexName: outreachByProviderMessageIndex, partitionKey: { name: 'providerMessageId', type: 'S' } }],
};

export const answersByCandidateIndex = 'byCandidate';

/**
 * Every answer a client gave (reply page, SMS, staff after a call), keyed by client so the
 * card is one Query. The answer id says where it came from and makes a repeat idempotent:
 * `page#<outreachId>` (a second submit updates it), `sms#<inboundMessageId>` (a second
 * delivery is dropped), `staff#<time>`. Replies from unknown numbers wait under `unmatched`.
 * `byCandidate` holds the answers no reason matched yet (sparse), for when a manager decides;
 * its key is the candidate text, or a digest of long text with the text in `candidateText`
 * (shared/aws/dynamo-keys.ts).
 */
export const answersTable: TableDefinition = {
  id: 'Answers',
  envVar: envNames.answersTable,
  localName: 'comeback-answers',
  partitionKey: { name: 'clientId', type: 'S' },
  sortKey: { name: 'answerId', type: 'S' },
  globalIndexes: [{ indexName: answersByCandidateIndex, partitionKey: { name: 'candidate', type: 'S' }, sortKey: { name: 'receivedAt', type: 'S' } }],
};

/**
 * The reason catalogue: `kind` is reason, alias, candidate, change or meta; `key` the reason
 * id, the normalised text (a digest of long text, which is then in `text`: see
 * shared/aws/dynamo-keys.ts), or the version. Every change bumps the meta version in the same
 * transaction and is kept as a `change` item, so history can be re-counted at any version.
 * Beside them, counters outside the versioning: `given` (answers per reason, the reply page's
 * order) and `model-spend` (the optional answer model's spend per month, `key` YYYY-MM).
 */
export const catalogueTable: TableDefinition = {
  id: 'ReasonCatalogue',
  envVar: envNames.catalogueTable,
  localName: 'comeback-reason-catalogue',
  partitionKey: { name: 'kind', type: 'S' },
  sortKey: { name: 'key', type: 'S' },
  globalIndexes: [],
};

export const followUpsByStatusIndex = 'byStatus';

/** Follow-ups for staff (a call back, a complaint): open, then contacted, then resolved. */
export const followUpsTable: TableDefinition = {
  id: 'FollowUps',
  envVar: envNames.followUpsTable,
  localName: 'comeback-follow-ups',
  partitionKey: { name: 'followUpId', type: 'S' },
  globalIndexes: [{ indexName: followUpsByStatusIndex, partitionKey: { name: 'status', type: 'S' }, sortKey: { name: 'openedAt', type: 'S' } }],
};

/**
 * Provider callbacks already taken (Viber's signed webhook calls), keyed by the event and its
 * message token, each kept only as long as the same signed body could still be accepted.
 */
export const callbacksTable: TableDefinition = {
  id: 'Callbacks',
  envVar: envNames.callbacksTable,
  localName: 'comeback-callbacks',
  partitionKey: { name: 'callbackKey', type: 'S' },
  globalIndexes: [],
  timeToLiveAttribute: 'expiresAt',
};

export const tables = [
  clientsTable,
  visitsTable,
  episodesTable,
  modelsTable,
  suppressionTable,
  outreachTable,
  answersTable,
  catalogueTable,
  followUpsTable,
  callbacksTable,
] as const;

/** Inbound two-way SMS: End User Messaging publishes here; the reply queue consumes it. */
export const smsRepliesTopic: TopicDefinition = {
  id: 'SmsReplies',
  envVar: envNames.smsRepliesTopic,
  localName: 'comeback-sms-replies',
};

/** SMS and voice delivery events: End User Messaging's configuration set publishes here. */
export const smsVoiceEventsTopic: TopicDefinition = {
  id: 'SmsVoiceEvents',
  envVar: envNames.smsVoiceEventsTopic,
  localName: 'comeback-sms-voice-events',
};

/**
 * WhatsApp statuses and inbound messages: the WhatsApp business account's event destination
 * (End User Messaging Social publishes here; standard topic, FIFO is not supported).
 */
export const whatsAppEventsTopic: TopicDefinition = {
  id: 'WhatsAppEvents',
  envVar: envNames.whatsAppEventsTopic,
  localName: 'comeback-whatsapp-events',
};

export const topics = [smsRepliesTopic, smsVoiceEventsTopic, whatsAppEventsTopic] as const;

/** One message per feedback request to send; the sweep fills it, the send function drains it. */
export const outreachQueue: QueueDefinition = {
  id: 'Outreach',
  envVar: envNames.outreachQueue,
  localName: 'comeback-outreach',
  visibilityTimeoutSeconds: 180,
  retentionDays: 14,
  maxReceiveCount: 5,
};

export const smsRepliesQueue: QueueDefinition = {
  id: 'SmsRepliesQueue',
  envVar: envNames.smsRepliesQueue,
  localName: 'comeback-sms-replies',
  visibilityTimeoutSeconds: 60,
  retentionDays: 14,
  maxReceiveCount: 5,
  subscribesTo: smsRepliesTopic.id,
};

/**
 * SMS and voice delivery events, buffered between the topic and the delivery-events function:
 * a burst of carrier receipts waits here instead of throttling the function, and an event that
 * keeps failing ends in the dead-letter queue instead of being dropped.
 */
export const smsVoiceEventsQueue: QueueDefinition = {
  id: 'SmsVoiceEventsQueue',
  envVar: envNames.smsVoiceEventsQueue,
  localName: 'comeback-sms-voice-events',
  visibilityTimeoutSeconds: 60,
  retentionDays: 14,
  maxReceiveCount: 5,
  subscribesTo: smsVoiceEventsTopic.id,
};

/** WhatsApp events between the topic and the whatsapp-events function, as the SMS events are. */
export const whatsAppEventsQueue: QueueDefinition = {
  id: 'WhatsAppEventsQueue',
  envVar: envNames.whatsAppEventsQueue,
  localName: 'comeback-whatsapp-events',
  visibilityTimeoutSeconds: 60,
  retentionDays: 14,
  maxReceiveCount: 5,
  subscribesTo: whatsAppEventsTopic.id,
};

export const queues = [outreachQueue, smsRepliesQueue, smsVoiceEventsQueue, whatsAppEventsQueue] as const;

/** Parquet exports that the report engines read (Athena in the cloud, DuckDB locally). */
export const analyticsBucket: BucketDefinition = {
  id: 'Analytics',
  envVar: envNames.analyticsBucket,
  localName: 'comeback-analytics',
};

export const buckets = [analyticsBucket] as const;

export const deadLetterName = (queue: QueueDefinition): string => `${queue.localName}-dlq`;
