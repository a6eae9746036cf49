import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { expect, it } from 'vitest';
import { createComebackApp } from '../../../infra/app.ts';

// Prepare: synthesize once, so aspects (tags) and lazy resources are in the tree the checks walk.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const { app, stateful, stateless } = createComebackApp(new App({ context }));
app.synth();

it.each([stateful, stateless].map((stack) => [stack.stackName, stack] as const))('%s has no AwsSolutions finding that is not acknowledged', (_, stack) => {
  const report = new AwsSolutionsChecks().validateScope(stack);

  const findings = report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}: ${violation.description}`),
  );
  expect(findings, `Unacknowledged cdk-nag findings:\n${findings.join('\n')}`).toEqual([]);
});
