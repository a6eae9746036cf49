import { afterEach, describe, expect, it } from 'vitest';
import { documentClient } from '../../../shared/aws/dynamo-client-store.ts';

describe('the shared DynamoDB document client', () => {
  const before = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  afterEach(() => {
    if (before === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    else process.env.AWS_ENDPOINT_URL_DYNAMODB = before;
  });

  it('is one per endpoint: a process that starts a second local stack talks to that stack, not to the first', () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:41001';
    const first = documentClient();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:41002';
    const second = documentClient();

    expect(second).not.toBe(first);
    expect(documentClient()).toBe(second);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:41001';
    expect(documentClient()).toBe(first);
  });
});
