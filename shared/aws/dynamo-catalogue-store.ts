import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { seedCatalogue, type Alias, type Catalogue, type Reason } from '../answers/reasons.ts';
import { CatalogueConflictError, type Candidate, type CatalogueChange, type CatalogueStore } from '../answers/ports/catalogue-store.ts';
import { documentClient } from './dynamo-client-store.ts';
import { textKey } from './dynamo-keys.ts';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const versionKey = (version: number): string => String(version).padStart(9, '0');
const strip = ({ kind: _kind, key: _key, ...rest }: Item): Item => rest;

const cancelledOnCondition = (error: unknown): boolean =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((reason) => ['ConditionalCheckFailed', 'TransactionConflict'].includes(reason.Code ?? ''));

/** DynamoDB takes at most 100 items in a transaction: a change touching more is refused whole. */
const maxTransactItems = 100;

export class DynamoCatalogueStore implements CatalogueStore {
  constructor(
    private readonly table: string,
    private readonly db: DynamoDBDocumentClient = documentClient(),
  ) {}

  private async items(kind: string): Promise<Item[]> {
    const found: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'kind = :kind',
          ExpressionAttributeValues: { ':kind': kind },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  async load(): Promise<Catalogue> {
    const [meta] = await this.items('meta');
    if (!meta) return this.seed();
    const [reasons, aliases] = await Promise.all([this.items('reason'), this.items('alias')]);
    return {
      version: meta.version as number,
      reasons: reasons.map((item) => strip(item) as unknown as Reason),
      // An alias item keeps its text (its key may be a digest of it, see textKey); old ones were keyed by it.
      aliases: aliases.map((item) => ({ ...strip(item), text: item.text ?? item.key }) as unknown as Alias),
    };
  }

  private async seed(): Promise<Catalogue> {
    const catalogue = seedCatalogue();
    const at = new Date().toISOString();
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { kind: 'meta', key: 'version', version: catalogue.version },
                ConditionExpression: 'attribute_not_exists(kind)',
              },
            },
            ...catalogue.reasons.map((reason) => ({ Put: { TableName: this.table, Item: { kind: 'reason', key: reason.id, ...reason } } })),
            ...catalogue.aliases.map((alias) => ({ Put: { TableName: this.table, Item: { kind: 'alias', key: textKey(alias.text), ...alias } } })),
            { Put: { TableName: this.table, Item: { kind: 'change', key: versionKey(catalogue.version), version: catalogue.version, at, change: 'seed' } } },
          ],
        }),
      );
      return catalogue;
    } catch (error) {
      // Another process seeded it first: read theirs.
      if (cancelledOnCondition(error)) return this.load();
      throw error;
    }
  }

  async save(previous: Catalogue, next: Catalogue, change: Omit<CatalogueChange, 'version'>): Promise<void> {
    const before = new Map(previous.reasons.map((reason) => [reason.id, JSON.stringify(reason)]));
    const reasonPuts = next.reasons.filter((reason) => before.get(reason.id) !== JSON.stringify(reason));
    const oldAliases = new Map(previous.aliases.map((alias) => [alias.text, JSON.stringify(alias)]));
    const newAliases = new Set(next.aliases.map((alias) => alias.text));
    const aliasPuts = next.aliases.filter((alias) => oldAliases.get(alias.text) !== JSON.stringify(alias));
    const aliasDeletes = previous.aliases.filter((alias) => !newAliases.has(alias.text));
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: { kind: 'meta', key: 'version' },
          UpdateExpression: 'SET version = :next',
          ConditionExpression: 'version = :previous',
          ExpressionAttributeValues: { ':next': next.version, ':previous': previous.version },
        },
      },
      ...reasonPuts.map((reason) => ({ Put: { TableName: this.table, Item: { kind: 'reason', key: reason.id, ...reason } } })),
      ...aliasPuts.map((alias) => ({ Put: { TableName: this.table, Item: { kind: 'alias', key: textKey(alias.text), ...alias } } })),
      ...aliasDeletes.map((alias) => ({ Delete: { TableName: this.table, Key: { kind: 'alias', key: textKey(alias.text) } } })),
      { Put: { TableName: this.table, Item: { ...change, kind: 'change', key: versionKey(next.version), version: next.version, change: change.kind } } },
    ];
    if (items.length > maxTransactItems)
      throw new CatalogueConflictError(`this change touches ${items.length} items; at most ${maxTransactItems} can change at once`);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (cancelledOnCondition(error)) throw new CatalogueConflictError(`the catalogue changed since version ${previous.version}: load it again and retry`);
      throw error;
    }
  }

  async changes(): Promise<CatalogueChange[]> {
    return (await this.items('change')).map((item) => ({ ...strip(item), kind: item.change as CatalogueChange['kind'] }) as unknown as CatalogueChange);
  }

  async noteCandidate(text: string, locale: string | undefined, at: string, options: { truncated?: boolean } = {}): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        // The key is bounded (a digest of long text); the text is an attribute.
        Key: { kind: 'candidate', key: textKey(text) },
        UpdateExpression: `ADD answers :one${locale ? ', locales :locale' : ''} SET #text = :text, firstSeen = if_not_exists(firstSeen, :at), lastSeen = :at${options.truncated ? ', truncated = :true' : ''}`,
        ExpressionAttributeNames: { '#text': 'text' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':at': at,
          ':text': text,
          ...(locale && { ':locale': new Set([locale]) }),
          ...(options.truncated && { ':true': true }),
        },
      }),
    );
  }

  async candidates(): Promise<Candidate[]> {
    return (await this.items('candidate'))
      .map((item) => ({
        text: (item.text ?? item.key) as string,
        ...(item.truncated === true && { truncated: true }),
        locales: [...((item.locales as Set<string> | undefined) ?? [])].sort(),
        answers: item.answers as number,
        firstSeen: item.firstSeen as string,
        lastSeen: item.lastSeen as string,
      }))
      .sort((a, b) => b.answers - a.answers);
  }

  async dropCandidate(text: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { kind: 'candidate', key: textKey(text) } }));
  }

  async countReasonGiven(reasonId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        // A `given` item per reason id, beside the reasons; a reason id is a bounded key.
        Key: { kind: 'given', key: reasonId },
        UpdateExpression: 'ADD answers :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  async reasonsGiven(): Promise<ReadonlyMap<string, number>> {
    return new Map((await this.items('given')).map((item) => [item.key as string, Number(item.answers ?? 0)]));
  }
}
