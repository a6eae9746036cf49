import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { reportRoutes } from '../../../functions/reports/routes.ts';
import { staffRoutes } from '../../../functions/staff-api/routes.ts';
import { createComebackApp, outreachSettingsOf } from '../../../infra/app.ts';
import type { ComebackFunction, TableAccess } from '../../../infra/constructs/comeback-function.ts';
import { replyRoutes } from '../../../functions/reply-web/routes.ts';
import {
  answersTable,
  catalogueTable,
  clientsTable,
  episodesTable,
  followUpsTable,
  outreachTable,
  smsRepliesQueue,
  smsRepliesTopic,
  suppressionTable,
  tables,
  visitsTable,
  type TableDefinition,
} from '../../../infra/resources.ts';

// Prepare: synthesize once with the flags `cdk synth` uses and no reply domain configured.
// Bundling is skipped here: stateless-stack.test.ts checks every function's bundle.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const noBundling = { ...context, 'aws:cdk:bundling-stacks': [] };
const { stateful, stateless } = createComebackApp(new App({ context: noBundling }));
const template = Template.fromStack(stateless);
const statefulTemplate = Template.fromStack(stateful);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;

const idOf = (construct: IConstruct) => stateless.getLogicalId(construct.node.defaultChild as CfnElement);
const environmentOf = (fn: ComebackFunction): Record<string, unknown> => resources[idOf(fn)]!.Properties.Environment.Variables;
const routesOf = (apiId: string) =>
  Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: { Ref: apiId } } })) as { Properties: Record<string, any> }[];

type Statement = { Action: string | string[]; Resource: unknown };
const statementsOf = (fn: ComebackFunction): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: idOf(fn.role!) }] } })).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** The tables a function's role may touch, and how, read from the policy statements that name them. */
const tableAccessOf = (fn: ComebackFunction): Record<string, TableAccess> => {
  const statefulIdOf = (definition: TableDefinition) => stateful.getLogicalId(stateful.tables.table(definition).node.defaultChild as CfnElement);
  const access: Record<string, TableAccess> = {};
  for (const statement of statementsOf(fn).filter((s) => actionsOf(s).some((action) => action.startsWith('dynamodb:')))) {
    const writes = actionsOf(statement).some((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(action));
    for (const resource of [statement.Resource].flat()) {
      const named = JSON.stringify(resource);
      const touched = tables.filter((definition) => named.includes(`ExportsOutputFnGetAtt${statefulIdOf(definition)}Arn`));
      // A resource that is no known table (a wildcard, something else) fails here.
      expect(touched, `dynamodb statement on ${named}`).toHaveLength(1);
      const id = touched[0]!.id;
      access[id] = writes || access[id] === 'readWrite' ? 'readWrite' : 'read';
    }
  }
  return access;
};

const answerTables = {
  [answersTable.id]: 'readWrite',
  [catalogueTable.id]: 'readWrite',
  [followUpsTable.id]: 'readWrite',
  [clientsTable.id]: 'readWrite',
  [suppressionTable.id]: 'readWrite',
  [outreachTable.id]: 'read',
} as const;

describe('the reply page', () => {
  const reply = stateless.replyWeb;
  const apiId = idOf(reply.httpApi);

  it('has its own public API with the four reply and unsubscribe routes (and HEAD beside each GET) and Viber’s signed webhook, none behind an authorizer', () => {
    const routes = routesOf(apiId);
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([
      'GET /r/{token}',
      'GET /u/{token}',
      'HEAD /r/{token}',
      'HEAD /u/{token}',
      'POST /r/{token}',
      'POST /u/{token}',
      'POST /viber/callback',
    ]);
    expect(Object.values(replyRoutes)).toHaveLength(4);
    for (const route of routes) {
      expect(route.Properties.AuthorizationType).toBe('NONE');
      expect(route.Properties.AuthorizerId).toBeUndefined();
    }
    expect(template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { ApiId: { Ref: apiId } } })).toEqual({});
  });

  it('sends every route but Viber’s webhook to the reply function', () => {
    for (const route of routesOf(apiId).filter((candidate) => candidate.Properties.RouteKey !== 'POST /viber/callback')) {
      const integrationId = (route.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
      expect(resources[integrationId.Ref]?.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [idOf(reply.function), 'Arn'] });
    }
  });

  it('has a throttled stage whose access log names the route, never the path with its token', () => {
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage', { Properties: { ApiId: { Ref: apiId } } })) as { Properties: any }[];
    expect(stages).toHaveLength(1);
    const stage = stages[0]!.Properties;
    expect(stage).toMatchObject({ StageName: '$default', AutoDeploy: true });
    expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeLessThanOrEqual(20);
    expect(stage.DefaultRouteSettings.ThrottlingBurstLimit).toBeLessThanOrEqual(50);
    const fields = Object.values(JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>);
    expect(fields).toContain('$context.routeKey');
    expect(fields.join(' ')).not.toMatch(/\$context\.(path|http\.path|rawPath|body)|\$input/);
  });

  it('gets the clinic’s name, language and the reply secret’s parameter, and may read that parameter', () => {
    expect(environmentOf(reply.function)).toMatchObject({
      CLINIC_NAME: 'Comeback clinic',
      REPLY_SECRET_PARAMETER: '/comeback/reply-secret',
      COMEBACK_LOCALE: 'en',
    });
    const ssm = statementsOf(reply.function).filter((s) => actionsOf(s).includes('ssm:GetParameter'));
    expect(JSON.stringify(ssm.map((s) => s.Resource))).toContain(':parameter/comeback/reply-secret');
  });

  it('touches exactly the answer tables, and has the visits table’s name for the client store', () => {
    expect(tableAccessOf(reply.function)).toEqual(answerTables);
    const environment = environmentOf(reply.function);
    for (const definition of [answersTable, catalogueTable, followUpsTable, clientsTable, suppressionTable, outreachTable, visitsTable]) {
      expect(environment[definition.envVar], definition.envVar).toBeDefined();
    }
  });

  it('is where the links in requests point when the clinic configured no reply domain', () => {
    expect(environmentOf(stateless.sendOutreach.function).REPLY_BASE_URL).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
    template.hasOutput('ReplyPageUrl', { Value: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] } });
  });

  it('takes a reply domain only as an https URL', () => {
    expect(outreachSettingsOf(new App({ context: { replyBaseUrl: 'https://reply.harbour.example/' } })).replyBaseUrl).toBe('https://reply.harbour.example');
    expect(outreachSettingsOf(new App()).replyBaseUrl).toBeUndefined();
    expect(() => outreachSettingsOf(new App({ context: { replyBaseUrl: 'http://reply.harbour.example' } }))).toThrow(/replyBaseUrl/);
    expect(() => outreachSettingsOf(new App({ context: { replyBaseUrl: 'reply.harbour.example' } }))).toThrow(/replyBaseUrl/);
  });
});

