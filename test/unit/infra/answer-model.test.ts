import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { answerModelOf, createComebackApp } from '../../../infra/app.ts';
import type { ComebackFunction } from '../../../infra/constructs/comeback-function.ts';
import type { StatelessStack } from '../../../infra/stateless-stack.ts';
import { defaultModelPrices, defaultMonthlyCapUsd } from '../../../shared/answers/model-budget.ts';
import { envNames } from '../../../shared/environment.ts';

// Prepare: synthesize with the flags `cdk synth` uses, with and without `-c answerModel=...`.
// Bundling is skipped here: stateless-stack.test.ts checks every function's bundle.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const synth = (extra: Record<string, unknown>) => {
  const { stateless } = createComebackApp(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [], ...extra } }));
  return { stateless, template: Template.fromStack(stateless) };
};

const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
const modelVariables = [envNames.answerModelId, envNames.answerModelMonthlyCapUsd, envNames.answerModelInputPrice, envNames.answerModelOutputPrice];

type Statement = { Action: string | string[]; Resource: unknown };
const inspect = ({ stateless, template }: ReturnType<typeof synth>) => {
  const resources = template.toJSON().Resources as Record<string, { Properties: any }>;
  const idOf = (fn: ComebackFunction) => stateless.getLogicalId(fn.node.defaultChild as CfnElement);
  return {
    environmentOf: (fn: ComebackFunction): Record<string, unknown> => resources[idOf(fn)]!.Properties.Environment.Variables,
    statementsOf: (fn: ComebackFunction): Statement[] =>
      Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stateless.getLogicalId(fn.role!.node.defaultChild as CfnElement) }] } }),
      ).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement),
    /** Every statement in the stack that names a Bedrock action. */
    bedrockStatements: (): Statement[] =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement)
        .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('bedrock:'))),
  };
};

const answerPaths = (stateless: StatelessStack) => [
  stateless.replyWeb.function,
  stateless.smsInbound.function,
  stateless.messengers.whatsAppEvents,
  stateless.messengers.viberCallbacks,
];

describe('the answer model, off by default', () => {
  const synthesized = synth({});
  const { environmentOf, bedrockStatements } = inspect(synthesized);

  it('gives no function its variables and no role any Bedrock permission', () => {
    for (const fn of answerPaths(synthesized.stateless)) for (const name of modelVariables) expect(environmentOf(fn), name).not.toHaveProperty(name);
    expect(bedrockStatements()).toEqual([]);
  });
});

describe('the answer model, with -c answerModel=<model id>', () => {
  const synthesized = synth({ answerModel: modelId, answerModelMonthlyCapUsd: '25' });
  const { stateless } = synthesized;
  const { environmentOf, statementsOf, bedrockStatements } = inspect(synthesized);

  it('gives the reply page, inbound SMS, WhatsApp’s messages and Viber’s the model, the cap and the prices (defaults where not given)', () => {
    for (const fn of answerPaths(stateless)) {
      expect(environmentOf(fn)).toMatchObject({
        [envNames.answerModelId]: modelId,
        [envNames.answerModelMonthlyCapUsd]: '25',
        [envNames.answerModelInputPrice]: String(defaultModelPrices.inputPer1000Tokens),
        [envNames.answerModelOutputPrice]: String(defaultModelPrices.outputPer1000Tokens),
      });
    }
  });

  it('lets them call bedrock:InvokeModel on that one foundation model, and nothing else of Bedrock', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, `::foundation-model/${modelId}`]] };
    for (const fn of answerPaths(stateless)) {
      const bedrock = statementsOf(fn).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('bedrock:')));
      expect(bedrock).toEqual([expect.objectContaining({ Action: 'bedrock:InvokeModel', Effect: 'Allow', Resource: arn })]);
    }
    expect(bedrockStatements()).toHaveLength(answerPaths(stateless).length);
  });

  it('keeps the month’s spend in the catalogue table, which each already writes', () => {
    for (const fn of answerPaths(stateless)) {
      const writes = statementsOf(fn).filter(
        (statement) => [statement.Action].flat().includes('dynamodb:UpdateItem') && JSON.stringify(statement.Resource).includes('Catalogue'),
      );
      expect(writes.length, fn.node.path).toBeGreaterThan(0);
      expect(environmentOf(fn)[envNames.catalogueTable]).toBeDefined();
    }
  });

  it('leaves the staff API without it: staff always pick a reason', () => {
    expect(environmentOf(stateless.staffApi.function)).not.toHaveProperty(envNames.answerModelId);
    expect(statementsOf(stateless.staffApi.function).flatMap((statement) => [statement.Action].flat())).not.toContain('bedrock:InvokeModel');
  });

  it('adds no AwsSolutions finding', () => {
    const findings = new AwsSolutionsChecks()
      .validateScope(stateless)
      .violations.flatMap((violation) => violation.violatingResources.map(() => violation.ruleName));
    expect(findings).toEqual([]);
  });
});

describe('the answer model’s CDK context', () => {
  const of = (values: Record<string, unknown>) => answerModelOf(new App({ context: values }));

  it('is off without answerModel, and takes the defaults for what is not given', () => {
    expect(of({})).toBeUndefined();
    expect(of({ answerModel: 'amazon.nova-micro-v1:0' })).toEqual({
      modelId: 'amazon.nova-micro-v1:0',
      monthlyCapUsd: defaultMonthlyCapUsd,
      usdPer1000InputTokens: defaultModelPrices.inputPer1000Tokens,
      usdPer1000OutputTokens: defaultModelPrices.outputPer1000Tokens,
    });
    expect(of({ answerModel: modelId, answerModelUsdPer1000InputTokens: '0.000035', answerModelUsdPer1000OutputTokens: 0.00014 })).toMatchObject({
      usdPer1000InputTokens: 0.000035,
      usdPer1000OutputTokens: 0.00014,
    });
  });

  it('refuses what is not a foundation model id (an ARN, a cross-region inference profile) and a price that is no amount', () => {
    expect(() => of({ answerModel: `arn:aws:bedrock:us-east-1::foundation-model/${modelId}` })).toThrow(/answerModel/);
    expect(() => of({ answerModel: 'us.amazon.nova-micro-v1:0' })).toThrow(/answerModel/);
    expect(() => of({ answerModel: 'haiku' })).toThrow(/answerModel/);
    expect(() => of({ answerModel: modelId, answerModelMonthlyCapUsd: 'ten' })).toThrow(/answerModelMonthlyCapUsd/);
    expect(() => of({ answerModel: modelId, answerModelUsdPer1000InputTokens: '-1' })).toThrow(/answerModelUsdPer1000InputTokens/);
  });
});
