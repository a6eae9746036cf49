import { createHash } from 'node:crypto';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  type ScanCommandOutput,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { batchGetItems } from './dynamo-batch.ts';
import { clientsByPhoneIndex, clientsByViberUserIndex, visitsByClientIndex } from '../../infra/resources.ts';
import type { ClientProfile } from '../visits/client.ts';
import type { LapseMark } from '../lapse/episode.ts';
import type { VisitSummary } from '../visits/summary.ts';
import type { Visit } from '../visits/visit.ts';
import {
  maxItemsPerWrite,
  type ClientStore,
  type ProfileWriteOutcome,
  type StoredClient,
  type VisitWrite,
  type VisitWriteResult,
} from '../visits/ports/client-store.ts';

export interface DynamoClientStoreTables {
  readonly clients: string;
  readonly visits: string;
}

const sharedDocumentClients = new Map<string, DynamoDBDocumentClient>();

/**
 * One SDK client per process (per Lambda container) and endpoint; endpoints come from the SDK's
 * own env. A process that starts one local stack after another (a bench, a test) gets a client
 * for the endpoint of the stack it runs now, not for the first one, long stopped.
 */
export const documentClient = (): DynamoDBDocumentClient => {
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL ?? '';
  let client = sharedDocumentClients.get(endpoint);
  if (!client) {
    client = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
    sharedDocumentClients.set(endpoint, client);
  }
  return client;
};

const optionalProfileFields = ['name', 'phone', 'email', 'preferredChannel', 'branchId'] as const;

/** Hash of what the clinic sent about a client: re-importing the same profile writes nothing. */
const profileHash = (profile: ClientProfile): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        profile.clientId,
        profile.name,
        profile.phone,
        profile.email,
        profile.locale,
        profile.timeZone,
        profile.preferredChannel,
        profile.branchId,
        profile.consent.email,
        profile.consent.sms,
        profile.consent.voice,
        // Only when given, so the hash of a client without them stays what it was.
        ...(profile.consent.whatsapp ? ['whatsapp'] : []),
        ...(profile.consent.viber ? ['viber'] : []),
      ]),
    )
    .digest('base64url')
    .slice(0, 22);

type ClientItem = Record<string, unknown>;

const toStoredClient = (item: ClientItem): StoredClient => {
  const consent = (item.consent ?? {}) as Record<string, boolean>;
  const profile: ClientProfile = {
    clientId: item.clientId as string,
    locale: item.locale as string,
    timeZone: item.timeZone as string,
    consent: {
      email: consent.email === true,
      sms: consent.sms === true,
      voice: consent.voice === true,
      ...(consent.whatsapp === true && { whatsapp: true }),
      ...(consent.viber === true && { viber: true }),
    },
    ...Object.fromEntries(optionalProfileFields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])),
    ...(typeof item.viberUserId === 'string' && { viberUserId: item.viberUserId }),
  };
  const summary = item.summary as VisitSummary | undefined;
  const lapse = item.lapse as LapseMark | undefined;
  const outreachEnded = item.outreachEnded as string | undefined;
  return {
    profile,
    version: (item.version as number | undefined) ?? 0,
    ...(summary && { summary }),
    ...(lapse && { lapse }),
    ...(outreachEnded && { outreachEnded }),
  };
};

const toVisit = (item: Record<string, unknown>): Visit => ({
  visitId: item.visitId as string,
  clientId: item.clientId as string,
  visitedAt: item.visitedAt as string,
  day: item.day as string,
  ...(item.doctorId !== undefined && { doctorId: item.doctorId as string }),
  ...(item.branchId !== undefined && { branchId: item.branchId as string }),
  ...(item.serviceCategory !== undefined && { serviceCategory: item.serviceCategory as string }),
  amount: { minor: item.amountMinor as number, currency: item.currency as string },
});

