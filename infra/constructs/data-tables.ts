import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '../resources.ts';

export interface DataTablesProps {
  readonly definitions: readonly TableDefinition[];
  readonly encryptionKey: IKey;
}

/** One DynamoDB table per definition in resources.ts, built exactly as the definition says. */
export class DataTables extends Construct {
  private readonly byId = new Map<string, Table>();

  constructor(scope: Construct, id: string, props: DataTablesProps) {
    super(scope, id);
    for (const definition of props.definitions) {
      this.byId.set(definition.id, this.createTable(definition, props.encryptionKey));
    }
  }

  /** The table built from `definition`; throws if the definition was not part of this set. */
  table(definition: TableDefinition): Table {
    const table = this.byId.get(definition.id);
    if (!table) throw new Error(`No table was built for definition '${definition.id}'`);
    return table;
  }

  private createTable(definition: TableDefinition, encryptionKey: IKey): Table {
    const table = new Table(this, definition.id, {
      partitionKey: toAttribute(definition.partitionKey),
      sortKey: definition.sortKey && toAttribute(definition.sortKey),
      timeToLiveAttribute: definition.timeToLiveAttribute,
      stream: definition.stream && StreamViewType[definition.stream],
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.globalIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: toAttribute(index.partitionKey),
        sortKey: index.sortKey && toAttribute(index.sortKey),
        projectionType: ProjectionType[index.projection ?? 'ALL'],
      });
    }
    return table;
  }
}

const attributeTypes = { S: AttributeType.STRING, N: AttributeType.NUMBER } as const;

const toAttribute = (key: KeyAttribute): Attribute => ({ name: key.name, type: attributeTypes[key.type] });
