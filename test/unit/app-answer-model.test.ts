import { describe, expect, it } from 'vitest';
import { answerDependencies, answerModel, appContext, envNames } from '../../shared/app.ts';
import { BedrockAnswerModel } from '../../shared/aws/bedrock-answer-model.ts';
import { ConfigError } from '../../shared/common/config.ts';

const tables = {
  [envNames.answersTable]: 'answers',
  [envNames.catalogueTable]: 'catalogue',
  [envNames.followUpsTable]: 'follow-ups',
  [envNames.clientsTable]: 'clients',
  [envNames.visitsTable]: 'visits',
  [envNames.suppressionTable]: 'suppression',
  [envNames.outreachTable]: 'outreach',
};

describe('the answer model part', () => {
  it('is off unless ANSWER_MODEL_ID names a model: the answer paths then have none', () => {
    expect(answerModel(appContext(tables))).toBeUndefined();
    expect(answerDependencies(appContext({ ...tables, [envNames.answerModelId]: '' }))).not.toHaveProperty('answerModel');
  });

  it('is the Bedrock model when ANSWER_MODEL_ID is set, and the answer paths get it', () => {
    const app = appContext({ ...tables, [envNames.answerModelId]: 'amazon.nova-micro-v1:0', [envNames.answerModelMonthlyCapUsd]: '3.5' });
    expect(answerModel(app)).toBeInstanceOf(BedrockAnswerModel);
    expect(answerDependencies(app).answerModel).toBe(answerModel(app));
  });

  it('names a bad cap or price', () => {
    const on = { ...tables, [envNames.answerModelId]: 'amazon.nova-micro-v1:0' };
    expect(() => answerModel(appContext({ ...on, [envNames.answerModelMonthlyCapUsd]: 'lots' }))).toThrow(ConfigError);
    expect(() => answerModel(appContext({ ...on, [envNames.answerModelInputPrice]: '-1' }))).toThrow(/^ANSWER_MODEL_USD_PER_1000_INPUT_TOKENS=-1/);
    expect(() => answerModel(appContext({ ...tables, [envNames.answerModelId]: 'a model' }))).toThrow(/^ANSWER_MODEL_ID=a model/);
  });
});