/** A client's item as this store writes it (also how the sweep bench fills a table fast). */
export const profileAttributes = (profile: ClientProfile): ClientItem => ({
  clientId: profile.clientId,
  locale: profile.locale,
  timeZone: profile.timeZone,
  consent: profile.consent,
  profileHash: profileHash(profile),
  ...Object.fromEntries(optionalProfileFields.filter((f) => profile[f] !== undefined).map((f) => [f, profile[f]])),
});

export class DynamoClientStore implements ClientStore {
  constructor(
    private readonly tables: DynamoClientStoreTables,
    private readonly db: DynamoDBDocumentClient = documentClient(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  async getClient(clientId: string): Promise<StoredClient | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tables.clients, Key: { clientId }, ConsistentRead: true }));
    return Item ? toStoredClient(Item) : undefined;
  }

  async getClients(clientIds: readonly string[]): Promise<Map<string, StoredClient>> {
    const items = await batchGetItems(this.db, this.tables.clients, 'clientId', clientIds);
    return new Map(items.map((item) => [item.clientId as string, toStoredClient(item)]));
  }

  async findRecordedVisits(visitIds: readonly string[]): Promise<Set<string>> {
    const items = await batchGetItems(this.db, this.tables.visits, 'visitId', visitIds, 'visitId');
    return new Set(items.map((item) => item.visitId as string));
  }

  async saveProfile(profile: ClientProfile): Promise<ProfileWriteOutcome> {
    const attributes = profileAttributes(profile);
    const set = Object.keys(attributes).filter((name) => name !== 'clientId');
    const remove = optionalProfileFields.filter((f) => profile[f] === undefined);
    const names = Object.fromEntries([...set, ...remove, 'createdAt', 'updatedAt'].map((n) => [`#${n}`, n]));
    const values = {
      ...Object.fromEntries(set.map((n) => [`:${n}`, attributes[n]])),
      ':now': this.now().toISOString(),
    };
    try {
      const result = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.clients,
          Key: { clientId: profile.clientId },
          UpdateExpression:
            `SET ${set.map((n) => `#${n} = :${n}`).join(', ')}, #updatedAt = :now, #createdAt = if_not_exists(#createdAt, :now)` +
            (remove.length ? ` REMOVE ${remove.map((n) => `#${n}`).join(', ')}` : ''),
          ConditionExpression: 'attribute_not_exists(clientId) OR #profileHash <> :profileHash',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return result.Attributes?.createdAt ? 'updated' : 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'unchanged';
      throw error;
    }
  }

  async recordVisits(writes: readonly VisitWrite[]): Promise<VisitWriteResult[]> {
    const items = writes.reduce((sum, write) => sum + 1 + write.visits.length, 0);
    if (items > maxItemsPerWrite) throw new RangeError(`at most ${maxItemsPerWrite} items per write, got ${items}`);
    if (writes.length === 0) return [];
    const now = this.now().toISOString();
    const transactItems = writes.flatMap((write) => [this.clientItem(write, now), ...write.visits.map((visit) => this.visitItem(visit, now))]);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: transactItems }));
      return writes.map((write) => ({ clientId: write.clientId, outcome: 'recorded' }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      // A conflict with a concurrent transaction on an item is a failed condition in waiting.
      const failed = (index: number): boolean => ['ConditionalCheckFailed', 'TransactionConflict'].includes(reasons[index]?.Code ?? '');
      if (!reasons.some((_, index) => failed(index))) throw error;
      let index = 0;
      return writes.map((write): VisitWriteResult => {
        const clientFailed = failed(index);
        const duplicates = write.visits.filter((_, i) => failed(index + 1 + i)).map((visit) => visit.visitId);
        index += 1 + write.visits.length;
        if (duplicates.length > 0) return { clientId: write.clientId, outcome: 'already-recorded', visitIds: duplicates };
        if (clientFailed) return { clientId: write.clientId, outcome: 'client-changed' };
        return { clientId: write.clientId, outcome: 'not-written' };
      });
    }
  }

  private clientItem(write: VisitWrite, now: string): NonNullable<TransactWriteCommandInput['TransactItems']>[number] {
    if (write.createProfile) {
      return {
        Put: {
          TableName: this.tables.clients,
          Item: { ...profileAttributes(write.createProfile), createdAt: now, updatedAt: now, summary: write.summary, version: 1 },
          ConditionExpression: 'attribute_not_exists(clientId)',
        },
      };
    }
    return {
      Update: {
        TableName: this.tables.clients,
        Key: { clientId: write.clientId },
        UpdateExpression: 'SET #summary = :summary, #version = :next, #updatedAt = :now',
        ConditionExpression:
          write.expectedVersion === 0
            ? 'attribute_exists(clientId) AND (attribute_not_exists(#version) OR #version = :expected)'
            : 'attribute_exists(clientId) AND #version = :expected',
        ExpressionAttributeNames: { '#summary': 'summary', '#version': 'version', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: {
          ':summary': write.summary,
          ':next': (write.expectedVersion ?? 0) + 1,
          ':expected': write.expectedVersion ?? 0,
          ':now': now,
        },
      },
    };
  }

  private visitItem(visit: Visit, now: string): NonNullable<TransactWriteCommandInput['TransactItems']>[number] {
    return {
      Put: {
        TableName: this.tables.visits,
        Item: {
          visitId: visit.visitId,
          clientId: visit.clientId,
          visitedAt: visit.visitedAt,
          day: visit.day,
          doctorId: visit.doctorId,
          branchId: visit.branchId,
          serviceCategory: visit.serviceCategory,
          amountMinor: visit.amount.minor,
          currency: visit.amount.currency,
          recordedAt: now,
        },
        ConditionExpression: 'attribute_not_exists(visitId)',
      },
    };
  }

  async *scanClients(segment: number, totalSegments: number): AsyncGenerator<StoredClient[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(
        new ScanCommand({ TableName: this.tables.clients, Segment: segment, TotalSegments: totalSegments, ExclusiveStartKey: startKey }),
      );
      yield (page.Items ?? []).map(toStoredClient);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async listVisits(clientId: string): Promise<Visit[]> {
    const visits: Visit[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tables.visits,
          IndexName: visitsByClientIndex,
          KeyConditionExpression: 'clientId = :clientId',
          ExpressionAttributeValues: { ':clientId': clientId },
          ExclusiveStartKey: startKey,
        }),
      );
      visits.push(...(page.Items ?? []).map(toVisit));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return visits;
  }

  async *scanVisits(segment: number, totalSegments: number): AsyncGenerator<Visit[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: ScanCommandOutput = await this.db.send(
        new ScanCommand({ TableName: this.tables.visits, Segment: segment, TotalSegments: totalSegments, ExclusiveStartKey: startKey }),
      );
      yield (page.Items ?? []).map(toVisit);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async clientsWithPhone(phone: string): Promise<string[]> {
    return this.clientsByKey(clientsByPhoneIndex, 'phone', phone);
  }

  async bindViberUser(clientId: string, viberUserId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId },
        UpdateExpression: 'SET viberUserId = :user',
        ConditionExpression: 'attribute_exists(clientId)',
        ExpressionAttributeValues: { ':user': viberUserId },
      }),
    );
  }

  async clientsWithViberUser(viberUserId: string): Promise<string[]> {
    return this.clientsByKey(clientsByViberUserIndex, 'viberUserId', viberUserId);
  }

  /** The clients a keys-only index finds by one attribute's value. */
  private async clientsByKey(indexName: string, attribute: string, value: string): Promise<string[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tables.clients,
        IndexName: indexName,
        KeyConditionExpression: '#key = :value',
        ExpressionAttributeNames: { '#key': attribute },
        ExpressionAttributeValues: { ':value': value },
      }),
    );
    return Items.map((item) => item.clientId as string);
  }

  async endOutreach(clientId: string, why: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId },
        UpdateExpression: 'SET outreachEnded = :why',
        ConditionExpression: 'attribute_exists(clientId)',
        ExpressionAttributeValues: { ':why': why },
      }),
    );
  }
}
