import { Arn, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { envNames } from '../../shared/environment.ts';
import type { ComebackFunction } from './comeback-function.ts';

/**
 * The optional cloud stage for answers the matcher cannot place (CDK context `answerModel`):
 * the Bedrock foundation model, the monthly spending cap and the model's prices.
 */
export interface AnswerModelSettings {
  /** A foundation model id, e.g. `anthropic.claude-3-haiku-20240307-v1:0`. */
  readonly modelId: string;
  readonly monthlyCapUsd: number;
  readonly usdPer1000InputTokens: number;
  readonly usdPer1000OutputTokens: number;
}

/** The foundation model's ARN in the function's region: the one resource its role may invoke. */
export const foundationModelArn = (fn: ComebackFunction, modelId: string): string =>
  Arn.format({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: modelId }, Stack.of(fn));

/**
 * Lets a function that records answers ask the model: its settings in the environment, and
 * `bedrock:InvokeModel` (which authorises Converse) on that one model, nothing else. The month's
 * spend is an item of the catalogue table, which every answer path already writes.
 */
export const useAnswerModel = (fn: ComebackFunction, settings: AnswerModelSettings): void => {
  fn.addEnvironment(envNames.answerModelId, settings.modelId);
  fn.addEnvironment(envNames.answerModelMonthlyCapUsd, String(settings.monthlyCapUsd));
  fn.addEnvironment(envNames.answerModelInputPrice, String(settings.usdPer1000InputTokens));
  fn.addEnvironment(envNames.answerModelOutputPrice, String(settings.usdPer1000OutputTokens));
  fn.addToRolePolicy(new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [foundationModelArn(fn, settings.modelId)] }));
};
