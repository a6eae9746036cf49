import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { CronOptions } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './acknowledge.ts';

export interface ClinicScheduleProps {
  /** The function started; it works out "today" in the clinic's zone itself (the input is `{}`). */
  readonly target: IFunction;
  /** What runs, for descriptions and alarms: "weekly lapse sweep". */
  readonly what: string;
  readonly cron: CronOptions;
  readonly clinicTimeZone: string;
  /** A run not started within this long after its slot waits for the next one. */
  readonly startDeadline: Duration;
  /** What a failed run means to the clinic, for the alarm. */
  readonly failureMeans?: string;
}

/**
 * A function the clinic's clock starts (EventBridge Scheduler in its time zone): the schedule
 * retries delivery 3 times within the deadline; Lambda tries a failed run once more; what
 * still fails waits in a failed-runs queue, and an alarm goes off at its first message.
 */
export class ClinicSchedule extends Construct {
  readonly schedule: Schedule;
  readonly failedRuns: Queue;

  constructor(scope: Construct, id: string, props: ClinicScheduleProps) {
    super(scope, id);
    const { target } = props;

    this.failedRuns = new Queue(this, 'FailedRuns', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    Validations.of(this.failedRuns).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue (of the ${props.what} schedule and of its function's asynchronous invocations); nothing consumes it, so it has nothing to dead-letter.`,
    });
    new Alarm(this, 'FailedRunsAlarm', {
      alarmDescription: `A ${props.what} did not run to the end: its schedule event could not be delivered or the function failed${props.failureMeans ? `, ${props.failureMeans}` : ''}. The message in the failed-runs queue says which.`,
      metric: this.failedRuns.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Scheduler invokes Lambda asynchronously: a throttled event (a run already going) waits in
    // Lambda's queue up to the deadline; a failed run is tried once more (each target makes that safe).
    target.configureAsyncInvoke({ maxEventAge: props.startDeadline, retryAttempts: 1, onFailure: new SqsDestination(this.failedRuns) });

    // Assumable only by schedules of this account's default group (the one the schedule joins).
    const stack = Stack.of(this);
    const schedulerRole = new Role(this, 'SchedulerRole', {
      description: `Comeback: lets EventBridge Scheduler start the ${props.what}`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });

    this.schedule = new Schedule(this, 'Schedule', {
      description: `Comeback: ${props.what} (${props.clinicTimeZone})`,
      schedule: ScheduleExpression.cron({ ...props.cron, timeZone: TimeZone.of(props.clinicTimeZone) }),
      // LambdaInvoke grants invoke on the function and its versions and aliases (`<arn>:*`).
      target: new LambdaInvoke(target, {
        role: schedulerRole,
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.failedRuns,
        maxEventAge: props.startDeadline,
        retryAttempts: 3,
      }),
    });
    acknowledgeWildcardResource(
      schedulerRole,
      `${target.functionArn}:*`,
      `The schedule target grant of CDK covers the versions and aliases of the one ${props.what} function; the role can invoke nothing else.`,
    );
  }
}
