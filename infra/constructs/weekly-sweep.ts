import { Duration } from 'aws-cdk-lib';
import type { CronOptions } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { Queue, IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { analyticsBucket, clientsTable, episodesTable, modelsTable, outreachQueue, suppressionTable, visitsTable } from '../resources.ts';
import { ClinicSchedule } from './clinic-schedule.ts';
import { sweepScratchPrefix } from './analytics-bucket.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';
import { envNames } from '../../shared/environment.ts';

/** Monday 06:00 in the clinic's time zone: the list is ready before the week's first shift. */
export const defaultSweepTime: CronOptions = { weekDay: 'MON', hour: '6', minute: '0' };

/** A sweep that has not started within this long after its slot waits for next week's. */
const startDeadline = Duration.hours(6);

export interface WeeklySweepProps {
  readonly tables: DataTables;
  /** The sweep sends one message per feedback request here. */
  readonly outreachQueue: IQueue;
  /** Holds the sweep's scratch objects under `sweep-scratch/`. */
  readonly analyticsBucket: IBucket;
  /** IANA time zone of the clinic: when the sweep runs, and which day is "today". */
  readonly clinicTimeZone: string;
  /** Parallel Scan segments, one segment-function invocation each. @default 16 */
  readonly segments?: number;
  /** When the sweep runs, in the clinic's time zone. @default Monday 06:00 */
  readonly schedule?: CronOptions;
}

/**
 * The weekly lapse sweep: EventBridge Scheduler starts the coordinator in the clinic's time
 * zone; the coordinator invokes one segment function per parallel Scan segment of the clients
 * table and refits the lapse model from what they leave in the scratch prefix.
 */
export class WeeklySweep extends Construct {
  readonly coordinator: ComebackFunction;
  readonly segmentFunction: ComebackFunction;
  readonly schedule: Schedule;
  /** Sweeps that never ran to the end: undeliverable schedule events and failed coordinator runs. */
  readonly failedSweeps: Queue;

  constructor(scope: Construct, id: string, props: WeeklySweepProps) {
    super(scope, id);
    const segments = props.segments ?? 16;
    if (!Number.isInteger(segments) || segments < 1 || segments > 1000) {
      throw new Error(`WeeklySweep: segments must be a whole number from 1 to 1000, not ${segments}`);
    }

    this.segmentFunction = new ComebackFunction(this, 'Segment', {
      entry: 'functions/sweep-segment/handler.ts',
      description: 'Comeback: scores one Scan segment of the clients table and queues feedback requests',
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    const segment = this.segmentFunction;
    // Writes the lapse mark on the client item, in one transaction with the episode.
    segment.useTable(clientsTable, props.tables.table(clientsTable), 'readWrite');
    segment.useTable(episodesTable, props.tables.table(episodesTable), 'readWrite');
    segment.useTable(suppressionTable, props.tables.table(suppressionTable), 'read');
    // The client store it shares with the API wants both table names; a segment reads only
    // the summaries on the client items, so it gets the name and no access to visits.
    segment.addEnvironment(visitsTable.envVar, props.tables.table(visitsTable).tableName);
    segment.addEnvironment(outreachQueue.envVar, props.outreachQueue.queueUrl);
    props.outreachQueue.grantSendMessages(segment);
    // Its object store leaves model inputs for the coordinator: scratch objects only.
    segment.useObjects(analyticsBucket, props.analyticsBucket, sweepScratchPrefix, ['read', 'write', 'delete']);

    this.coordinator = new ComebackFunction(this, 'Coordinator', {
      entry: 'functions/sweep/handler.ts',
      description: 'Comeback: weekly lapse sweep; fans out the segments and refits the lapse model',
      timeout: Duration.minutes(15),
      memorySize: 1024,
      // One sweep at a time: a manual run and the scheduled one must not interleave.
      reservedConcurrentExecutions: 1,
      environment: {
        [envNames.sweepSegmentFunction]: segment.functionName,
        [envNames.sweepSegments]: String(segments),
        [envNames.clinicTimeZone]: props.clinicTimeZone,
      },
    });
    const coordinator = this.coordinator;
    coordinator.useTable(modelsTable, props.tables.table(modelsTable), 'readWrite');
    // Read whole every 90 days, to tune the lapse rule again on the clinic's history.
    coordinator.useTable(clientsTable, props.tables.table(clientsTable), 'read');
    coordinator.useObjects(analyticsBucket, props.analyticsBucket, sweepScratchPrefix, ['read', 'delete']);
    // The coordinator invokes the function by name (unqualified), so no version or alias ARN.
    coordinator.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [segment.functionArn] }));

    // A failed run may be tried again: segments write conditionally.
    const clock = new ClinicSchedule(this, 'Clock', {
      target: coordinator,
      what: 'weekly lapse sweep',
      cron: props.schedule ?? defaultSweepTime,
      clinicTimeZone: props.clinicTimeZone,
      startDeadline,
    });
    this.schedule = clock.schedule;
    this.failedSweeps = clock.failedRuns;
  }
}