describe('inbound SMS', () => {
  const inbound = stateless.smsInbound;

  it('drains the replies queue, which receives the two-way SMS topic raw, ten at a time with failures reported one by one', () => {
    const queueId = idOf(stateless.messaging.queue(smsRepliesQueue));
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
      TopicArn: { Ref: idOf(stateless.messaging.topic(smsRepliesTopic)) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(inbound.function) },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('names the topic a number’s two-way channel publishes to in the outputs', () => {
    template.hasOutput('SmsRepliesTopicArn', { Value: { Ref: idOf(stateless.messaging.topic(smsRepliesTopic)) } });
  });

  it('may send texts (the HELP answer) and nothing else through End User Messaging or SES', () => {
    const messaging = statementsOf(inbound.function)
      .flatMap(actionsOf)
      .filter((action) => /^(sms-voice|ses|mobiletargeting|sns):/.test(action));
    expect(messaging).toEqual(['sms-voice:SendTextMessage']);
  });

  it('gets the clinic’s settings and the configuration set the sender uses', () => {
    expect(environmentOf(inbound.function)).toMatchObject({
      CLINIC_NAME: 'Comeback clinic',
      EMAIL_FROM: 'care@clinic.example',
      SMS_ORIGINATION_IDENTITY: '+10000000000',
      OUTREACH_VOICES: expect.any(String),
      COMEBACK_LOCALE: 'en',
      SMS_CONFIGURATION_SET: { Ref: stateless.getLogicalId(stateless.deliveryEvents.smsConfigurationSet) },
    });
  });

  it('touches exactly the answer tables, reading the outreach table through its provider-message index', () => {
    expect(tableAccessOf(inbound.function)).toEqual(answerTables);
    const outreachReads = statementsOf(inbound.function).filter(
      (s) => JSON.stringify(s.Resource).includes('Outreach') && actionsOf(s).includes('dynamodb:Query'),
    );
    expect(JSON.stringify(outreachReads.map((s) => s.Resource))).toContain('/index/byProviderMessage');
    expect(environmentOf(inbound.function)[visitsTable.envVar]).toBeDefined();
  });
});

describe('the staff and managers’ API', () => {
  const staff = stateless.staffApi;
  const apiId = idOf(staff.httpApi);
  const pool = stateful.staffUsers.userPool;
  const poolId = stateful.getLogicalId(pool.node.defaultChild as CfnElement);
  const clientId = stateful.getLogicalId(stateful.staffUsers.toolsClient.node.defaultChild as CfnElement);

  it('has one route per entry of staffRoutes and reportRoutes (and a HEAD beside each GET), each behind the Cognito JWT authorizer', () => {
    const routes = routesOf(apiId);
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      [...Object.values(staffRoutes), ...Object.values(reportRoutes)]
        .flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]).map((method) => `${method} ${route.path}`))
        .sort(),
    );
    const authorizers = Object.entries(template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { ApiId: { Ref: apiId } } }));
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    // The tools' client and the web console's are the audience; the issuer is the staff user pool.
    const { Audience, Issuer } = authorizer.Properties.JwtConfiguration;
    const consoleClientId = stateless.getLogicalId(stateless.console.client.node.defaultChild as CfnElement);
    expect(Audience).toEqual([{ 'Fn::ImportValue': expect.stringContaining(`ExportsOutputRef${clientId}`) }, { Ref: consoleClientId }]);
    expect(JSON.stringify(Issuer)).toMatch(/^\{"Fn::Join":\["",\["https:\/\/cognito-idp\./);
    expect(JSON.stringify(Issuer)).toContain(`ExportsOutputRef${poolId}`);
    for (const route of routes) {
      expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    }
  });

  it('puts a route added later behind the same authorizer', () => {
    const { stateless: later } = createComebackApp(new App({ context: noBundling }));
    later.staffApi.addRoute(HttpMethod.GET, '/later/{name}', later.staffApi.function);
    for (const method of ['GET', 'HEAD']) {
      Template.fromStack(later).hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${method} /later/{name}`,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: Match.stringLikeRegexp('StaffUserPool') },
      });
    }
  });

  it('has a throttled stage that logs who called by their token’s subject', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId },
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: { Format: Match.stringLikeRegexp('\\$context\\.authorizer\\.claims\\.sub') },
    });
  });

  it('lets the function touch exactly the answer tables, and read episodes and visits for the client card', () => {
    expect(tableAccessOf(staff.function)).toEqual({ ...answerTables, [episodesTable.id]: 'read', [visitsTable.id]: 'read' });
  });

  it('names its URL in the outputs, and the stateful stack names the user pool and the tools’ client', () => {
    template.hasOutput('StaffApiUrl', { Value: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] } });
    statefulTemplate.hasOutput('UserPoolId', { Value: { Ref: poolId } });
    statefulTemplate.hasOutput('UserPoolClientId', { Value: { Ref: clientId } });
  });
});

describe('the staff user pool in the stateful stack', () => {
  const resourcesOf = (type: string) =>
    Object.values(statefulTemplate.findResources(type)) as { Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }[];

  it('is retained and protected, and nobody signs themselves up', () => {
    const pools = resourcesOf('AWS::Cognito::UserPool');
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { DeletionProtection: 'ACTIVE', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, UsernameAttributes: ['email'] },
    });
  });

  it('asks for strong passwords, offers TOTP, and enforces threat protection on the Plus plan', () => {
    expect(resourcesOf('AWS::Cognito::UserPool')[0]!.Properties).toMatchObject({
      Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    statefulTemplate.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      CompromisedCredentialsRiskConfiguration: { Actions: { EventAction: 'BLOCK' } },
      AccountTakeoverRiskConfiguration: { Actions: { HighAction: { EventAction: 'MFA_REQUIRED' } } },
    });
  });

  it('has the groups managers and staff', () => {
    expect(
      resourcesOf('AWS::Cognito::UserPoolGroup')
        .map((group) => group.Properties.GroupName)
        .sort(),
    ).toEqual(['managers', 'staff']);
  });

  it('has one app client for the tools: no secret, SRP and refresh tokens only, tokens valid a short while', () => {
    const clients = resourcesOf('AWS::Cognito::UserPoolClient');
    expect(clients).toHaveLength(1);
    const client = clients[0]!.Properties;
    expect(client).toMatchObject({
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AllowedOAuthFlowsUserPoolClient: false,
    });
    expect([...client.ExplicitAuthFlows].sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
    expect(client.TokenValidityUnits).toEqual({ AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' });
    expect(client.AccessTokenValidity).toBeLessThanOrEqual(60);
    expect(client.IdTokenValidity).toBeLessThanOrEqual(60);
    expect(client.RefreshTokenValidity).toBeLessThanOrEqual(24 * 60);
  });
});
