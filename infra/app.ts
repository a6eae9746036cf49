import { App, Tags, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface ComebackApp {
  readonly app: App;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** Both stacks, tagged. Without CDK_DEFAULT_ACCOUNT/REGION the stacks are environment-agnostic. */
export const createComebackApp = (app: App = new App()): ComebackApp => {
  const env: Environment = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  const stateful = new StatefulStack(app, 'ComebackStateful', { env });
  const stateless = new StatelessStack(app, 'ComebackStateless', {
    env,
    tables: stateful.tables,
    analyticsBucket: stateful.analyticsBucket,
    dataKey: stateful.dataKey,
  });
  Tags.of(app).add('app', 'comeback');
  return { app, stateful, stateless };
};

if (import.meta.main) {
  const { app } = createComebackApp();
  // Synthesis fails on any AwsSolutions finding that is not acknowledged where it arises.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
