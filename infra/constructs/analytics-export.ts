import { Duration } from 'aws-cdk-lib';
import type { CronOptions } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { exportPrefix } from '../../shared/analytics/export-location.ts';
import { analyticsBucket, answersTable, catalogueTable, clientsTable, episodesTable, outreachTable, visitsTable, type TableDefinition } from '../resources.ts';
import { ClinicSchedule } from './clinic-schedule.ts';
import { ComebackFunction, type TableAccess } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';
import { envNames } from '../../shared/environment.ts';

/**
 * 04:00 every day in the clinic's time zone: after the day's visits, before the morning's
 * reports, and outside the hour daylight saving skips (Scheduler never fires a time that does
 * not exist, so a 02:00 export would be lost on spring-forward days).
 */
export const defaultExportTime: CronOptions = { hour: '4', minute: '0' };

/** An export that has not started within this long after its slot waits for the next day's. */
const startDeadline = Duration.hours(6);

/**
 * What the export reads (parallel Scans of clients and visits, every episode, request and
 * answer). The catalogue store's `load()` writes the seed catalogue into an empty table, so the
 * catalogue is the one table it may write.
 */
export const exportTableAccess: readonly (readonly [TableDefinition, TableAccess])[] = [
  [clientsTable, 'read'],
  [visitsTable, 'read'],
  [episodesTable, 'read'],
  [outreachTable, 'read'],
  [answersTable, 'read'],
  [catalogueTable, 'readWrite'],
];

export interface AnalyticsExportProps {
  readonly tables: DataTables;
  /** The export writes Parquet under `exports/` here (and nowhere else in the bucket). */
  readonly analyticsBucket: IBucket;
  /** IANA time zone of the clinic: when the export runs, and which day is the snapshot's `dt`. */
  readonly clinicTimeZone: string;
  /** When the export runs, in the clinic's time zone. @default every day at 04:00 */
  readonly schedule?: CronOptions;
}

/**
 * The daily analytics export: EventBridge Scheduler starts the export function in the clinic's
 * time zone; it writes the changed `dt` partitions of every exported table as Parquet under
 * `exports/` of the analytics bucket, where the Glue tables (AnalyticsQuery) point Athena.
 */
export class AnalyticsExport extends Construct {
  readonly function: ComebackFunction;
  readonly schedule: Schedule;
  /** Exports that never ran to the end: undeliverable schedule events and failed runs. */
  readonly failedExports: Queue;

  constructor(scope: Construct, id: string, props: AnalyticsExportProps) {
    super(scope, id);

    this.function = new ComebackFunction(this, 'Function', {
      entry: 'functions/export/handler.ts',
      description: 'Comeback: daily export of the analytics tables to Parquet under exports/ of the analytics bucket',
      // It holds every table's rows in memory while it writes them.
      memorySize: 2048,
      timeout: Duration.minutes(10),
      // One export at a time: a manual run and the scheduled one must not race on the manifests.
      reservedConcurrentExecutions: 1,
      environment: { [envNames.clinicTimeZone]: props.clinicTimeZone },
    });
    const fn = this.function;
    for (const [definition, access] of exportTableAccess) fn.useTable(definition, props.tables.table(definition), access);

    // Partitions are read (manifests), written and deleted (partitions whose rows went away)
    // under exports/ only; listing is allowed for keys under exports/ and nothing else.
    fn.useObjects(analyticsBucket, props.analyticsBucket, exportPrefix, ['read', 'write', 'delete']);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.analyticsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${exportPrefix}*`] } },
      }),
    );

    // A failed run may be tried again: a partition is always rewritten whole.
    const clock = new ClinicSchedule(this, 'Clock', {
      target: fn,
      what: 'daily analytics export',
      cron: props.schedule ?? defaultExportTime,
      clinicTimeZone: props.clinicTimeZone,
      startDeadline,
      failureMeans: "so the reports miss that day's data",
    });
    this.schedule = clock.schedule;
    this.failedExports = clock.failedRuns;
  }
}
