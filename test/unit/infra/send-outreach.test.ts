import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createComebackApp, outreachSettingsOf } from '../../../infra/app.ts';
import { smsVoiceEventsQueue } from '../../../infra/resources.ts';

// Bundling is skipped here: stateless-stack.test.ts checks every function's bundle.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const clinic = {
  clinicName: 'Harbour Clinic',
  emailFrom: 'Harbour <care@harbour.example>',
  smsOriginationIdentity: '+18005550100',
  replyBaseUrl: 'https://reply.harbour.example',
};
const { stateless } = createComebackApp(new App({ context: { ...context, ...clinic, 'aws:cdk:bundling-stacks': [] } }));
const template = Template.fromStack(stateless);
const send = stateless.sendOutreach;
const idOf = (construct: IConstruct) => stateless.getLogicalId(construct.node.defaultChild as CfnElement);

type Statement = { Action: string | string[]; Resource: unknown };
const statements = (): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: idOf(send.function.role!) }] } })).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
const actions = (): string[] => statements().flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('the send function in the stateless stack', () => {
  it('drains the outreach queue ten at a time, reporting failed jobs one by one, two instances at most', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(send.function) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('gets the clinic’s settings from the deploy context', () => {
    const environment = template.toJSON().Resources[idOf(send.function)].Properties.Environment.Variables;
    expect(environment).toMatchObject({
      CLINIC_NAME: 'Harbour Clinic',
      EMAIL_FROM: 'Harbour <care@harbour.example>',
      SMS_ORIGINATION_IDENTITY: '+18005550100',
      REPLY_BASE_URL: 'https://reply.harbour.example',
      REPLY_SECRET_PARAMETER: '/comeback/reply-secret',
    });
    for (const variable of ['CLIENTS_TABLE', 'VISITS_TABLE', 'SUPPRESSION_TABLE', 'OUTREACH_TABLE', 'OUTREACH_QUEUE_URL', 'EMAIL_CONFIGURATION_SET']) {
      expect(environment[variable], variable).toBeDefined();
    }
  });

  it('sends email through a configuration set whose bounces, complaints, deliveries and clicks go to EventBridge', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['bounce', 'complaint', 'delivery', 'click']),
        EventBridgeDestination: Match.anyValue(),
      }),
    });
  });

  it('may send email, texts and calls, read its secret, and write only the outreach table', () => {
    expect(actions()).toEqual(
      expect.arrayContaining(['ses:SendEmail', 'sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage', 'ssm:GetParameter', 'sqs:SendMessage']),
    );
    const writes = statements().filter((s) =>
      (Array.isArray(s.Action) ? s.Action : [s.Action]).some((a) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(a)),
    );
    expect(JSON.stringify(writes.map((s) => s.Resource))).toContain('Outreach');
    expect(JSON.stringify(writes.map((s) => s.Resource))).not.toMatch(/Clients|Suppression/);
  });

  it('refuses an empty setting', () => {
    expect(() => outreachSettingsOf(new App({ context: { clinicName: '' } }))).toThrow(/clinicName/);
  });
});

describe('the send function’s pace', () => {
  it('shares every provider rate between its instances, and reads the SES rate from SES', () => {
    const environment = template.toJSON().Resources[idOf(send.function)].Properties.Environment.Variables;
    expect(environment).toMatchObject({ SMS_MESSAGES_PER_SECOND: '1', SEND_CONCURRENCY: '2' });
    expect(actions()).toContain('ses:GetAccount');
    expect(() => outreachSettingsOf(new App({ context: { smsMessagesPerSecond: '0' } }))).toThrow(/above 0/);
  });
});

describe('delivery events in the stateless stack', () => {
  const events = stateless.deliveryEvents;

  it('takes SES events from EventBridge, with retries and a dead-letter queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as {
      Properties: { EventPattern: Record<string, string[]>; Targets: Record<string, unknown>[] };
    }[];
    const email = rules.find((rule) => rule.Properties.EventPattern.source?.includes('aws.ses'))!;
    expect(email.Properties.EventPattern['detail-type']).toEqual(
      expect.arrayContaining(['Email Bounced', 'Email Complaint Received', 'Email Delivered', 'Email Clicked']),
    );
    expect(email.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [idOf(events.function), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [idOf(events.failedEvents), 'Arn'] } },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: 8 }),
      }),
    ]);
  });

  it('takes SMS and voice events from an End User Messaging configuration set through SNS and a queue, and the sender uses that set', () => {
    template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', {
      EventDestinations: [Match.objectLike({ Enabled: true, MatchingEventTypes: ['TEXT_ALL', 'VOICE_ALL'], SnsDestination: Match.anyValue() })],
    });
    const queue = stateless.messaging.queue(smsVoiceEventsQueue);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true, Endpoint: { 'Fn::GetAtt': [idOf(queue), 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(events.function) },
      EventSourceArn: { 'Fn::GetAtt': [idOf(queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const environment = template.toJSON().Resources[idOf(send.function)].Properties.Environment.Variables;
    expect(environment.SMS_CONFIGURATION_SET).toEqual({ Ref: stateless.getLogicalId(events.smsConfigurationSet) });
  });

  it('raises an alarm when an event could not be recorded', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(events.failedEvents), 'QueueName'] } }],
      Threshold: 1,
    });
  });
});
