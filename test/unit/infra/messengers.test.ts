import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createComebackApp, messengerSettingsOf } from '../../../infra/app.ts';
import type { ComebackFunction } from '../../../infra/constructs/comeback-function.ts';
import {
  callbacksTable,
  catalogueTable,
  clientsByViberUserIndex,
  type clientsTable,
  whatsAppEventsQueue,
  whatsAppEventsTopic,
} from '../../../infra/resources.ts';

// Prepare: synthesize with the flags `cdk synth` uses, once without the messengers and once with
// both set up. Bundling is skipped here: stateless-stack.test.ts checks every function's bundle.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const noBundling = { ...context, 'aws:cdk:bundling-stacks': [] };
const messengers = {
  whatsAppPhoneNumberId: 'phone-number-id-0123456789abcdef0123456789abcdef',
  whatsAppBusinessAccountId: 'waba-fedcba9876543210fedcba9876543210',
  whatsAppTemplate: 'comeback_request',
  whatsAppTemplateFallbackLanguage: 'en_US',
  whatsAppMessagesPerSecond: '20',
  viberTokenParameter: '/comeback/viber-token',
  viberBotUri: 'harbourclinic',
  viberMessagesPerSecond: '5',
};
const plain = createComebackApp(new App({ context: noBundling }));
const withMessengers = createComebackApp(new App({ context: { ...noBundling, ...messengers } }));

const inspect = (stack: Stack) => {
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
  const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const statementsOf = (fn: ComebackFunction): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: idOf(fn.role!) }] } })).flatMap(
      (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
  const environmentOf = (fn: ComebackFunction): Record<string, unknown> => resources[idOf(fn)]!.Properties.Environment.Variables;
  return { template, resources, idOf, statementsOf, environmentOf };
};

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Principal?: unknown; Condition?: unknown };
const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
const withAction = (statements: Statement[], pattern: RegExp): Statement[] => statements.filter((s) => actionsOf(s).some((action) => pattern.test(action)));

/** `arn:<partition>:<service>:<region>:<account>:<resource>` as CloudFormation spells an ARN of an environment-agnostic stack. */
const arnOf = (service: string, resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});

describe('the Viber webhook', () => {
  const { stateless } = withMessengers;
  const { template, resources, idOf } = inspect(stateless);
  const apiId = idOf(stateless.replyWeb.httpApi);

  it('is POST /viber/callback on the reply page’s public API, with no authorizer, sent to the viber-callbacks function', () => {
    const routes = Object.values(
      template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: { Ref: apiId }, RouteKey: 'POST /viber/callback' } }),
    );
    expect(routes).toHaveLength(1);
    const route = routes[0]!.Properties;
    expect(route.AuthorizationType).toBe('NONE');
    expect(route.AuthorizerId).toBeUndefined();
    const integrationId = (route.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
    expect(resources[integrationId.Ref]?.Properties).toMatchObject({
      ApiId: { Ref: apiId },
      IntegrationUri: { 'Fn::GetAtt': [idOf(stateless.messengers.viberCallbacks), 'Arn'] },
    });
  });

  it('has a rate of its own on the reply page’s stage, and its URL in the outputs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId },
      RouteSettings: { 'POST /viber/callback': { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() } },
    });
    template.hasOutput('ViberWebhookUrl', { Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }, '/viber/callback']] } });
  });
});

describe('the viber-callbacks function', () => {
  const parametersReadBy = (statements: Statement[]) => {
    const reads = withAction(statements, /^ssm:/);
    expect(new Set(reads.flatMap(actionsOf))).toEqual(new Set(['ssm:GetParameter']));
    return reads.flatMap((s) => [s.Resource].flat());
  };

  it('may read the Viber token’s parameter and the reply secret’s (deep links are signed with it), no other, and is told their names', () => {
    const { stateless } = withMessengers;
    const { statementsOf, environmentOf } = inspect(stateless);
    const fn = stateless.messengers.viberCallbacks;
    const resources = parametersReadBy(statementsOf(fn));
    expect(resources).toHaveLength(2);
    expect(resources).toEqual(expect.arrayContaining([arnOf('ssm', 'parameter/comeback/viber-token'), arnOf('ssm', 'parameter/comeback/reply-secret')]));
    expect(environmentOf(fn)).toMatchObject({
      VIBER_TOKEN_PARAMETER: '/comeback/viber-token',
      REPLY_SECRET_PARAMETER: '/comeback/reply-secret',
      CLINIC_NAME: 'Comeback clinic',
      OUTREACH_QUEUE_URL: expect.anything(),
    });
  });

  it('reads no bot token when no bot is set up', () => {
    const { stateless } = plain;
    const { statementsOf, environmentOf } = inspect(stateless);
    expect(parametersReadBy(statementsOf(stateless.messengers.viberCallbacks))).toEqual([arnOf('ssm', 'parameter/comeback/reply-secret')]);
    expect(environmentOf(stateless.messengers.viberCallbacks).VIBER_TOKEN_PARAMETER).toBeUndefined();
  });

  it('may put a request back on the outreach queue and send nothing through AWS messaging', () => {
    const { stateless } = withMessengers;
    const statements = inspect(stateless).statementsOf(stateless.messengers.viberCallbacks);
    expect(withAction(statements, /^sqs:SendMessage$/)).toHaveLength(1);
    expect(withAction(statements, /^(social-messaging|sms-voice|ses|sns):/)).toEqual([]);
  });

  it('writes the callbacks table, and the clients table through its Viber user index', () => {
    const { stateless, stateful } = withMessengers;
    const { statementsOf } = inspect(stateless);
    const statefulIdOf = (definition: typeof clientsTable) => stateful.getLogicalId(stateful.tables.table(definition).node.defaultChild as CfnElement);
    const writes = JSON.stringify(withAction(statementsOf(stateless.messengers.viberCallbacks), /^dynamodb:PutItem$/).map((s) => s.Resource));
    expect(writes).toContain(`ExportsOutputFnGetAtt${statefulIdOf(callbacksTable)}Arn`);
    expect(writes).toContain(`/index/${clientsByViberUserIndex}`);
  });
});

