import type { TestProject } from 'vitest/node';
import { freePort, startDynamoDb, stopProcess } from '../../infra/local/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

interface SharedDynamoDb {
  readonly endpoint: Promise<string>;
  readonly stop: () => Promise<void>;
  users: number;
}

// The integration and e2e projects each run this setup, in the same process: they share one Java.
const shared = globalThis as { comebackDynamoDbLocal?: SharedDynamoDb };

const startShared = (): SharedDynamoDb => {
  const java = freePort().then(async (port) => ({ port, process: await startDynamoDb(port, undefined) }));
  return {
    endpoint: java.then(({ port }) => `http://127.0.0.1:${port}`),
    stop: async () => stopProcess((await java).process),
    users: 0,
  };
};

/** One in-memory DynamoDB Local for the whole run; each test file makes its own tables. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.comebackDynamoDbLocal ??= startShared();
  const dynamoDb = shared.comebackDynamoDbLocal;
  dynamoDb.users += 1;
  project.provide('dynamoEndpoint', await dynamoDb.endpoint);
  return async () => {
    dynamoDb.users -= 1;
    if (dynamoDb.users > 0) return;
    shared.comebackDynamoDbLocal = undefined;
    await dynamoDb.stop();
  };
}
