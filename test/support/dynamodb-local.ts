import type { TestProject } from 'vitest/node';
import { freePort, startDynamoDb, stopProcess } from '../../infra/local/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/** One in-memory DynamoDB Local for the whole run; each test file makes its own tables. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const java = await startDynamoDb(port, undefined);
  project.provide('dynamoEndpoint', `http://127.0.0.1:${port}`);
  return () => stopProcess(java);
}