describe('the send function’s messengers', () => {
  it('may send WhatsApp messages from exactly the clinic’s number, and gets the messengers’ settings', () => {
    const { stateless } = withMessengers;
    const { statementsOf, environmentOf } = inspect(stateless);
    const send = stateless.sendOutreach.function;
    const social = withAction(statementsOf(send), /^social-messaging:/);
    expect(social).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'social-messaging:SendWhatsAppMessage',
        Resource: arnOf('social-messaging', 'phone-number-id/0123456789abcdef0123456789abcdef'),
      }),
    ]);
    expect(JSON.stringify(social)).not.toContain('*');
    expect(withAction(statementsOf(send), /^ssm:/).flatMap((s) => [s.Resource].flat())).toContainEqual(arnOf('ssm', 'parameter/comeback/viber-token'));
    expect(environmentOf(send)).toMatchObject({
      WHATSAPP_PHONE_NUMBER_ID: messengers.whatsAppPhoneNumberId,
      WHATSAPP_TEMPLATE: 'comeback_request',
      WHATSAPP_TEMPLATE_FALLBACK_LANGUAGE: 'en_US',
      WHATSAPP_MESSAGES_PER_SECOND: '20',
      VIBER_TOKEN_PARAMETER: '/comeback/viber-token',
      VIBER_BOT_URI: 'harbourclinic',
      VIBER_MESSAGES_PER_SECOND: '5',
    });
  });

  it('takes the number as its ARN too, and then allows that ARN', () => {
    const arn = 'arn:aws:social-messaging:eu-west-1:111122223333:phone-number-id/0123456789abcdef0123456789abcdef';
    const { stateless } = createComebackApp(new App({ context: { ...noBundling, whatsAppPhoneNumberId: arn } }));
    const social = withAction(inspect(stateless).statementsOf(stateless.sendOutreach.function), /^social-messaging:/);
    expect(social.map((s) => s.Resource)).toEqual([arn]);
  });

  it('has nothing of WhatsApp or Viber when neither is set up', () => {
    const { stateless } = plain;
    const { statementsOf, environmentOf } = inspect(stateless);
    const send = stateless.sendOutreach.function;
    expect(withAction(statementsOf(send), /^social-messaging:/)).toEqual([]);
    expect(JSON.stringify(withAction(statementsOf(send), /^ssm:/))).not.toContain('viber');
    expect(Object.keys(environmentOf(send)).filter((name) => /^(WHATSAPP|VIBER)_/.test(name))).toEqual([]);
    expect(withAction(statementsOf(stateless.messengers.whatsAppEvents), /^social-messaging:/)).toEqual([]);
  });

  it('reads the reason catalogue (Viber’s buttons) without writing it', () => {
    const { stateless, stateful } = plain;
    const { statementsOf } = inspect(stateless);
    const catalogueArn = `ExportsOutputFnGetAtt${stateful.getLogicalId(stateful.tables.table(catalogueTable).node.defaultChild as CfnElement)}Arn`;
    const onCatalogue = statementsOf(stateless.sendOutreach.function).filter((s) => JSON.stringify(s.Resource).includes(catalogueArn));
    expect(onCatalogue.flatMap(actionsOf)).toContain('dynamodb:Query');
    expect(onCatalogue.flatMap(actionsOf).filter((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(action))).toEqual([]);
  });
});

