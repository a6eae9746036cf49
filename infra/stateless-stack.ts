import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ClinicApi } from './constructs/clinic-api.ts';
import type { DataTables } from './constructs/data-tables.ts';
import { Messaging } from './constructs/messaging.ts';
import { RecordVisits } from './constructs/record-visits.ts';
import { queues, smsRepliesTopic, topics } from './resources.ts';

/** What the stateless stack uses from the stateful one. */
export interface StatelessStackProps extends StackProps {
  readonly tables: DataTables;
  readonly analyticsBucket: IBucket;
  readonly dataKey: IKey;
}

/** Functions, APIs and messaging: everything that can be replaced without losing data. */
export class StatelessStack extends Stack {
  readonly messaging: Messaging;
  readonly clinicApi: ClinicApi;
  readonly recordVisits: RecordVisits;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);

    this.messaging = new Messaging(this, 'Messaging', { queues, topics });
    // End User Messaging publishes inbound two-way SMS to this topic.
    this.messaging.allowServiceToPublish(smsRepliesTopic, 'sms-voice');

    this.clinicApi = new ClinicApi(this, 'ClinicApi');
    this.recordVisits = new RecordVisits(this, 'RecordVisits', { api: this.clinicApi, tables: props.tables });

    new CfnOutput(this, 'ClinicApiUrl', {
      description: 'Base URL of the clinic API (requests must be SigV4-signed)',
      value: this.clinicApi.url,
    });
  }
}