describe('WhatsApp events', () => {
  const { stateless } = withMessengers;
  const { template, resources, idOf, statementsOf, environmentOf } = inspect(stateless);
  const topicId = idOf(stateless.messaging.topic(whatsAppEventsTopic));
  const queueId = idOf(stateless.messaging.queue(whatsAppEventsQueue));
  const conditions = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': arnOf('social-messaging', '*') },
  };

  it('may be published to the topic by End User Messaging Social of this account only, through the topic’s key too', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'social-messaging.amazonaws.com' }, Action: 'sns:Publish', Condition: conditions }),
        ]),
      },
    });
    const keyStatements = resources[idOf(stateless.messaging.topicKey)]!.Properties.KeyPolicy.Statement as Statement[];
    const forService = keyStatements.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'social-messaging.amazonaws.com' }));
    expect(forService).toEqual([expect.objectContaining({ Effect: 'Allow', Condition: conditions })]);
    expect(actionsOf(forService[0]!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    template.hasOutput('WhatsAppEventsTopicArn', { Value: { Ref: topicId } });
  });

  it('reach the whatsapp-events function through the queue, ten at a time with failures reported one by one', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
      TopicArn: { Ref: topicId },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(stateless.messengers.whatsAppEvents) },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('let the function answer from the clinic’s number and put a job back on the outreach queue', () => {
    const fn = stateless.messengers.whatsAppEvents;
    expect(withAction(statementsOf(fn), /^social-messaging:/).map((s) => s.Resource)).toEqual([
      arnOf('social-messaging', 'phone-number-id/0123456789abcdef0123456789abcdef'),
    ]);
    expect(withAction(statementsOf(fn), /^sqs:SendMessage$/)).toHaveLength(1);
    expect(environmentOf(fn)).toMatchObject({ WHATSAPP_PHONE_NUMBER_ID: messengers.whatsAppPhoneNumberId, OUTREACH_QUEUE_URL: expect.anything() });
  });

  it('go to the topic from the business account named, set by a custom resource allowed that one account', () => {
    const [destination] = Object.values(template.findResources('Custom::WhatsAppEventDestination'));
    expect(JSON.stringify(destination!.Properties.Create)).toContain('putWhatsAppBusinessAccountEventDestinations');
    expect(JSON.stringify(destination!.Properties.Create)).toContain(messengers.whatsAppBusinessAccountId);
    expect(JSON.stringify(destination!.Properties.Create)).toContain(topicId);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(withAction(statements, /^social-messaging:Put/)).toEqual([
      expect.objectContaining({
        Action: 'social-messaging:PutWhatsAppBusinessAccountEventDestinations',
        Resource: arnOf('social-messaging', 'waba/fedcba9876543210fedcba9876543210'),
      }),
    ]);
  });

  it('have no custom resource when no business account is named', () => {
    expect(Template.fromStack(plain.stateless).findResources('Custom::WhatsAppEventDestination')).toEqual({});
  });
});

describe('the stateful stack', () => {
  const template = Template.fromStack(plain.stateful);

  it('keeps taken callbacks until their expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'callbackKey', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('finds a client by their Viber user id', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'clientId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: clientsByViberUserIndex, KeySchema: [{ AttributeName: 'viberUserId', KeyType: 'HASH' }] }),
      ]),
    });
  });
});

describe('the messengers’ context', () => {
  it('is refused when a value is not what the functions take, or comes without the messenger', () => {
    const settings = (extra: Record<string, unknown>) => messengerSettingsOf(new App({ context: extra }));
    expect(settings({})).toEqual({});
    expect(() => settings({ whatsAppPhoneNumberId: '+15550100' })).toThrow(/whatsAppPhoneNumberId/);
    expect(() => settings({ whatsAppTemplate: 'comeback_request' })).toThrow(/whatsAppTemplate needs whatsAppPhoneNumberId/);
    expect(() => settings({ whatsAppPhoneNumberId: messengers.whatsAppPhoneNumberId, whatsAppBusinessAccountId: '1234' })).toThrow(/whatsAppBusinessAccountId/);
    expect(() => settings({ viberBotUri: 'harbourclinic' })).toThrow(/viberBotUri needs viberTokenParameter/);
    expect(() => settings({ viberTokenParameter: '/comeback/viber-token', viberMessagesPerSecond: '0' })).toThrow(/viberMessagesPerSecond/);
    expect(settings({ viberTokenParameter: '/comeback/viber-token' })).toEqual({ viber: { tokenParameter: '/comeback/viber-token' } });
  });
});

it('leaves no AwsSolutions finding unacknowledged with both messengers set up', () => {
  const { app, stateless } = createComebackApp(new App({ context: { ...noBundling, ...messengers } }));
  app.synth();
  const report = new AwsSolutionsChecks().validateScope(stateless);
  const findings = report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}: ${violation.description}`),
  );
  expect(findings, `Unacknowledged cdk-nag findings:\n${findings.join('\n')}`).toEqual([]);
});
